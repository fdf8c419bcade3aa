using System.ServiceModel.Syndication;
using Syndicate.IntegrationTests.Infrastructure;

namespace Syndicate.IntegrationTests;

/// <summary>WebSub: every feed names the hub, and a change pings the hub with the changed feeds' URLs.</summary>
public sealed class WebSubTests : IAsyncLifetime
{
    private readonly TestSite _site = new();
    private HubRecorder? _hub;
    private RunningService? _service;

    private HubRecorder Hub => _hub ?? throw new InvalidOperationException("The hub did not start.");

    private RunningService Service => _service ?? throw new InvalidOperationException("The service did not start.");

    public async ValueTask InitializeAsync()
    {
        _site.WritePost("2026-02-01-alpha.md", "Alpha post", tags: ["alpha"]);
        _site.WritePost("2026-02-02-beta.md", "Beta post", tags: ["beta"]);
        _site.WritePost("2026-02-03-cafe.md", "Café post", tags: ["café"]);
        _hub = await HubRecorder.StartAsync();
        _service = await RunningService.StartAsync(_site, new Dictionary<string, string?> { ["Feeds:WebSubHub"] = Hub.Url });
    }

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }

        _site.Dispose();
    }

    [Theory]
    [InlineData("feed.xml")]
    [InlineData("atom.xml")]
    [InlineData("tags/alpha/feed.xml")]
    [InlineData("tags/beta/atom.xml")]
    public async Task XmlFeed_WithHub_LinksTheHub(string path)
    {
        foreach (var body in new[] { await Service.GetBodyAsync(path), _site.ReadOutput(path) })
        {
            Assert.NotNull(body);
            var feed = FeedParsing.Syndication(body);
            var hub = Assert.Single(feed.Links, link => link.RelationshipType == "hub");
            Assert.Equal(Hub.Url, hub.Uri.OriginalString);
            Assert.Equal(TestSite.BaseUrl + "/" + path, SelfUrl(feed));
        }
    }

    [Fact]
    public async Task JsonFeed_WithHub_ListsTheHub()
    {
        foreach (var body in new[] { await Service.GetBodyAsync("feed.json"), _site.ReadOutput("feed.json") })
        {
            Assert.NotNull(body);
            using var json = FeedParsing.Json(body);
            var hub = Assert.Single(json.RootElement.GetProperty("hubs").EnumerateArray());
            Assert.Equal("WebSub", hub.GetProperty("type").GetString());
            Assert.Equal(Hub.Url, hub.GetProperty("url").GetString());
        }
    }

    [Fact]
    public async Task Post_Edited_PingsHubWithEachChangedFeedUrl()
    {
        var before = Hub.Pings.Count;

        _site.WritePost("2026-02-01-alpha.md", "Alpha post, edited", tags: ["alpha"]);

        string[] changed = ["feed.xml", "atom.xml", "feed.json", "tags/alpha/feed.xml", "tags/alpha/atom.xml"];
        var expected = changed.Select(path => TestSite.BaseUrl + "/" + path).Order(StringComparer.Ordinal).ToArray();
        var pings = await Eventually.ObservedAsync(
            () => Hub.Pings.Skip(before).ToArray(),
            seen => seen.Select(ping => ping.Url).Distinct().Order(StringComparer.Ordinal).SequenceEqual(expected),
            "a publish ping for every feed that holds the post, and no other");
        Assert.All(pings, ping =>
        {
            Assert.Equal("publish", ping.Mode);
            Assert.StartsWith("application/x-www-form-urlencoded", ping.ContentType, StringComparison.Ordinal);
        });

        // The hub matches hub.url against the topic a subscriber found in the feed: its rel=self link.
        foreach (var path in changed.Where(path => path.EndsWith(".xml", StringComparison.Ordinal)))
        {
            Assert.Contains(SelfUrl(FeedParsing.Syndication((await Service.GetBodyAsync(path))!)), pings.Select(ping => ping.Url));
        }
    }

    [Fact]
    public async Task PostWithNonAsciiTag_Edited_PingsHubWithTheFeedsSelfUrl()
    {
        var before = Hub.Pings.Count;
        var served = await Service.GetBodyAsync("tags/caf%C3%A9/feed.xml");
        Assert.NotNull(served);
        var topic = SelfUrl(FeedParsing.Syndication(served));

        _site.WritePost("2026-02-03-cafe.md", "Café post, edited", tags: ["café"]);

        var pings = await Eventually.ObservedAsync(
            () => Hub.Pings.Skip(before).ToArray(),
            seen => seen.Any(ping => ping.Url!.EndsWith("/atom.xml", StringComparison.Ordinal) && ping.Url.Contains("/tags/", StringComparison.Ordinal)),
            "the ping for the tag's Atom feed");
        Assert.Contains(topic, pings.Select(ping => ping.Url));
    }

    private static string SelfUrl(SyndicationFeed feed) =>
        feed.Links.Single(link => link.RelationshipType == "self").Uri.OriginalString;
}
