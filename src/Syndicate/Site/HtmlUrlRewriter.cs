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

        // Matches are enumerated without allocating, and the HTML is copied only once an address
        // changes: most tags hold none, and absolute or fragment-only addresses stay as they are.
        StringBuilder? builder = null;
        var copied = 0;
        foreach (var tag in Tag().EnumerateMatches(html))
        {
            foreach (var attribute in Attribute().EnumerateMatches(html.AsSpan(tag.Index, tag.Length)))
            {
                var start = tag.Index + attribute.Index;
                var text = html.AsSpan(start, attribute.Length);

                // The match is name, optional white space, '=', optional white space, value.
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

    /// <summary>The first test of <see cref="Resolve"/>, on the span: empty, fragment-only and absolute URLs are kept.</summary>
    private static bool StaysAsItIs(ReadOnlySpan<char> url)
    {
        var trimmed = url.Trim();
        return trimmed.Length == 0 || trimmed[0] == '#' || Scheme().IsMatch(trimmed);
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
