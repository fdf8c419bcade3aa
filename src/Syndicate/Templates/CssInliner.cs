namespace Syndicate.Templates;

/// <summary>
/// Copies the rules of the &lt;style&gt; block onto the elements' style attributes with PreMailer.Net, because
/// Gmail (in some views) and Outlook ignore or strip &lt;style&gt;. The block itself stays: @media rules (dark
/// mode, narrow screens) cannot be inlined and only work from there. Comments stay too, for Outlook's
/// <c>&lt;!--[if mso]&gt;</c> conditionals.
/// </summary>
internal static class CssInliner
{
    public static string Inline(string html)
    {
        var result = PreMailer.Net.PreMailer.MoveCssInline(
            html,
            removeStyleElements: false,
            ignoreElements: null,
            css: null,
            stripIdAndClassAttributes: false,
            removeComments: false);
        return result.Html;
    }
}
