using System.Text;
using System.Text.RegularExpressions;

namespace Syndicate.Site;

/// <summary>
/// Makes every relative URL in a post's HTML absolute, since a feed reader or mail client shows
/// the HTML away from the site: site-relative paths (<c>/img/a.png</c>) against Site:BaseUrl,
/// including its path; document-relative ones (<c>a.png</c>, <c>../x/</c>) against the post's
/// own address. Fragment-only links (<c>#fn:1</c>, footnotes) stay as they are so they keep
/// working inside the item.
/// </summary>
internal static partial class HtmlUrlRewriter
{
    public static string Rewrite(string html, SiteUrls site, Uri document)
    {
        if (html.IndexOf('<') < 0)
        {
            return html;
        }

        return Tag().Replace(html, tag => Attribute().Replace(tag.Value, attribute =>
        {
            var name = attribute.Groups["name"].Value;
            var value = attribute.Groups["value"];
            var raw = value.Value;
            var quote = raw.Length > 0 && raw[0] is '"' or '\'' ? raw[0].ToString() : "";
            var inner = quote.Length > 0 ? raw[1..^1] : raw;
            var resolved = name.Equals("srcset", StringComparison.OrdinalIgnoreCase)
                ? ResolveSrcSet(inner, site, document)
                : Resolve(inner, site, document);
            if (ReferenceEquals(resolved, inner) || resolved == inner)
            {
                return attribute.Value;
            }

            if (quote.Length == 0)
            {
                quote = "\"";
            }

            return string.Concat(attribute.Value.AsSpan(0, value.Index - attribute.Index), quote, resolved, quote);
        }));
    }

    /// <summary>Resolves one URL as found in HTML or front matter; absolute and fragment-only URLs come back unchanged.</summary>
    public static string Resolve(string url, SiteUrls site, Uri document)
    {
        var trimmed = url.Trim();
        if (trimmed.Length == 0 || trimmed[0] == '#' || Scheme().IsMatch(trimmed))
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

    private static string ResolveSrcSet(string srcset, SiteUrls site, Uri document)
    {
        var builder = new StringBuilder(srcset.Length + 64);
        foreach (var candidate in srcset.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (builder.Length > 0)
            {
                builder.Append(", ");
            }

            var space = candidate.IndexOfAny([' ', '\t', '\n']);
            var url = space < 0 ? candidate : candidate[..space];
            builder.Append(Resolve(url, site, document));
            if (space >= 0)
            {
                builder.Append(' ').Append(candidate[(space + 1)..].Trim());
            }
        }

        return builder.ToString();
    }

    [GeneratedRegex("""<[a-zA-Z][a-zA-Z0-9-]*\s[^<>]*>""")]
    private static partial Regex Tag();

    [GeneratedRegex("""(?<=\s)(?<name>href|src|srcset|poster)\s*=\s*(?<value>"[^"]*"|'[^']*'|[^\s"'<>=`]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex Attribute();

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex Scheme();
}
