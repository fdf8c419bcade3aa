using System.Net;
using System.Text.RegularExpressions;

namespace Syndicate.Tests.Templates;

/// <summary>The preheader of a mail's HTML part as the shipped layout writes it: the first element of &lt;body&gt;.</summary>
internal static partial class HiddenPreheader
{
    /// <summary>What hides it in every client, as the CSS inliner writes the declarations onto the element.</summary>
    public static readonly string[] Hiding =
        ["display: none", "max-height: 0", "overflow: hidden", "mso-hide: all", "font-size: 1px", "line-height: 1px", "opacity: 0", "color: transparent"];

    /// <summary>The invisible characters after the text: combining grapheme joiner, zero-width non-joiner, no-break space.</summary>
    public static readonly char[] Filler = ['\u034F', '\u200C', '\u00A0'];

    /// <summary>
    /// The first element of the body, which must be the preheader, and nothing but white space before it: its inline style
    /// declarations, its markup as written, and its text (entities decoded) without the filler that follows it.
    /// </summary>
    public static (IReadOnlySet<string> Style, string Markup, string Text) Read(string html)
    {
        var body = Body().Match(html);
        Assert.True(body.Success, "no <body> in the HTML part:\n" + html);
        var first = First().Match(body.Groups["rest"].Value);
        Assert.True(first.Success, "the body does not begin with the preheader:\n" + body.Groups["rest"].Value[..Math.Min(600, body.Groups["rest"].Value.Length)]);
        var style = first.Groups["style"].Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var markup = first.Groups["inner"].Value;
        var inner = WebUtility.HtmlDecode(markup);
        var filler = inner.IndexOfAny(['\u034F', '\u200C']);
        Assert.True(filler > 0, "no text, or no invisible filler after it, in the preheader: " + markup);
        var run = inner[filler..];
        Assert.True(run.All(Filler.Contains), "the filler holds other characters: " + markup);
        Assert.True(run.Length >= 200, $"the filler is {run.Length} characters: too short to keep the body out of the preview");
        return (style, markup, inner[..filler]);
    }

    [GeneratedRegex("<body[^>]*>(?<rest>.*)", RegexOptions.Singleline)]
    private static partial Regex Body();

    [GeneratedRegex("^\\s*<div class=\"preheader\" style=\"(?<style>[^\"]*)\">(?<inner>[^<]*)</div>")]
    private static partial Regex First();
}
