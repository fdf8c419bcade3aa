using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Syndicate.Feeds;
using Syndicate.Posts;

namespace Syndicate.Tests.Support;

/// <summary>
/// A post catalog over a real folder (a fresh temp folder unless a content root is given), with a
/// fake clock, and the feed builder and publisher on top of it.
/// </summary>
internal sealed class CatalogHarness : IDisposable
{
    public static readonly DateTimeOffset DefaultNow = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TempFolder? _temp;
    private int _writes;

    public CatalogHarness(TestSite? site = null, FeedsOptions? feeds = null, string? contentRoot = null, DateTimeOffset? now = null)
    {
        Site = site ?? new TestSite();
        Feeds = feeds ?? new FeedsOptions { OutputFolder = "out", ItemLimit = 20 };
        if (contentRoot is null)
        {
            _temp = new TempFolder();
            contentRoot = _temp.Path;
            Directory.CreateDirectory(Path.Combine(contentRoot, Site.Posts.Folder));
        }

        ContentRoot = contentRoot;
        Time = new FakeTimeProvider(now ?? DefaultNow);
        Environment = new TestHostEnvironment(contentRoot);
        Catalog = new PostCatalog(Options.Create(Site.Posts), Environment, Site.Parser, Site.Renderer, Time, NullLogger<PostCatalog>.Instance);
        Builder = new FeedBuilder(Options.Create(Site.Site), Options.Create(Feeds), Site.Urls, Catalog);
    }

    public TestSite Site { get; }

    public FeedsOptions Feeds { get; }

    public string ContentRoot { get; }

    public FakeTimeProvider Time { get; }

    public TestHostEnvironment Environment { get; }

    public PostCatalog Catalog { get; }

    public FeedBuilder Builder { get; }

    public string PostPath(string relative) => Path.Combine(Catalog.Folder, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>
    /// Writes a post file and gives it a write time of its own, later than any before, so that
    /// every write is a new file version even when the size does not change.
    /// </summary>
    public string WritePost(string relative, string text) => WritePost(relative, System.Text.Encoding.UTF8.GetBytes(text));

    public string WritePost(string relative, byte[] bytes)
    {
        var full = PostPath(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        File.SetLastWriteTimeUtc(full, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(++_writes));
        return full;
    }

    public CatalogSnapshot Snapshot() => Catalog.Snapshot(Time.GetUtcNow());

    /// <summary>Every feed document of the current snapshot, by path, built without the reuse cache.</summary>
    public IReadOnlyDictionary<string, FeedDocument> BuildAll()
    {
        var builder = new FeedBuilder(Options.Create(Site.Site), Options.Create(Feeds), Site.Urls, Catalog);
        return builder.Build(builder.Plan(Snapshot()), reuse: false).ToDictionary(d => d.Path, StringComparer.Ordinal);
    }

    public FeedPublisher CreatePublisher(FeedStore store)
    {
        var feedsOptions = Options.Create(Feeds);
        return new FeedPublisher(Catalog, Builder, new FeedOutput(feedsOptions, Environment), store,
            new WebSubNotifier(new NoHttpClientFactory(), feedsOptions, NullLogger<WebSubNotifier>.Instance),
            Site.Urls, Time, NullLogger<FeedPublisher>.Instance);
    }

    public void Dispose() => _temp?.Dispose();

    /// <summary>No HTTP in unit tests: a hub ping would fail the test.</summary>
    private sealed class NoHttpClientFactory : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => throw new InvalidOperationException("unit tests make no HTTP requests");
    }
}
