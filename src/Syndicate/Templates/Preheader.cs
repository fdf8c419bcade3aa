using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Syndicate.Templates;

/// <summary>
/// The preheader: the line of preview text that Gmail, Outlook and Apple Mail show beside the subject in the inbox list.
/// Clients take it from the first text of the HTML body, so layout.html prints the template variable <c>preheader</c>
/// first in &lt;body&gt;, hidden, followed by invisible filler that keeps the visible body out of the preview. The value
/// is text: one line, encoded by the template like every other value.
/// </summary>
internal static partial class Preheader
{
    /// <summary>The template variable: set by the mail's model, or by the mail's own template with assign or capture.</summary>
    public const string Variable = "preheader";

    /// <summary>Longer than the widest inbox preview shows (about 100 to 140 characters), so the cut is rarely seen.</summary>
    public const int MaxLength = 140;

    private const string Ellipsis = "…";

    /// <summary>One line: CR, LF, tabs and other control characters, and runs of white space, become one space; trimmed.</summary>
    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var line = new StringBuilder(text.Length);
        var gap = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                gap = line.Length > 0;
                continue;
            }

            if (gap)
            {
                line.Append(' ');
                gap = false;
            }

            line.Append(c);
        }

        return line.ToString();
    }

    /// <summary>
    /// <see cref="Clean"/> for text that is HTML already, such as a captured preheader: the template encoded the values in
    /// it, a line break as <c>&amp;#xD;&amp;#xA;</c>, so character references to white space and control characters count
    /// as those characters.
    /// </summary>
    public static string CleanHtml(string? html) =>
        Clean(string.IsNullOrEmpty(html) ? html : CharacterReference().Replace(html, reference =>
        {
            var hex = reference.Groups["hex"].Success;
            var digits = hex ? reference.Groups["hex"].Value : reference.Groups["dec"].Value;
            return int.TryParse(digits, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var code)
                && code is >= 0 and <= 0xFFFF && (char.IsWhiteSpace((char)code) || char.IsControl((char)code))
                ? " "
                : reference.Value;
        }));

    /// <summary>
    /// <paramref name="text"/> (cleaned) when it has at most <paramref name="maxLength"/> characters; else cut at the last
    /// word boundary that leaves room for an ellipsis, which counts in the length. A single word longer than half the room
    /// is cut inside the word (never inside a surrogate pair).
    /// </summary>
    public static string Shorten(string text, int maxLength = MaxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, Ellipsis.Length + 1);
        text = Clean(text);
        if (text.Length <= maxLength)
        {
            return text;
        }

        var room = maxLength - Ellipsis.Length;
        // A space at text[room] is a boundary too: text[..room] then ends with a whole word.
        var cut = text.LastIndexOf(' ', room);
        if (cut < room / 2)
        {
            cut = char.IsHighSurrogate(text[room - 1]) ? room - 1 : room;
        }

        return text[..cut].TrimEnd(' ', ',', ';', ':', '.', '·', '-', '–', '—') + Ellipsis;
    }

    [GeneratedRegex("&#(?:[xX](?<hex>[0-9a-fA-F]{1,6})|(?<dec>[0-9]{1,7}));")]
    private static partial Regex CharacterReference();
}
