using System.Buffers;
using System.Text;
using System.Xml;

namespace Syndicate.Feeds;

/// <summary>Removes the characters XML 1.0 cannot hold at all (C0 controls but tab and line breaks, lone surrogates, U+FFFE/F).</summary>
internal static class XmlText
{
    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var firstBad = FirstInvalid(text);
        if (firstBad < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        builder.Append(text, 0, firstBad);
        for (var i = firstBad; i < text.Length; i++)
        {
            var ch = text[i];
            if (char.IsHighSurrogate(ch) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(ch).Append(text[++i]);
            }
            else if (XmlConvert.IsXmlChar(ch))
            {
                builder.Append(ch);
            }
        }

        return builder.ToString();
    }

    /// <summary>The length in UTF-8 bytes of <paramref name="text"/> escaped by <see cref="Escape"/>.</summary>
    public static int EscapedLength(string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        var rest = text.AsSpan();
        int next;
        while ((next = rest.IndexOfAny(Escaped)) >= 0)
        {
            length += rest[next] switch
            {
                '&' => 4,
                '<' or '>' => 3,
                _ => next + 1 < rest.Length && rest[next + 1] == '\n' ? -1 : 0,
            };
            rest = rest[(next + (rest[next] == '\r' && next + 1 < rest.Length && rest[next + 1] == '\n' ? 2 : 1))..];
        }

        return length;
    }

    /// <summary>
    /// Writes <paramref name="text"/> as UTF-8 element content exactly as the feeds' XmlWriter does
    /// (<see cref="FeedXml.WriterSettings"/>): &amp;, &lt; and &gt; escaped, CR LF and lone CR
    /// written as LF. The text must be clean (<see cref="Clean"/>). Returns the bytes written.
    /// </summary>
    public static int Escape(string text, Span<byte> output)
    {
        var written = 0;
        var rest = text.AsSpan();
        while (true)
        {
            var next = rest.IndexOfAny(Escaped);
            var run = next < 0 ? rest : rest[..next];
            written += Encoding.UTF8.GetBytes(run, output[written..]);
            if (next < 0)
            {
                return written;
            }

            var skip = 1;
            var replacement = rest[next] switch
            {
                '&' => "&amp;"u8,
                '<' => "&lt;"u8,
                '>' => "&gt;"u8,
                _ => "\n"u8,
            };
            if (rest[next] == '\r' && next + 1 < rest.Length && rest[next + 1] == '\n')
            {
                skip = 2;
            }

            replacement.CopyTo(output[written..]);
            written += replacement.Length;
            rest = rest[(next + skip)..];
        }
    }

    private static readonly SearchValues<char> Escaped = SearchValues.Create("&<>\r");

    private static readonly SearchValues<char> Suspicious = SearchValues.Create(
        Enumerable.Range(0, 0x20).Where(c => c is not (0x9 or 0xA or 0xD))
            .Concat(Enumerable.Range(0xD800, 0x800))
            .Concat([0xFFFE, 0xFFFF])
            .Select(c => (char)c)
            .ToArray());

    private static int FirstInvalid(string text)
    {
        var start = 0;
        while (true)
        {
            var found = text.AsSpan(start).IndexOfAny(Suspicious);
            if (found < 0)
            {
                return -1;
            }

            var i = start + found;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                start = i + 2;
                continue;
            }

            return i;
        }
    }
}
