using System.Text;

namespace Syndicate.IntegrationTests.Infrastructure;

/// <summary>One test's content root: a fresh temp folder with posts/ and out/, deleted afterwards.</summary>
internal sealed class TestSite : IDisposable
{
    public const string BaseUrl = "https://blog.example.test";

    public TestSite()
    {
        Root = Path.Combine(Path.GetTempPath(), "syndicate-it", Guid.NewGuid().ToString("N"));
        Posts = Path.Combine(Root, "posts");
        Output = Path.Combine(Root, "out");
        Directory.CreateDirectory(Posts);
    }

    public string Root { get; }

    public string Posts { get; }

    public string Output { get; }

    /// <summary>The front matter and body of a post, with LF line ends.</summary>
    public static string PostText(string title, string? date = null, IEnumerable<string>? tags = null, string body = "A paragraph.", string extra = "")
    {
        var text = new StringBuilder("---\n");
        text.Append("title: \"").Append(title.Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\"\n");
        if (date is not null)
        {
            text.Append("date: ").Append(date).Append('\n');
        }

        if (tags is not null)
        {
            text.Append("tags: [").Append(string.Join(", ", tags)).Append("]\n");
        }

        text.Append(extra);
        text.Append("---\n").Append(body).Append('\n');
        return text.ToString();
    }

    /// <summary>Writes a post file under posts/ and returns its full path.</summary>
    public string WritePost(string fileName, string title, string? date = null, IEnumerable<string>? tags = null, string body = "A paragraph.", string extra = "") =>
        WriteFile(fileName, PostText(title, date, tags, body, extra));

    public string WriteFile(string fileName, string text)
    {
        var path = PostPath(fileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public string PostPath(string fileName) => Path.Combine(Posts, fileName.Replace('/', Path.DirectorySeparatorChar));

    public string OutputPath(string relative) => Path.Combine(Output, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The bytes of an output file, or null while it does not exist.</summary>
    public byte[]? ReadOutput(string relative)
    {
        try
        {
            return File.ReadAllBytes(OutputPath(relative));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Every file under out/, by relative path, with its bytes.</summary>
    public SortedDictionary<string, byte[]> OutputFiles()
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        if (!Directory.Exists(Output))
        {
            return files;
        }

        foreach (var path in Directory.EnumerateFiles(Output, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            files[Path.GetRelativePath(Output, path).Replace(Path.DirectorySeparatorChar, '/')] = File.ReadAllBytes(path);
        }

        return files;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A temp folder left behind is harmless; the next test uses a new one.
        }
    }
}
