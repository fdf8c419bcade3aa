using System.ServiceModel.Syndication;
using System.Xml;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Syndicate.Feeds;
using Syndicate.Posts;
using Syndicate.Storage;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Ledger;

public sealed class PostLedgerTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task FeedIds_SiteMovedToNewBaseUrl_ItemsKeepTheirFirstIds()
    {
        var before = Harness("https://old.example.org/");
        before.WritePost("2024-05-01-first.md", Post("First"));
        before.WritePost("2024-05-02-second.md", Post("Second"));
        before.Catalog.Scan();
        var firstIds = ItemIds(await BuildRssAsync(before));
        Assert.Equal(["https://old.example.org/2024/05/02/second/", "https://old.example.org/2024/05/01/first/"], firstIds);

        var after = Harness("https://new.example.org/blog/");
        after.Catalog.Scan();
        using var ledger = Ledger(after);
        var update = await ledger.RecordAsync(after.Snapshot().Posts, TestContext.Current.CancellationToken);
        var rss = await BuildRssAsync(after);

        // The links follow the new address; the ids readers deduplicate on do not move.
        Assert.Equal(firstIds, ItemIds(rss));
        Assert.Contains("<link>https://new.example.org/blog/2024/05/02/second/</link>", rss, StringComparison.Ordinal);
        Assert.Equal(new LedgerUpdate(0, 2), update);
    }

    [Fact]
    public async Task RecordAsync_NewDatabase_MarksPublishedPostsCarriedThenLaterOnesNot()
    {
        var site = Harness("https://example.org/");
        site.WritePost("2024-05-01-old.md", Post("Old"));
        site.Catalog.Scan();
        using var ledger = Ledger(site);
        Assert.Equal(1, (await ledger.RecordAsync(site.Snapshot().Posts, TestContext.Current.CancellationToken)).Added);

        site.WritePost("2024-04-01-late-but-new.md", Post("Late"));
        site.Catalog.Scan();
        Assert.Equal(1, (await ledger.RecordAsync(site.Snapshot().Posts, TestContext.Current.CancellationToken)).Added);

        await using var connection = await Database().OpenAsync(TestContext.Current.CancellationToken);
        var rows = (await connection.QueryAsync<(string Key, long? Carried)>("SELECT post_key, carried_by FROM published_posts ORDER BY id")).ToList();
        Assert.Equal([("post:2024-05-01/old", (long?)0), ("post:2024-04-01/late-but-new", null)], rows);
    }

    [Fact]
    public async Task RecordAsync_EditedTitle_StaysOneLedgerEntry()
    {
        var site = Harness("https://example.org/");
        site.WritePost("2024-05-01-post.md", Post("Before"));
        site.Catalog.Scan();
        using var ledger = Ledger(site);
        await ledger.RecordAsync(site.Snapshot().Posts, TestContext.Current.CancellationToken);

        site.WritePost("2024-05-01-post.md", Post("After the edit"));
        site.Catalog.Scan();
        var update = await ledger.RecordAsync(site.Snapshot().Posts, TestContext.Current.CancellationToken);

        Assert.Equal(new LedgerUpdate(0, 0), update);
    }

    public void Dispose() => _folder.Dispose();

    private static string Post(string title) => $"---\ntitle: {title}\n---\nBody of {title}.\n";

    private CatalogHarness Harness(string baseUrl) => new(new TestSite(baseUrl), contentRoot: EnsurePosts());

    private string EnsurePosts()
    {
        Directory.CreateDirectory(_folder.Combine("posts"));
        return _folder.Path;
    }

    private Database Database()
    {
        var database = _folder.Database("data/ledger.db");
        return new(
            Options.Create(new StorageOptions { Provider = database.Provider, ConnectionString = database.ConnectionString }),
            new TestHostEnvironment(_folder.Path),
            TimeProvider.System,
            NullLogger<Database>.Instance);
    }

    private PostLedger Ledger(CatalogHarness site) => new(Database(), site.Time);

    private async Task<string> BuildRssAsync(CatalogHarness site)
    {
        using var ledger = Ledger(site);
        var builder = new FeedBuilder(Options.Create(site.Site.Site), Options.Create(site.Feeds), site.Site.Urls, site.Catalog, ledger,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<FeedBuilder>.Instance);
        var snapshot = site.Snapshot();
        await builder.RecordAsync(snapshot, TestContext.Current.CancellationToken);
        var rss = builder.Build(builder.Plan(snapshot), reuse: false).Single(d => d.Path == "feed.xml");
        return System.Text.Encoding.UTF8.GetString(rss.Body);
    }

    private static List<string> ItemIds(string rss)
    {
        using var reader = XmlReader.Create(new StringReader(rss));
        return SyndicationFeed.Load(reader).Items.Select(item => item.Id).ToList();
    }
}
