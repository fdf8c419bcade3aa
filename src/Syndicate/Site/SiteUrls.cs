using Microsoft.Extensions.Options;

namespace Syndicate.Site;

/// <summary>
/// Absolute URLs for the site: the base address (with its path, if any) joined to site paths,
/// and the addresses of the feeds themselves.
/// </summary>
internal sealed class SiteUrls
{
    public SiteUrls(IOptions<SiteOptions> options)
        : this(options.Value.BaseUrl)
    {
    }

    public SiteUrls(string baseUrl)
    {
        if (!TryParseBaseUrl(baseUrl, out var parsed))
        {
            throw new ArgumentException($"'{baseUrl}' is not an absolute http(s) URL.", nameof(baseUrl));
        }

        BaseUri = parsed;
        Root = parsed.AbsoluteUri.TrimEnd('/');
    }

    /// <summary>The base address, always ending in a slash.</summary>
    public Uri BaseUri { get; }

    /// <summary>The base address without its final slash, ready for a site path to be appended.</summary>
    public string Root { get; }

    /// <summary>The home page: the base address with its final slash.</summary>
    public string Home => Root + "/";

    /// <summary>Joins a site path (starting with a slash) to the base address.</summary>
    public string Absolute(string sitePath) =>
        sitePath.StartsWith('/') ? Root + sitePath : Root + "/" + sitePath;

    /// <summary>Joins a site path to the base address, percent-encoding what a URL path may not hold as is (spaces, non-ASCII).</summary>
    public string AbsoluteEncoded(string sitePath) => Absolute(EncodePath(sitePath));

    /// <summary>Percent-encodes what a URL path may not hold as is (spaces, non-ASCII), keeping slashes.</summary>
    public static string EncodePath(string path)
    {
        var needs = false;
        foreach (var ch in path)
        {
            if (ch > 127 || ch <= ' ' || ch is '"' or '<' or '>' or '\\' or '^' or '`' or '{' or '|' or '}' or '%')
            {
                needs = true;
                break;
            }
        }

        if (!needs)
        {
            return path;
        }

        return string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
    }

    public static bool TryParseBaseUrl(string? value, out Uri uri)
    {
        uri = null!;
        if (string.IsNullOrWhiteSpace(value)
            || !Uri.TryCreate(value.Trim(), UriKind.Absolute, out var parsed)
            || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(parsed.Host)
            || !string.IsNullOrEmpty(parsed.Query)
            || !string.IsNullOrEmpty(parsed.Fragment))
        {
            return false;
        }

        var text = parsed.GetLeftPart(UriPartial.Path);
        uri = new Uri(text.EndsWith('/') ? text : text + "/");
        return true;
    }
}
