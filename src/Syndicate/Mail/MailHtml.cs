using AngleSharp.Dom;
using Ganss.Xss;

namespace Syndicate.Mail;

/// <summary>
/// A post's HTML made fit for a digest (HtmlSanitizer's allow-list): the raw HTML a post may hold passes into feeds as
/// it is, but in a mail a &lt;style&gt; block would be inlined onto the whole digest (a post's <c>body { display:none }</c>
/// hid it in Apple Mail), and scripts, frames, forms, event handlers and javascript: links are stripped or flagged by
/// mail clients and spam filters. What goes: those elements and attributes, URLs of schemes other than http, https,
/// mailto and tel, and CSS positioning. An embedded frame, video or audio with an http(s) address becomes a link to it,
/// so the reader can still follow it. Everything else (text, links, images, tables, code, footnotes, task list boxes)
/// stays.
/// </summary>
internal static class MailHtml
{
    private static readonly string[] FormTags = ["form", "button", "select", "option", "optgroup", "textarea", "datalist", "keygen", "output"];

    private static readonly string[] EmbedTags = ["iframe", "video", "audio", "embed", "object"];

    // Made once: HtmlSanitizer is safe to share once configured (its settings are only read while sanitizing).
    private static readonly HtmlSanitizer Sanitizer = Create();

    public static string Clean(string html) => string.IsNullOrEmpty(html) ? html : Sanitizer.Sanitize(html);

    private static HtmlSanitizer Create()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Add("mailto");
        sanitizer.AllowedSchemes.Add("tel");
        foreach (var tag in FormTags)
        {
            sanitizer.AllowedTags.Remove(tag);
        }

        // The digest's own layout places everything; a post's fixed or absolute box would lie over it.
        sanitizer.AllowedCssProperties.Remove("position");
        sanitizer.RemovingTag += (_, e) => LinkInstead(e.Tag);
        return sanitizer;
    }

    /// <summary>Puts a link to an embedded frame's or player's http(s) address where the element was.</summary>
    private static void LinkInstead(IElement element)
    {
        if (!EmbedTags.Contains(element.LocalName, StringComparer.Ordinal) || element.Parent is not { } parent)
        {
            return;
        }

        var source = element.GetAttribute("src") ?? element.GetAttribute("data")
            ?? element.QuerySelector("source[src]")?.GetAttribute("src");
        if (!Uri.TryCreate(source, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return;
        }

        var link = element.Owner!.CreateElement("a");
        link.SetAttribute("href", uri.AbsoluteUri);
        link.TextContent = uri.AbsoluteUri;
        var paragraph = element.Owner.CreateElement("p");
        paragraph.AppendChild(link);
        parent.InsertBefore(paragraph, element);
    }
}
