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

    /// <summary>
    /// Checks every byte of a post file (size, NUL bytes, UTF-8, byte order mark) and splits it.
    /// Only the front matter is decoded unless <paramref name="withBody"/>: a scan reads thousands
    /// of files for their front matter, and the body is read again when the post is rendered.
    /// </summary>
    public static PostSource? Read(string file, ReadOnlySpan<byte> bytes, long maxBytes, out PostDiagnostic? error, bool withBody = true)
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
        if (nul >= 0 || bytes.StartsWith(Utf16LeMark) || bytes.StartsWith(Utf16BeMark))
        {
            error = new PostDiagnostic(file, null, null, WideEncoding(bytes) is { } encoding
                ? $"the file is saved as {encoding}, not UTF-8; save it as UTF-8 (in most editors: Save As, then the encoding UTF-8)."
                : "this is a binary file, not Markdown text; move it out of the posts folder or give it another extension.");
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

        // Valid UTF-8 decodes line for line (CR and LF are single bytes either way), so the fences
        // are found on the bytes exactly as on the decoded text.
        var position = 0;
        if (!TryReadLine(bytes, ref position, out var first) || !IsFence(first, allowDots: false))
        {
            error = NoFrontMatter(file);
            return null;
        }

        var yamlStart = position;
        var fenceLine = 1;
        var lineStart = position;
        while (TryReadLine(bytes, ref position, out var current))
        {
            fenceLine++;
            if (IsFence(current, allowDots: true))
            {
                var body = withBody ? Encoding.UTF8.GetString(bytes[position..]) : "";
                return new PostSource(Encoding.UTF8.GetString(bytes[yamlStart..lineStart]), 2, body, fenceLine + 1);
            }

            lineStart = position;
        }

        error = NeverClosed(file);
        return null;
    }

    public static PostDiagnostic TooLarge(string file, long length, long maxBytes) =>
        new(file, null, null,
            $"the file is {length.ToString("N0", CultureInfo.InvariantCulture)} bytes, over Posts:MaxFileBytes ({maxBytes.ToString("N0", CultureInfo.InvariantCulture)}); split the post or raise the limit.");

    private static PostDiagnostic NoFrontMatter(string file) =>
        new(file, 1, null,
            "the file has no front matter; start it with a line of three dashes (---), then title: and date:, then another --- line.");

    private static PostDiagnostic NeverClosed(string file) =>
        new(file, 1, null,
            "the front matter that starts on line 1 is never closed; add a line of three dashes (---) after the last key.");

    private static bool TryReadLine(ReadOnlySpan<byte> bytes, ref int position, out ReadOnlySpan<byte> line)
    {
        if (position >= bytes.Length)
        {
            line = default;
            return false;
        }

        var end = bytes[position..].IndexOf((byte)'\n');
        var length = end < 0 ? bytes.Length - position : end;
        line = bytes.Slice(position, length).TrimEnd((byte)'\r');
        position += end < 0 ? length : length + 1;
        return true;
    }

    /// <summary>The text rule of <see cref="IsFence(ReadOnlySpan{char}, bool)"/> on UTF-8: decodes only lines that open with a fence.</summary>
    private static bool IsFence(ReadOnlySpan<byte> line, bool allowDots)
    {
        if (line.Length < 3 || !(line.StartsWith("---"u8) || (allowDots && line.StartsWith("..."u8))))
        {
            return false;
        }

        if (line.Length > 256)
        {
            // Trailing white space that long is no fence anyone typed; decode it rather than guess.
            return IsFence(Encoding.UTF8.GetString(line), allowDots);
        }

        Span<char> chars = stackalloc char[256];
        var count = Encoding.UTF8.GetChars(line, chars);
        return IsFence(chars[..count], allowDots);
    }

    private static bool IsFence(ReadOnlySpan<char> line, bool allowDots)
    {
        var trimmed = line.TrimEnd();
        return trimmed.SequenceEqual("---") || (allowDots && trimmed.SequenceEqual("..."));
    }

    private static ReadOnlySpan<byte> Utf16LeMark => [0xFF, 0xFE];

    private static ReadOnlySpan<byte> Utf16BeMark => [0xFE, 0xFF];

    private static ReadOnlySpan<byte> Utf32LeMark => [0xFF, 0xFE, 0, 0];

    private static ReadOnlySpan<byte> Utf32BeMark => [0, 0, 0xFE, 0xFF];

    /// <summary>
    /// UTF-16 or UTF-32 text (as Windows editors save "Unicode"), by its byte order mark or, without one, by an ASCII first
    /// character with its zero bytes; null for any other file with a NUL byte.
    /// </summary>
    private static string? WideEncoding(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith(Utf32LeMark) || bytes.StartsWith(Utf32BeMark))
        {
            return "UTF-32";
        }

        if (bytes.StartsWith(Utf16LeMark) || bytes.StartsWith(Utf16BeMark))
        {
            return "UTF-16";
        }

        if (bytes.Length >= 4 && bytes[0] is > 0 and < 0x80 && bytes[1..4].SequenceEqual([(byte)0, (byte)0, (byte)0])
            || bytes.Length >= 4 && bytes[..3].SequenceEqual([(byte)0, (byte)0, (byte)0]) && bytes[3] is > 0 and < 0x80)
        {
            return "UTF-32";
        }

        if (bytes.Length >= 2 && (bytes[0] is > 0 and < 0x80 && bytes[1] == 0 || bytes[0] == 0 && bytes[1] is > 0 and < 0x80))
        {
            return "UTF-16";
        }

        return null;
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
