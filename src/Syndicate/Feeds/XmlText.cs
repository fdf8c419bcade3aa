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

    /// <summary>The most bytes <see cref="Escape"/> can write for <paramref name="text"/>: five per character (&amp;amp;).</summary>
    public static int MaxEscapedLength(string text) => checked(text.Length * 5);

    /// <summary>
    /// Writes <paramref name="text"/> as UTF-8 element content exactly as the feeds' XmlWriter does
    /// (<see cref="FeedXml.WriterSettings"/>): &amp;, &lt; and &gt; escaped, CR LF and lone CR
    /// written as LF. The text must be clean (<see cref="Clean"/>), and <paramref name="output"/> hold
    /// <see cref="MaxEscapedLength"/> bytes. Returns the bytes written. Runs of ASCII that need no
    /// escaping, most of a post's HTML, are narrowed to bytes a vector at a time.
    /// </summary>
    public static int Escape(string text, Span<byte> output)
    {
        var written = 0;
        var rest = text.AsSpan();
        while (true)
        {
            var next = rest.IndexOfAnyExcept(PlainAscii);
            var run = next < 0 ? rest : rest[..next];
            Ascii.FromUtf16(run, output[written..], out var narrowed);
            written += narrowed;
            if (next < 0)
            {
                return written;
            }

            rest = rest[next..];
            if (rest[0] >= 0x80)
            {
                // A run of other characters (a surrogate pair stays whole: both halves are in it).
                var ascii = rest.IndexOfAnyInRange('\0', '\u007F');
                var wide = ascii < 0 ? rest : rest[..ascii];
                written += Encoding.UTF8.GetBytes(wide, output[written..]);
                rest = rest[wide.Length..];
                continue;
            }

            var replacement = rest[0] switch
            {
                '&' => "&amp;"u8,
                '<' => "&lt;"u8,
                '>' => "&gt;"u8,
                _ => "\n"u8,
            };
            replacement.CopyTo(output[written..]);
            written += replacement.Length;
            rest = rest[(rest[0] == '\r' && rest.Length > 1 && rest[1] == '\n' ? 2 : 1)..];
        }
    }

    /// <summary>ASCII that element content holds as it is: all but &amp;, &lt;, &gt; and CR.</summary>
    private static readonly SearchValues<char> PlainAscii = SearchValues.Create(
        Enumerable.Range(0, 0x80).Where(c => c is not ('&' or '<' or '>' or '\r')).Select(c => (char)c).ToArray());

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
