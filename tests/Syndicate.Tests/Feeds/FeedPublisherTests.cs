using Syndicate.Feeds;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Feeds;

public sealed class FeedPublisherTests : IDisposable
{
    private readonly CatalogHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private static string Post(string title, string date, params string[] more) =>
        "---\ntitle: " + title + "\ndate: " + date + "\n" + string.Concat(more.Select(line => line + "\n")) + "---\nBody of " + title + ".\n";

    private string Out(string relative) => Path.Combine(_harness.ContentRoot, "out", relative);

    [Fact]
    public async Task PublishAsync_Build_WritesEveryFeedFile()
    {
        _harness.WritePost("2024-01-01-a.md", Post("A", "2024-01-01", "tags: [dotnet]"));
        _harness.Catalog.Scan();
        using var publisher = _harness.CreatePublisher(new FeedStore());

        var result = await publisher.PublishAsync(serve: false, TestContext.Current.CancellationToken);

        Assert.Equal(5, result.Feeds);
        Assert.Equal(5, result.Written);
        Assert.Equal("A", FeedParsing.FeedReader(File.ReadAllBytes(Out("feed.xml"))).Items.Single().Title);
        Assert.Equal("A", FeedParsing.FeedReader(File.ReadAllBytes(Out("tags/dotnet/atom.xml"))).Items.Single().Title);
        Assert.True(File.Exists(Out("feed.json")));
    }

    [Fact]
    public async Task PublishAsync_Unchanged_WritesNothingAgain()
    {
        _harness.WritePost("2024-01-01-a.md", Post("A", "2024-01-01"));
        _harness.Catalog.Scan();
        using var publisher = _harness.CreatePublisher(new FeedStore());
        await publisher.PublishAsync(serve: false, TestContext.Current.CancellationToken);
        var written = File.GetLastWriteTimeUtc(Out("feed.xml"));

        _harness.Time.Advance(TimeSpan.FromHours(1));
        var result = await publisher.PublishAsync(serve: false, TestContext.Current.CancellationToken);

        Assert.Equal(0, result.Written);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Out("feed.xml")));
    }

    [Fact]
    public async Task PublishAsync_ClockPassesScheduledPost_ItAppearsInTheFeed()
    {
        _harness.WritePost("2024-12-01-old.md", Post("Old", "2024-12-01"));
        _harness.WritePost("2025-01-02-new.md", Post("New", "2025-01-02T06:00:00Z"));
        _harness.Catalog.Scan();
        var store = new FeedStore();
        using var publisher = _harness.CreatePublisher(store);

        await publisher.PublishAsync(serve: true, TestContext.Current.CancellationToken);
        Assert.True(store.TryGet("feed.xml", out var before));
        Assert.Equal(["Old"], FeedParsing.FeedReader(before.Document.Body).Items.Select(i => i.Title));

        _harness.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromHours(6));
        var result = await publisher.PublishAsync(serve: true, TestContext.Current.CancellationToken);

        Assert.True(store.TryGet("feed.xml", out var after));
        Assert.Equal(["New", "Old"], FeedParsing.FeedReader(after.Document.Body).Items.Select(i => i.Title));
        Assert.Contains("feed.xml", result.Changed);
        Assert.Equal(["New", "Old"], FeedParsing.FeedReader(File.ReadAllBytes(Out("feed.xml"))).Items.Select(i => i.Title));
    }

    [Fact]
    public async Task PublishAsync_TagNoLongerUsed_ItsFeedsAreRemoved()
    {
        _harness.WritePost("2024-01-01-a.md", Post("A", "2024-01-01", "tags: [gone]"));
        _harness.Catalog.Scan();
        using var publisher = _harness.CreatePublisher(new FeedStore());
        await publisher.PublishAsync(serve: false, TestContext.Current.CancellationToken);
        Assert.True(File.Exists(Out("tags/gone/feed.xml")));

        _harness.WritePost("2024-01-01-a.md", Post("A", "2024-01-01"));
        _harness.Catalog.Scan();
        await publisher.PublishAsync(serve: false, TestContext.Current.CancellationToken);

        Assert.False(File.Exists(Out("tags/gone/feed.xml")));
        Assert.False(Directory.Exists(Out("tags/gone")));
    }
}
