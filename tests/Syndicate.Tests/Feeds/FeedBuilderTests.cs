using System.Text.Json;
using Syndicate.Feeds;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Feeds;

public sealed class FeedBuilderTests : IDisposable
{
    private readonly CatalogHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private static string Post(string title, string date, params string[] more) =>
        "---\ntitle: " + title + "\ndate: " + date + "\n" + string.Concat(more.Select(line => line + "\n")) + "---\nBody of " + title + ".\n";

    private void WriteSample()
    {
        _harness.WritePost("2024-01-01-a.md", Post("A", "2024-01-01T10:00:00Z", "tags: [dotnet, C#]"));
        _harness.WritePost("2024-02-01-b.md", Post("B", "2024-02-01T10:00:00Z", "tags: [dotnet]", "last_modified_at: 2024-03-15T08:00:00Z"));
        _harness.WritePost("2024-03-01-c.md", Post("C", "2024-03-01T10:00:00Z", "categories: [Release Notes]"));
        _harness.Catalog.Scan();
    }

    [Fact]
    public void Plan_TagsSharingAnAddress_OneFeedNamedAfterTheMostUsedSpellingAndReportedOnce()
    {
        _harness.WritePost("2024-01-01-a.md", Post("A", "2024-01-01T10:00:00Z", "tags: [Go, C++]"));
        _harness.WritePost("2024-01-02-b.md", Post("B", "2024-01-02T10:00:00Z", "tags: [Go, C]"));
        _harness.WritePost("2024-01-03-c.md", Post("C", "2024-01-03T10:00:00Z", "tags: [Go, C#]"));
        _harness.WritePost("2024-01-04-d.md", Post("D", "2024-01-04T10:00:00Z", "tags: [go, C]"));
        _harness.WritePost("2024-01-05-e.md", Post("E", "2024-01-05T10:00:00Z", "tags: [\"🦀\"]"));
        _harness.Catalog.Scan();
        var log = new ListLogger();
        _harness.Builder.Logger = log;

        var scopes = _harness.Builder.Plan(_harness.Snapshot());
        _harness.Builder.Plan(_harness.Snapshot());

        // The newest post says "go" and the newest C-ish one "C": the titles follow the most used spellings.
        Assert.Equal([("c", "C", 4), ("go", "Go", 4)], scopes.Skip(1).Select(scope => (scope.Slug!, scope.Name!, scope.Posts.Count)));
        Assert.Equal(
            [
                "Tag 🦀 (first in 2024-01-05-e.md) has no letter or digit to make an address of, so it gets no feed of its own; it stays a category of its posts",
                "Tags C, C#, C++ share the feed tags/c/, titled C: their names make the same address; rename one in the posts' front matter to give it a feed of its own",
            ],
            log.Lines);
        Assert.Contains("🦀", _harness.Snapshot().Posts.Single(post => post.Title == "E").AllTags);
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) => Lines.Add(formatter(state, exception));
    }

    [Fact]
    public void Build_SitePosts_MakesSiteAndTagFeeds()
    {
        WriteSample();

        var documents = _harness.BuildAll();

        Assert.Equal(
            ["atom.xml", "feed.json", "feed.xml", "tags/c/atom.xml", "tags/c/feed.xml", "tags/dotnet/atom.xml", "tags/dotnet/feed.xml", "tags/release-notes/atom.xml", "tags/release-notes/feed.xml"],
            documents.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(FeedDocument.RssType, documents["feed.xml"].ContentType);
        Assert.Equal(FeedDocument.AtomType, documents["atom.xml"].ContentType);
        Assert.Equal(FeedDocument.JsonType, documents["feed.json"].ContentType);
    }

    [Fact]
    public void Build_TagFeed_HoldsOnlyThatTagsPostsWithItsOwnSelfLink()
    {
        WriteSample();

        var documents = _harness.BuildAll();

        var rss = FeedParsing.Syndication(documents["tags/dotnet/feed.xml"].Body);
        Assert.Equal(["B", "A"], rss.Items.Select(i => i.Title.Text));
        Assert.Equal("Test Blog: dotnet", rss.Title.Text);
        Assert.Equal(new Uri("https://example.org/blog/tags/dotnet/feed.xml"), rss.Links.Single(l => l.RelationshipType == "self").Uri);
        var atom = FeedParsing.FeedReader(documents["tags/release-notes/atom.xml"].Body);
        Assert.Equal(["C"], atom.Items.Select(i => i.Title));
        Assert.Equal("Test Blog: Release Notes", atom.Title);
    }

    [Fact]
    public void Build_NoSiteTitle_FeedsNamedByTheSiteAddressAndTheTag()
    {
        using var harness = new CatalogHarness(new TestSite(title: ""));
        harness.WritePost("2024-01-01-a.md", Post("A", "2024-01-01T10:00:00Z", "tags: [dotnet]"));
        harness.Catalog.Scan();

        var documents = harness.BuildAll();

        Assert.Equal("https://example.org/blog/", FeedParsing.Syndication(documents["feed.xml"].Body).Title.Text);
        Assert.Equal("https://example.org/blog/: dotnet", FeedParsing.Syndication(documents["tags/dotnet/feed.xml"].Body).Title.Text);
        Assert.Equal("https://example.org/blog/: dotnet", FeedParsing.FeedReader(documents["tags/dotnet/atom.xml"].Body).Title);
    }

    [Fact]
    public void Build_Twice_ByteIdenticalWithSameETags()
    {
        WriteSample();

        var first = _harness.BuildAll();
        _harness.Time.Advance(TimeSpan.FromDays(3));
        var second = _harness.BuildAll();

        Assert.Equal(first.Keys.Order(StringComparer.Ordinal), second.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, document) in first)
        {
            Assert.Equal(document.Body, second[path].Body);
            Assert.Equal(document.ETag, second[path].ETag);
        }
    }

    [Fact]
    public void Build_TwoCatalogsOverTheSameFiles_AgreeByteForByte()
    {
        // Two nodes serving one folder of posts must hand out the same bytes and ETags.
        WriteSample();
        using var other = new CatalogHarness(contentRoot: _harness.ContentRoot, now: CatalogHarness.DefaultNow.AddHours(5));
        other.Catalog.Scan();

        var mine = _harness.BuildAll();
        var theirs = other.BuildAll();

        foreach (var (path, document) in mine)
        {
            Assert.Equal(document.ETag, theirs[path].ETag);
            Assert.Equal(document.Body, theirs[path].Body);
        }
    }

    [Fact]
    public void Build_FeedUpdated_IsNewestPostsNotTheClock()
    {
        WriteSample();

        var documents = _harness.BuildAll();

        var newest = new DateTimeOffset(2024, 3, 15, 8, 0, 0, TimeSpan.Zero);
        Assert.Equal(newest, FeedParsing.Syndication(documents["feed.xml"].Body).LastUpdatedTime);
        Assert.Equal(newest, FeedParsing.Syndication(documents["atom.xml"].Body).LastUpdatedTime);
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.Zero),
            FeedParsing.Syndication(documents["tags/release-notes/atom.xml"].Body).LastUpdatedTime);
    }

    [Theory]
    [InlineData(20, 20)]
    [InlineData(0, 25)]
    [InlineData(5, 5)]
    public void Build_ItemLimit_CapsNewestFirst(int limit, int expected)
    {
        using var harness = new CatalogHarness(feeds: new FeedsOptions { ItemLimit = limit });
        for (var day = 1; day <= 25; day++)
        {
            harness.WritePost($"2024-01-{day:D2}-post.md", Post($"Post {day}", $"2024-01-{day:D2}", "tags: [all]"));
        }

        harness.Catalog.Scan();
        var documents = harness.BuildAll();

        var rss = FeedParsing.Syndication(documents["feed.xml"].Body).Items.ToList();
        Assert.Equal(expected, rss.Count);
        Assert.Equal("Post 25", rss[0].Title.Text);
        Assert.Equal($"Post {26 - expected}", rss[^1].Title.Text);
        Assert.Equal(expected, FeedParsing.Syndication(documents["atom.xml"].Body).Items.Count());
        Assert.Equal(expected, JsonDocument.Parse(documents["feed.json"].Body).RootElement.GetProperty("items").GetArrayLength());
        Assert.Equal(expected, FeedParsing.Syndication(documents["tags/all/feed.xml"].Body).Items.Count());
    }

    [Fact]
    public void Build_WebSubHub_AnnouncedInEveryFeed()
    {
        using var harness = new CatalogHarness(feeds: new FeedsOptions { WebSubHub = "https://hub.example.com/" });
        harness.WritePost("2024-01-01-a.md", Post("A", "2024-01-01", "tags: [x]"));
        harness.Catalog.Scan();

        var documents = harness.BuildAll();

        foreach (var path in new[] { "feed.xml", "atom.xml", "tags/x/feed.xml", "tags/x/atom.xml" })
        {
            var links = FeedParsing.Xml(documents[path].Body).Descendants(FeedParsing.Atom + "link")
                .Where(l => l.Attribute("rel")?.Value == "hub").ToList();
            Assert.Equal("https://hub.example.com/", Assert.Single(links).Attribute("href")?.Value);
        }

        Assert.Equal("https://hub.example.com/", JsonDocument.Parse(documents["feed.json"].Body).RootElement.GetProperty("hubs")[0].GetProperty("url").GetString());
    }

    [Fact]
    public void Build_NoPosts_ValidFeedsDatedAtEpoch()
    {
        var documents = _harness.BuildAll();

        Assert.Equal(["atom.xml", "feed.json", "feed.xml"], documents.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(FeedParsing.Syndication(documents["feed.xml"].Body).Items);
        Assert.Empty(FeedParsing.FeedReader(documents["atom.xml"].Body).Items);
        Assert.Equal(DateTimeOffset.UnixEpoch, FeedParsing.Syndication(documents["atom.xml"].Body).LastUpdatedTime);
    }

    [Fact]
    public void Build_ChangedPost_ChangesBytesAndETag()
    {
        WriteSample();
        var before = _harness.BuildAll();

        _harness.WritePost("2024-03-01-c.md", Post("C edited", "2024-03-01T10:00:00Z", "categories: [Release Notes]"));
        _harness.Catalog.Scan();
        var after = _harness.BuildAll();

        Assert.NotEqual(before["feed.xml"].ETag, after["feed.xml"].ETag);
        Assert.Equal(before["tags/dotnet/feed.xml"].ETag, after["tags/dotnet/feed.xml"].ETag);
        Assert.Equal("C edited", FeedParsing.FeedReader(after["feed.xml"].Body).Items.First().Title);
    }

    [Fact]
    public void ETagOf_SameBytes_SameStrongETag()
    {
        var a = FeedDocument.ETagOf("<rss/>"u8);

        Assert.Equal(a, FeedDocument.ETagOf("<rss/>"u8));
        Assert.NotEqual(a, FeedDocument.ETagOf("<rss />"u8));
        Assert.Matches("^\"[A-Za-z0-9_-]{22}\"$", a);
    }
}
