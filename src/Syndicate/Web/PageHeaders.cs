using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Syndicate.Site;

namespace Syndicate.Web;

/// <summary>
/// The headers every HTML page of the service carries: a Content-Security-Policy that lets no other site frame it
/// (clickjacking of the unsubscribe button) and loads nothing from elsewhere, <c>nosniff</c>, no Referer (a token page's
/// address never leaves with a link), and <c>no-store</c> where the page is for one person only (a token in its address,
/// an answer to a POST), so neither a shared cache nor the browser's history keeps it.
/// </summary>
internal static class PageHeaders
{
    public static void Apply(HttpResponse response, string contentSecurityPolicy, bool noStore)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = contentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (noStore)
        {
            headers.CacheControl = "no-store";
        }
    }

    /// <summary>
    /// The policy of the public pages: their own inline styles and nothing else; forms post to the service itself or to
    /// Site:BaseUrl (the pages' forms name that address, which is the service behind a proxy); never framed.
    /// </summary>
    public static string PublicPolicy(SiteUrls urls) =>
        $"default-src 'none'; style-src 'unsafe-inline'; form-action 'self' {Origin(urls.BaseUri)}; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>The scheme, host and port of an address (no user information, no path), as a CSP source names it.</summary>
    internal static string Origin(Uri address) => address.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);

    /// <summary>A public HTML page with the headers above; <paramref name="noStore"/> for pages meant for one person.</summary>
    public static IResult PublicPage(string html, int status = StatusCodes.Status200OK, bool noStore = false) => new PublicPageResult(html, status, noStore);

    /// <summary>Writes a public page straight to a response (for answers made outside an endpoint, such as the rate limit's).</summary>
    public static Task WritePublicPageAsync(HttpContext context, string html, int status, bool noStore) =>
        new PublicPageResult(html, status, noStore).ExecuteAsync(context);

    private sealed class PublicPageResult(string html, int status, bool noStore) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            Apply(httpContext.Response, PublicPolicy(httpContext.RequestServices.GetRequiredService<SiteUrls>()), noStore);
            return Results.Content(html, "text/html; charset=utf-8", statusCode: status).ExecuteAsync(httpContext);
        }
    }
}
