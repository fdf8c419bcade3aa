using System.Text;
using System.Text.RegularExpressions;

namespace Syndicate.Site;

/// <summary>
/// Makes every relative URL in a post's HTML absolute, since a feed reader or mail client shows
/// the HTML away from the site: site-relative paths (<c>/img/a.png</c>) against Site:BaseUrl,
/// including its path; document-relative ones (<c>a.png</c>, <c>../x/</c>, and fragment-only links
/// such as a footnote's <c>#fn:1</c>) against the post's own address. A feed carries no base address
/// for its items' HTML, so a reader resolves a bare <c>#fn:1</c> against the feed's own address and
/// opens the feed file; against the post's address it opens the post at its footnote.
/// </summary>
internal static partial class HtmlUrlRewriter
{
    public static string Rewrite(string html, SiteUrls site, Uri document)
    {
        if (html.IndexOf('<') < 0)
        {
            return html;
        }

        // Matches are enumerated without allocating, and the HTML is copied only once an address
        // changes: most tags hold none, and absolute addresses stay as they are.
        StringBuilder? builder = null;
        var copied = 0;
        foreach (var tag in Tag().EnumerateMatches(html))
        {
            // Attributes one after the other, each with its whole value, so that "href=" written inside another
            // attribute's quoted value is never taken for an attribute.
            foreach (var attribute in Attribute().EnumerateMatches(html.AsSpan(tag.Index, tag.Length)))
            {
                var start = tag.Index + attribute.Index;
                var text = html.AsSpan(start, attribute.Length);

                // The match is a name, then optionally white space, '=', white space and a value.
                var nameEnd = text.IndexOfAny(NameEnd);
                if (nameEnd < 0 || !IsUrlAttribute(text[..nameEnd]))
                {
                    continue;
                }

                var afterEquals = text.IndexOf('=') + 1;
                var valueAt = afterEquals + (text.Length - afterEquals - text[afterEquals..].TrimStart().Length);
                var raw = text[valueAt..];
                var quoted = raw[0] is '"' or '\'';
                var inner = quoted ? raw[1..^1] : raw;
                var srcset = text.StartsWith("srcset", StringComparison.OrdinalIgnoreCase);
                if (!srcset && StaysAsItIs(inner))
                {
                    continue;
                }

                var url = inner.ToString();
                var resolved = srcset ? ResolveSrcSet(url, site, document) : Resolve(url, site, document);
                if (ReferenceEquals(resolved, url) || resolved == url)
                {
                    continue;
                }

                builder ??= new StringBuilder(html.Length + 1024);
                builder.Append(html, copied, start + valueAt - copied);
                var quote = quoted ? raw[0] : '"';
                builder.Append(quote).Append(resolved).Append(quote);
                copied = start + attribute.Length;
            }
        }

        return builder is null ? html : builder.Append(html, copied, html.Length - copied).ToString();
    }

    private static readonly System.Buffers.SearchValues<char> NameEnd = System.Buffers.SearchValues.Create(" \t\n\r\f=");

    private static bool IsUrlAttribute(ReadOnlySpan<char> name) =>
        name.Equals("href", StringComparison.OrdinalIgnoreCase) || name.Equals("src", StringComparison.OrdinalIgnoreCase)
        || name.Equals("srcset", StringComparison.OrdinalIgnoreCase) || name.Equals("poster", StringComparison.OrdinalIgnoreCase);

    /// <summary>The first test of <see cref="Resolve"/>, on the span: empty and absolute URLs are kept.</summary>
    private static bool StaysAsItIs(ReadOnlySpan<char> url)
    {
        var trimmed = url.Trim();
        return trimmed.Length == 0 || Scheme().IsMatch(trimmed);
    }

    /// <summary>Resolves one URL as found in HTML or front matter; empty and absolute URLs come back unchanged.</summary>
    public static string Resolve(string url, SiteUrls site, Uri document)
    {
        var trimmed = url.Trim();
        if (trimmed.Length == 0 || Scheme().IsMatch(trimmed))
        {
            return url;
        }

        if (trimmed.StartsWith("//", StringComparison.Ordinal))
        {
            return site.BaseUri.Scheme + ":" + trimmed;
        }

        if (trimmed[0] == '/')
        {
            return site.Root + trimmed;
        }

        return Uri.TryCreate(document, trimmed, out var absolute) ? absolute.AbsoluteUri : url;
    }

    /// <summary>
    /// Resolves every candidate of a srcset, read as browsers read it (HTML's "parse a srcset attribute"): a URL runs to
    /// the next white space, so a comma inside it (<c>w_480,c_fill/a.jpg</c>, as image CDNs write them) is part of it;
    /// candidates are separated by the comma after a URL's descriptors, or by commas that end a URL.
    /// </summary>
    private static string ResolveSrcSet(string srcset, SiteUrls site, Uri document)
    {
        var builder = new StringBuilder(srcset.Length + 64);
        var at = 0;
        while (true)
        {
            while (at < srcset.Length && (IsHtmlSpace(srcset[at]) || srcset[at] == ','))
            {
                at++;
            }

            if (at >= srcset.Length)
            {
                return builder.ToString();
            }

            var urlStart = at;
            while (at < srcset.Length && !IsHtmlSpace(srcset[at]))
            {
                at++;
            }

            var url = srcset[urlStart..at];
            var descriptors = "";
            if (url.EndsWith(','))
            {
                // Commas that end a URL end its candidate too: it has no descriptors.
                url = url.TrimEnd(',');
            }
            else
            {
                // The descriptors run to the next comma outside parentheses.
                var descriptorsStart = at;
                var parentheses = false;
                while (at < srcset.Length && (parentheses || srcset[at] != ','))
                {
                    parentheses = srcset[at] switch
                    {
                        '(' => true,
                        ')' => false,
                        _ => parentheses,
                    };
                    at++;
                }

                descriptors = srcset[descriptorsStart..at].Trim();
            }

            if (builder.Length > 0)
            {
                builder.Append(", ");
            }

            builder.Append(Resolve(url, site, document));
            if (descriptors.Length > 0)
            {
                builder.Append(' ').Append(descriptors);
            }
        }
    }

    /// <summary>HTML's ASCII white space: space, tab, line feed, form feed and carriage return.</summary>
    private static bool IsHtmlSpace(char ch) => ch is ' ' or '\t' or '\n' or '\f' or '\r';

    // A start tag with attributes; a quoted value may hold < and >.
    [GeneratedRegex("""<[a-zA-Z][a-zA-Z0-9-]*\s(?:"[^"]*"|'[^']*'|[^<>"'])*>""")]
    private static partial Regex Tag();

    // One attribute, or the tag's own name (never a URL attribute): a name, then maybe = and a value, quoted or not.
    [GeneratedRegex("""[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>=`]+))?""")]
    private static partial Regex Attribute();

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex Scheme();
}
