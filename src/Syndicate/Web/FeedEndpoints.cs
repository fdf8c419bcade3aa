using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Syndicate.Feeds;
using Syndicate.Site;

namespace Syndicate.Web;

/// <summary>
/// The feeds over HTTP as feed readers want them: the right Content-Type, a strong ETag and
/// Last-Modified, 304 for If-None-Match and If-Modified-Since, HEAD, and gzip or brotli when asked.
/// </summary>
internal static class FeedEndpoints
{
    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointRouteBuilder MapFeeds(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/feed.xml", GetAndHead, (HttpContext context, FeedStore store) => Serve(context, store, "feed.xml"));
        routes.MapMethods("/atom.xml", GetAndHead, (HttpContext context, FeedStore store) => Serve(context, store, "atom.xml"));
        routes.MapMethods("/feed.json", GetAndHead, (HttpContext context, FeedStore store) => Serve(context, store, "feed.json"));
        routes.MapMethods("/tags/{tag}/feed.xml", GetAndHead, (string tag, HttpContext context, FeedStore store) => Serve(context, store, $"tags/{tag}/feed.xml"));
        routes.MapMethods("/tags/{tag}/atom.xml", GetAndHead, (string tag, HttpContext context, FeedStore store) => Serve(context, store, $"tags/{tag}/atom.xml"));
        routes.MapMethods("/healthz", GetAndHead, (FeedStore store) =>
            store.Count > 0 ? Results.Text("ok\n", "text/plain; charset=utf-8") : Results.Text("starting\n", "text/plain; charset=utf-8", statusCode: 503));
        routes.MapMethods("/", GetAndHead, (SiteUrls urls, FeedStore store) => PageHeaders.PublicPage(HomePage(urls, store)));
        return routes;
    }

    private static IResult Serve(HttpContext context, FeedStore store, string path)
    {
        if (!store.TryGet(path, out var feed))
        {
            return Results.NotFound();
        }

        var coding = ChooseCoding(context.Request.Headers.AcceptEncoding);
        var (body, etag) = feed.For(coding);
        var headers = context.Response.Headers;
        headers.Vary = "Accept-Encoding";
        headers.CacheControl = "public, max-age=60";
        if (coding != "identity")
        {
            headers.ContentEncoding = coding;
        }

        // RFC 9110 13.1.3: a request with If-None-Match is answered by its ETags alone. The file result would also weigh
        // If-Modified-Since and send the whole feed again to a reader whose ETag matches but whose date is older: one that
        // last fetched from another node (same bytes, a later file time there) or before the output folder was written anew.
        if (context.Request.Headers.IfNoneMatch.Count > 0)
        {
            context.Request.Headers.IfModifiedSince = StringValues.Empty;
        }

        // The file result answers If-None-Match / If-Modified-Since with 304 and HEAD without a body.
        return Results.Bytes(body, feed.Document.ContentType, lastModified: feed.LastModified, entityTag: EntityTagHeaderValue.Parse(etag));
    }

    /// <summary>br, then gzip, then identity, honouring q-values (RFC 9110 12.5.3); q=0 refuses a coding.</summary>
    internal static string ChooseCoding(StringValues acceptEncoding)
    {
        if (StringValues.IsNullOrEmpty(acceptEncoding)
            || !StringWithQualityHeaderValue.TryParseList(acceptEncoding, out var codings))
        {
            return "identity";
        }

        double Quality(string name)
        {
            var exact = codings.FirstOrDefault(c => c.Value.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (exact is not null)
            {
                return exact.Quality ?? 1;
            }

            var star = codings.FirstOrDefault(c => c.Value == "*");
            return star?.Quality ?? (star is null ? 0 : 1);
        }

        var brotli = Quality("br");
        var gzip = Quality("gzip");
        if (brotli > 0 && brotli >= gzip)
        {
            return "br";
        }

        return gzip > 0 ? "gzip" : "identity";
    }

    private static string HomePage(SiteUrls urls, FeedStore store)
    {
        // Links under Site:BaseUrl, which may have a path the proxy in front takes off (SubscriptionEndpoints.SiteLink).
        var links = string.Join("\n", store.All().Select(d =>
            $"    <li><a href=\"{WebUtility.HtmlEncode(urls.AbsoluteEncoded("/" + d.Path))}\">/{WebUtility.HtmlEncode(d.Path)}</a></li>"));
        return $"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>Syndicate</title>
              <link rel="alternate" type="application/rss+xml" href="{SubscriptionEndpoints.SiteLink(urls, "/feed.xml")}">
              <link rel="alternate" type="application/atom+xml" href="{SubscriptionEndpoints.SiteLink(urls, "/atom.xml")}">
              <link rel="alternate" type="application/feed+json" href="{SubscriptionEndpoints.SiteLink(urls, "/feed.json")}">
            </head>
            <body>
              <h1>Feeds</h1>
              <ul>
            {links}
              </ul>
            </body>
            </html>

            """;
    }
}
