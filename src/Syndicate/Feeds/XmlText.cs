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
    private static readonly SearchValues<char> PlainAscii = SearchValues.Create(AsciiWhere(c => c is not ('&' or '<' or '>' or '\r')));

    /// <summary>The C0 controls XML 1.0 forbids: all but tab, LF and CR.</summary>
    private static readonly SearchValues<char> Controls = SearchValues.Create(AsciiWhere(c => c < 0x20 && c is not ('\t' or '\n' or '\r')));

    private static string AsciiWhere(Func<char, bool> keep)
    {
        var chars = new StringBuilder(0x80);
        for (var c = '\0'; c < 0x80; c++)
        {
            if (keep(c))
            {
                chars.Append(c);
            }
        }

        return chars.ToString();
    }

    /// <summary>Where the first character XML 1.0 cannot hold is, or -1; each kind is looked for a vector at a time.</summary>
    private static int FirstInvalid(string text)
    {
        var span = text.AsSpan();
        var control = span.IndexOfAny(Controls);
        var nonCharacter = span.IndexOfAny('\uFFFE', '\uFFFF');
        var first = control < 0 ? nonCharacter : nonCharacter < 0 ? control : Math.Min(control, nonCharacter);
        var end = first < 0 ? span.Length : first;
        for (var start = 0; ;)
        {
            // Surrogates are fine in pairs (a character beyond the BMP), not alone.
            var found = span[start..end].IndexOfAnyInRange('\uD800', '\uDFFF');
            if (found < 0)
            {
                return first;
            }

            var i = start + found;
            if (!char.IsHighSurrogate(span[i]) || i + 1 >= span.Length || !char.IsLowSurrogate(span[i + 1]))
            {
                return i;
            }

            start = Math.Min(i + 2, end);
        }
    }
}
