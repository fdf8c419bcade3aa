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
