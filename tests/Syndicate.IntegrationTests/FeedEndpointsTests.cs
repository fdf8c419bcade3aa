using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using CodeHollow.FeedReader;
using Syndicate.IntegrationTests.Infrastructure;

namespace Syndicate.IntegrationTests;

/// <summary>The feeds over HTTP as a feed reader sees them: types, bodies, validators, 304, HEAD and content codings.</summary>
public sealed class FeedEndpointsTests : IAsyncLifetime
{
    private const string Rss = "application/rss+xml; charset=utf-8";
    private const string Atom = "application/atom+xml; charset=utf-8";
    private const string Json = "application/feed+json; charset=utf-8";

    private static readonly string[] SiteTitles = ["Third post", "Second post", "First post"];

    private static readonly string[] SiteLinks =
    [
        TestSite.BaseUrl + "/2026/03/10/third-post/",
        TestSite.BaseUrl + "/2026/03/05/second-post/",
        TestSite.BaseUrl + "/2026/03/01/first-post/",
    ];

    private readonly TestSite _site = new();
    private RunningService? _service;

    private RunningService Service => _service ?? throw new InvalidOperationException("The service did not start.");

    public async ValueTask InitializeAsync()
    {
        _site.WritePost("2026-03-01-first-post.md", "First post", tags: ["alpha", "beta"]);
        _site.WritePost("2026-03-05-second-post.md", "Second post", "2026-03-05 10:00:00 +0000", ["beta"], extra: "last_modified_at: 2026-03-12T08:00:00Z\n");
        _site.WritePost("2026-03-10-third-post.md", "Third post", tags: ["gamma"]);
        _site.WritePost("2026-03-11-unfinished.md", "Draft post", tags: ["alpha"], extra: "draft: true\n");
        _service = await RunningService.StartAsync(_site);
    }

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        _site.Dispose();
    }

    [Theory]
    [InlineData("feed.xml", Rss, FeedType.Rss_2_0)]
    [InlineData("atom.xml", Atom, FeedType.Atom)]
    public async Task SiteXmlFeed_Get_ServesPublishedPostsNewestFirst(string path, string contentType, FeedType type)
    {
        using var response = await Service.GetAsync(path);
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.ToString());
        var feed = FeedParsing.Syndication(body);
        Assert.Equal("Integration blog", feed.Title.Text);
        Assert.Equal(SiteTitles, feed.Items.Select(item => item.Title.Text));
        Assert.Equal(SiteLinks, FeedParsing.Links(body));
        Assert.Contains(feed.Links, link => link.RelationshipType == "self" && link.Uri.AbsoluteUri == $"{TestSite.BaseUrl}/{path}");

        var read = FeedParsing.Reader(body);
        Assert.Equal(type, read.Type);
        Assert.Equal(SiteTitles, read.Items.Select(item => item.Title));
        Assert.Equal(SiteLinks, read.Items.Select(item => item.Link));

        // What HTTP serves and what the output folder holds are one document.
        Assert.Equal(body, _site.ReadOutput(path));
    }

    [Fact]
    public async Task JsonFeed_Get_ServesPublishedPostsNewestFirst()
    {
        using var response = await Service.GetAsync("feed.json");
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Json, response.Content.Headers.ContentType?.ToString());
        using var json = FeedParsing.Json(body);
        var root = json.RootElement;
        Assert.Equal("https://jsonfeed.org/version/1.1", root.GetProperty("version").GetString());
        Assert.Equal(TestSite.BaseUrl + "/feed.json", root.GetProperty("feed_url").GetString());
        var items = root.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(SiteTitles, items.Select(item => item.GetProperty("title").GetString()));
        Assert.Equal(SiteLinks, items.Select(item => item.GetProperty("url").GetString()));
        Assert.Equal(body, _site.ReadOutput("feed.json"));
    }

    [Theory]
    [InlineData("tags/beta/feed.xml", Rss, new[] { "Second post", "First post" })]
    [InlineData("tags/beta/atom.xml", Atom, new[] { "Second post", "First post" })]
    [InlineData("tags/alpha/feed.xml", Rss, new[] { "First post" })]
    [InlineData("tags/gamma/atom.xml", Atom, new[] { "Third post" })]
    public async Task TagFeed_Get_ServesOnlyPostsWithTheTag(string path, string contentType, string[] titles)
    {
        using var response = await Service.GetAsync(path);
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.ToString());
        var feed = FeedParsing.Syndication(body);
        Assert.StartsWith("Integration blog: ", feed.Title.Text, StringComparison.Ordinal);
        // The draft carries alpha too, but drafts are never published.
        Assert.Equal(titles, feed.Items.Select(item => item.Title.Text));
        Assert.Equal(titles, FeedParsing.Reader(body).Items.Select(item => item.Title));
        Assert.Contains(feed.Links, link => link.RelationshipType == "self" && link.Uri.AbsoluteUri == $"{TestSite.BaseUrl}/{path}");
        Assert.Equal(body, _site.ReadOutput(path));
    }

    [Theory]
    [InlineData("feed.xml")]
    [InlineData("atom.xml")]
    [InlineData("feed.json")]
    public async Task Feed_Get_HasStrongETagAndLastModifiedOfItsFile(string path)
    {
        using var first = await Service.GetAsync(path);
        using var second = await Service.GetAsync(path);

        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.Matches("^\"[A-Za-z0-9_-]{16,}\"$", etag.Tag);
        Assert.Equal(etag, second.Headers.ETag);
        // When the bytes last changed: the file was written then, and only then.
        Assert.Equal(WholeSeconds(File.GetLastWriteTimeUtc(_site.OutputPath(path))), first.Content.Headers.LastModified);
        Assert.Equal(first.Content.Headers.LastModified, second.Content.Headers.LastModified);
        Assert.Contains("Accept-Encoding", first.Headers.Vary);
    }

    [Fact]
    public async Task Feed_OlderPostEdited_LastModifiedMovesAndIfModifiedSinceTheOldOneGetsTheNewBytes()
    {
        using var before = await Service.GetAsync("feed.xml");
        var lastModified = before.Content.Headers.LastModified!.Value;
        var etag = before.Headers.ETag!.Tag;

        // The oldest post's body changes; no date does, so the newest post's date stays what it was.
        _site.WritePost("2026-03-01-first-post.md", "First post", tags: ["alpha", "beta"], body: "A paragraph, rewritten.");
        await Eventually.ValueAsync(() => Service.GetETagAsync("feed.xml"), tag => tag != etag, "the edit in the served feed", Eventually.LiveChange);

        using var after = await Service.GetAsync("feed.xml", request => request.Headers.IfModifiedSince = lastModified);
        var body = await after.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Contains("A paragraph, rewritten.", body, StringComparison.Ordinal);
        Assert.True(after.Content.Headers.LastModified > lastModified, $"{after.Content.Headers.LastModified} after {lastModified}");
    }

    [Fact]
    public async Task Feed_Restarted_KeepsTheLastModifiedOfUnchangedBytes()
    {
        using var before = await Service.GetAsync("atom.xml");
        await Service.DisposeAsync();
        _service = null;
        await Task.Delay(TimeSpan.FromSeconds(1.1), TestContext.Current.CancellationToken);

        _service = await RunningService.StartAsync(_site);
        using var after = await Service.GetAsync("atom.xml");

        Assert.Equal(before.Headers.ETag, after.Headers.ETag);
        Assert.Equal(before.Content.Headers.LastModified, after.Content.Headers.LastModified);
    }

    [Fact]
    public async Task Feeds_Get_EachHasItsOwnETag()
    {
        string[] paths = ["feed.xml", "atom.xml", "feed.json", "tags/alpha/feed.xml", "tags/alpha/atom.xml", "tags/beta/feed.xml"];
        var etags = new List<string?>();
        foreach (var path in paths)
        {
            etags.Add(await Service.GetETagAsync(path));
        }

        Assert.DoesNotContain(null, etags);
        Assert.Equal(paths.Length, etags.Distinct().Count());
    }

    [Fact]
    public async Task Feed_IfNoneMatchCurrentETag_Returns304WithEmptyBody()
    {
        var etag = await Service.GetETagAsync("feed.xml");

        using var response = await Service.GetAsync("feed.xml", request => request.Headers.TryAddWithoutValidation("If-None-Match", etag));
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Empty(body);
        Assert.Equal(etag, response.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Feed_IfNoneMatchOtherETag_Returns200WithBody()
    {
        using var response = await Service.GetAsync("atom.xml", request => request.Headers.TryAddWithoutValidation("If-None-Match", "\"an-older-version\""));
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SiteTitles, FeedParsing.Titles(body));
    }

    [Fact]
    public async Task Feed_IfNoneMatchCurrentETagWithEarlierIfModifiedSince_Returns304()
    {
        // A reader that last fetched from another node holds the same ETag with that node's (earlier) file time.
        using var first = await Service.GetAsync("feed.xml");
        var etag = first.Headers.ETag?.ToString();
        var lastModified = first.Content.Headers.LastModified;

        using var response = await Service.GetAsync("feed.xml", request =>
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            request.Headers.IfModifiedSince = lastModified!.Value.AddHours(-1);
        });
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Empty(body);
        Assert.Equal(etag, response.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Feed_IfNoneMatchOtherETagWithCurrentIfModifiedSince_Returns200WithBody()
    {
        var lastModified = (await Service.GetAsync("feed.xml")).Content.Headers.LastModified;

        using var response = await Service.GetAsync("feed.xml", request =>
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", "\"an-older-version\"");
            request.Headers.IfModifiedSince = lastModified;
        });
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SiteTitles, FeedParsing.Titles(body));
    }

    [Fact]
    public async Task Feed_IfModifiedSinceLastModified_Returns304()
    {
        var lastModified = (await Service.GetAsync("feed.xml")).Content.Headers.LastModified;
        using var response = await Service.GetAsync("feed.xml", request => request.Headers.IfModifiedSince = lastModified);
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Empty(body);
    }

    [Fact]
    public async Task Feed_IfModifiedSinceEarlier_Returns200WithBody()
    {
        var lastModified = (await Service.GetAsync("feed.xml")).Content.Headers.LastModified;
        using var response = await Service.GetAsync("feed.xml", request => request.Headers.IfModifiedSince = lastModified!.Value.AddSeconds(-1));
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SiteTitles, FeedParsing.Titles(body));
    }

    [Theory]
    [InlineData("feed.xml", Rss)]
    [InlineData("feed.json", Json)]
    [InlineData("tags/beta/atom.xml", Atom)]
    public async Task Feed_Head_ReturnsHeadersWithoutBody(string path, string contentType)
    {
        using var get = await Service.GetAsync(path);
        var getBody = await get.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        using var head = await Service.SendAsync(HttpMethod.Head, path);
        var headBody = await head.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Empty(headBody);
        Assert.Equal(contentType, head.Content.Headers.ContentType?.ToString());
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        Assert.Equal(get.Content.Headers.LastModified, head.Content.Headers.LastModified);
        Assert.Equal(getBody.Length, head.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public async Task Feed_AcceptEncoding_CompressesWithItsOwnETag(string coding)
    {
        using var identity = await Service.GetAsync("feed.xml");
        var identityBody = await identity.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        using var encoded = await Service.GetAsync("feed.xml", request => request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(coding)));
        var encodedBody = await encoded.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, encoded.StatusCode);
        Assert.Equal([coding], encoded.Content.Headers.ContentEncoding);
        Assert.Empty(identity.Content.Headers.ContentEncoding);
        Assert.Equal(Rss, encoded.Content.Headers.ContentType?.ToString());
        Assert.Contains("Accept-Encoding", encoded.Headers.Vary);
        Assert.Contains("Accept-Encoding", identity.Headers.Vary);
        Assert.Equal(identityBody, Decompress(coding, encodedBody));
        Assert.True(encodedBody.Length < identityBody.Length, "the compressed body is smaller than the identity body");

        // A compressed body is another representation (RFC 9110 8.8.3): a strong ETag of its own.
        Assert.NotNull(encoded.Headers.ETag);
        Assert.False(encoded.Headers.ETag.IsWeak);
        Assert.NotEqual(identity.Headers.ETag, encoded.Headers.ETag);
        Assert.Equal(identity.Content.Headers.LastModified, encoded.Content.Headers.LastModified);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public async Task Feed_IfNoneMatchPerCoding_Returns304OnlyForThatCoding(string coding)
    {
        var identityETag = await Service.GetETagAsync("feed.xml");
        string? encodedETag;
        using (var encoded = await Service.GetAsync("feed.xml", request => request.Headers.AcceptEncoding.ParseAdd(coding)))
        {
            encodedETag = encoded.Headers.ETag?.ToString();
        }

        using var same = await Service.GetAsync("feed.xml", request =>
        {
            request.Headers.AcceptEncoding.ParseAdd(coding);
            request.Headers.TryAddWithoutValidation("If-None-Match", encodedETag);
        });
        using var other = await Service.GetAsync("feed.xml", request =>
        {
            request.Headers.AcceptEncoding.ParseAdd(coding);
            request.Headers.TryAddWithoutValidation("If-None-Match", identityETag);
        });
        var otherBody = await other.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotModified, same.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(SiteTitles, FeedParsing.Titles(Decompress(coding, otherBody)));
    }

    [Theory]
    [InlineData("tags/no-such-tag/feed.xml")]
    [InlineData("tags/no-such-tag/atom.xml")]
    [InlineData("tags/beta/feed.json")]
    public async Task UnknownFeed_Get_Returns404(string path)
    {
        using var response = await Service.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Healthz_Get_Returns200()
    {
        using var response = await Service.GetAsync("healthz");
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok\n", body);
    }

    private static byte[] Decompress(string coding, byte[] body)
    {
        using var input = new MemoryStream(body);
        using Stream decompressor = coding == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        decompressor.CopyTo(output);
        return output.ToArray();
    }

    private static DateTimeOffset WholeSeconds(DateTime utc) => new(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
