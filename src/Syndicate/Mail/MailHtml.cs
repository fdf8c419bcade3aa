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
/// <remarks>
/// HTML that holds only what Markdig writes for Markdown (the elements and attributes of <see cref="SafeTags"/> and
/// <see cref="SafeAttributes"/>, addresses made absolute) is given back as it is: the sanitizer's first use loads and
/// compiles an HTML and a CSS parser, about 0.2 s before a one-shot send's first message, for posts that need nothing.
/// Anything else, however harmless, goes through the sanitizer.
/// </remarks>
internal static class MailHtml
{
    private static readonly string[] FormTags = ["form", "button", "select", "option", "optgroup", "textarea", "datalist", "keygen", "output"];

    private static readonly string[] EmbedTags = ["iframe", "video", "audio", "embed", "object"];

    /// <summary>The elements Markdig writes for Markdown and its extensions here (tables, footnotes, task lists, ...).</summary>
    private static readonly HashSet<string> SafeTags = new(StringComparer.Ordinal)
    {
        "p", "a", "em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup", "code", "pre", "kbd", "samp", "var",
        "blockquote", "q", "cite", "abbr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "hr", "br", "img",
        "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col", "div", "span", "figure", "figcaption", "input",
    };

    /// <summary>The attributes Markdig writes; href and src only with an absolute http(s), mailto or tel address.</summary>
    private static readonly HashSet<string> SafeAttributes = new(StringComparer.Ordinal)
    {
        "href", "src", "alt", "title", "id", "class", "align", "start", "type", "checked", "disabled", "colspan", "rowspan", "width",
        "height", "lang", "dir", "reversed", "value", "style",
    };

    private static readonly string[] SafeSchemes = ["https://", "http://", "mailto:", "tel:"];

    // Made once: HtmlSanitizer is safe to share once configured (its settings are only read while sanitizing).
    private static readonly Lazy<HtmlSanitizer> Sanitizer = new(Create);

    public static string Clean(string html) => string.IsNullOrEmpty(html) || !NeedsSanitizer(html) ? html : Sanitizer.Value.Sanitize(html);

    /// <summary>
    /// False when every tag, attribute and address in <paramref name="html"/> is one Markdig writes for plain Markdown
    /// (a table's <c>style="text-align: ..."</c> included) and every comment is a plain one: nothing for the sanitizer to
    /// take out. True for anything else. Read conservatively: what this does not recognise goes to the sanitizer.
    /// </summary>
    internal static bool NeedsSanitizer(string html)
    {
        var at = 0;
        while ((at = html.IndexOf('<', at)) >= 0)
        {
            var rest = html.AsSpan(at);
            if (rest.StartsWith("<!--", StringComparison.Ordinal))
            {
                // A plain comment (<!--more-->); Outlook's <!--[if mso]> ones hold markup it renders.
                var end = html.IndexOf("-->", at + 4, StringComparison.Ordinal);
                if (end < 0 || html.AsSpan(at + 4, end - at - 4).IndexOfAny('<', '[', '>') >= 0)
                {
                    return true;
                }

                at = end + 3;
                continue;
            }

            var closing = rest.Length > 1 && rest[1] == '/';
            var nameStart = closing ? 2 : 1;
            var nameEnd = nameStart;
            while (nameEnd < rest.Length && char.IsAsciiLetterOrDigit(rest[nameEnd]))
            {
                nameEnd++;
            }

            if (nameEnd == nameStart || !SafeTags.Contains(rest[nameStart..nameEnd].ToString()))
            {
                return true;
            }

            var tagEnd = AttributesSafe(rest, nameEnd, closing, rest[nameStart..nameEnd].SequenceEqual("input"));
            if (tagEnd < 0)
            {
                return true;
            }

            at += tagEnd + 1;
        }

        return false;
    }

    /// <summary>Reads a tag's attributes from <paramref name="i"/>; the index of its closing '&gt;', or -1 for anything not known safe.</summary>
    private static int AttributesSafe(ReadOnlySpan<char> tag, int i, bool closing, bool input)
    {
        var checkbox = false;
        while (i < tag.Length)
        {
            while (i < tag.Length && tag[i] is ' ' or '\n' or '\t' or '\r')
            {
                i++;
            }

            if (i >= tag.Length)
            {
                return -1;
            }

            if (tag[i] == '>')
            {
                return !input || checkbox ? i : -1;
            }

            if (tag[i] == '/' && i + 1 < tag.Length && tag[i + 1] == '>')
            {
                return !input || checkbox ? i + 1 : -1;
            }

            var nameStart = i;
            while (i < tag.Length && (char.IsAsciiLetterLower(tag[i]) || tag[i] == '-'))
            {
                i++;
            }

            var name = tag[nameStart..i].ToString();
            if (closing || name.Length == 0 || !SafeAttributes.Contains(name))
            {
                return -1;
            }

            var value = "";
            if (i < tag.Length && tag[i] == '=')
            {
                if (++i >= tag.Length || tag[i] is not ('"' or '\''))
                {
                    // Markdig quotes every value; an unquoted one is somebody's raw HTML.
                    return -1;
                }

                var quote = tag[i];
                var end = tag[(i + 1)..].IndexOf(quote);
                if (end < 0)
                {
                    return -1;
                }

                value = tag.Slice(i + 1, end).ToString();
                i += end + 2;
            }

            if (!ValueSafe(name, value))
            {
                return -1;
            }

            checkbox |= name == "type" && value == "checkbox";
        }

        return -1;
    }

    private static bool ValueSafe(string name, string value) => name switch
    {
        "href" or "src" => Array.Exists(SafeSchemes, scheme => value.StartsWith(scheme, StringComparison.Ordinal)),
        // The only style Markdig writes: a table column's alignment.
        "style" => value is "text-align: left;" or "text-align: right;" or "text-align: center;",
        // Text (alt, title), names (id, class) and numbers carry no address and no style.
        _ => true,
    };

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
