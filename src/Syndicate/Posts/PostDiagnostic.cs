namespace Syndicate.Posts;

/// <summary>Something wrong with a post file: where (file, line, field), what, and what to do.</summary>
/// <param name="File">The post's path relative to the posts folder, with forward slashes.</param>
/// <param name="Line">The 1-based line in the file, when known.</param>
/// <param name="Field">The front matter key concerned, when there is one.</param>
/// <param name="Message">What is wrong and how to fix it, as one sentence.</param>
/// <param name="IsError">True when the post is rejected; false for a warning on a published post.</param>
internal sealed record PostDiagnostic(string File, int? Line, string? Field, string Message, bool IsError = true)
{
    /// <summary>The line, the field and the message, without the file (for a log line that names the file already).</summary>
    public string Detail
    {
        get
        {
            var where = Line is { } line ? $"line {line}: " : "";
            return Field is null ? $"{where}{Message}" : $"{where}{Field}: {Message}";
        }
    }

    public override string ToString()
    {
        var where = Line is { } line ? $"{File}:{line}" : File;
        return Field is null ? $"{where}: {Message}" : $"{where}: {Field}: {Message}";
    }
}
