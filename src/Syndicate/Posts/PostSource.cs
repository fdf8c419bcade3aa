using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Syndicate.Posts;

/// <summary>
/// A post file read from disk and split into its front matter and Markdown body. Everything that
/// can be wrong with the bytes themselves (size, binary content, invalid UTF-8, an unclosed front
/// matter block) is found here, before any YAML is parsed.
/// </summary>
internal sealed class PostSource
{
    private PostSource(string frontMatter, int frontMatterLine, string body, int bodyLine)
    {
        FrontMatter = frontMatter;
        FrontMatterLine = frontMatterLine;
        Body = body;
        BodyLine = bodyLine;
    }

    /// <summary>The YAML between the fences.</summary>
    public string FrontMatter { get; }

    /// <summary>The file line of the first YAML line.</summary>
    public int FrontMatterLine { get; }

    public string Body { get; }

    public int BodyLine { get; }

    public static PostSource? Read(string file, ReadOnlySpan<byte> bytes, long maxBytes, out PostDiagnostic? error)
    {
        error = null;
        if (bytes.Length > maxBytes)
        {
            error = TooLarge(file, bytes.Length, maxBytes);
            return null;
        }

        if (bytes.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        // A NUL byte never occurs in Markdown; it marks an image, archive or other binary file saved as .md.
        var nul = bytes[..Math.Min(bytes.Length, 8192)].IndexOf((byte)0);
        if (nul >= 0)
        {
            error = new PostDiagnostic(file, null, null,
                "this is a binary file, not Markdown text; move it out of the posts folder or give it another extension.");
            return null;
        }

        if (!Utf8.IsValid(bytes))
        {
            var offset = FindInvalidUtf8(bytes);
            var line = 1 + bytes[..offset].Count((byte)'\n');
            error = new PostDiagnostic(file, line, null,
                $"the file is not valid UTF-8 (byte {offset.ToString(CultureInfo.InvariantCulture)}); save it as UTF-8.");
            return null;
        }

        var text = Encoding.UTF8.GetString(bytes);
        return Split(file, text, out error);
    }

    public static PostDiagnostic TooLarge(string file, long length, long maxBytes) =>
        new(file, null, null,
            $"the file is {length.ToString("N0", CultureInfo.InvariantCulture)} bytes, over Posts:MaxFileBytes ({maxBytes.ToString("N0", CultureInfo.InvariantCulture)}); split the post or raise the limit.");

    /// <summary>Splits text into front matter and body. A file must open with a <c>---</c> line.</summary>
    public static PostSource? Split(string file, string text, out PostDiagnostic? error)
    {
        error = null;
        var position = 0;
        if (!TryReadLine(text, ref position, out var first) || !IsFence(first, allowDots: false))
        {
            error = new PostDiagnostic(file, 1, null,
                "the file has no front matter; start it with a line of three dashes (---), then title: and date:, then another --- line.");
            return null;
        }

        var yamlStart = position;
        var line = 1;
        var lineStart = position;
        while (TryReadLine(text, ref position, out var current))
        {
            line++;
            if (IsFence(current, allowDots: true))
            {
                return new PostSource(text[yamlStart..lineStart], 2, text[position..], line + 1);
            }

            lineStart = position;
        }

        error = new PostDiagnostic(file, 1, null,
            "the front matter that starts on line 1 is never closed; add a line of three dashes (---) after the last key.");
        return null;
    }

    private static bool TryReadLine(string text, ref int position, out ReadOnlySpan<char> line)
    {
        if (position >= text.Length)
        {
            line = default;
            return false;
        }

        var end = text.IndexOf('\n', position);
        var next = end < 0 ? text.Length : end + 1;
        line = text.AsSpan(position, (end < 0 ? text.Length : end) - position).TrimEnd('\r');
        position = next;
        return true;
    }

    private static bool IsFence(ReadOnlySpan<char> line, bool allowDots)
    {
        var trimmed = line.TrimEnd();
        return trimmed.SequenceEqual("---") || (allowDots && trimmed.SequenceEqual("..."));
    }

    private static int FindInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            var status = Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return offset;
    }
}
