using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Syndicate.Posts;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Posts;

/// <summary>
/// Posts:CacheFile: a second catalog on the same folder (the next `build` or start) takes unchanged posts and their
/// HTML from the cache, reads changed files again, and goes without the cache when it is stale or damaged.
/// </summary>
public sealed class PostCacheTests : IDisposable
{
    private readonly CatalogHarness _first = new();
    private readonly List<PostCatalog> _catalogs = [];

    public void Dispose()
    {
        foreach (var catalog in _catalogs)
        {
            catalog.Dispose();
        }

        _first.Catalog.Dispose();
        _first.Dispose();
    }

    private string CachePath => Path.Combine(_first.ContentRoot, "data", "posts.cache");

    private static string Post(string title, string date, string body = "Body") =>
        $"---\ntitle: {title}\ndate: {date}\ntags: [news, Cache Tests]\ndescription: About {title}\n---\n{body} with [a link](/about/).\n";

    /// <summary>A later run: a new catalog over the same content root, with its own log.</summary>
    private (PostCatalog Catalog, RecordingLogger Log) NextRun(TestSite? site = null)
    {
        site ??= _first.Site;
        var log = new RecordingLogger();
        var catalog = new PostCatalog(Options.Create(site.Posts), _first.Environment, site.Parser, site.Renderer, _first.Time, log);
        _catalogs.Add(catalog);
        return (catalog, log);
    }

    /// <summary>Rewrites a file with the same size and write time: only a cache can still show the old text.</summary>
    private void RewriteKeepingStamp(string relative, string from, string to)
    {
        Assert.Equal(from.Length, to.Length);
        var path = _first.PostPath(relative);
        var written = File.GetLastWriteTimeUtc(path);
        File.WriteAllText(path, File.ReadAllText(path).Replace(from, to, StringComparison.Ordinal));
        File.SetLastWriteTimeUtc(path, written);
    }

    [Fact]
    public void SaveCache_NoDataFolder_CreatesItOwnerOnly()
    {
        _first.WritePost("2024-01-01-one.md", Post("First post", "2024-01-01"));
        _first.Catalog.Scan();
        Assert.False(Directory.Exists(Path.GetDirectoryName(CachePath)));

        _first.Catalog.SaveCache();

        Assert.True(File.Exists(CachePath));
        Assert.Equal(FileModes.OwnerOnlyFolder, FileModes.Of(Path.GetDirectoryName(CachePath)!));
    }

    [Fact]
    public void NextRun_UnchangedFiles_PostsAndHtmlComeFromTheCache()
    {
        _first.WritePost("2024-01-01-one.md", Post("First post", "2024-01-01", "Alpha"));
        _first.WritePost("nested/2024-02-01-two.md", Post("Second post", "2024-02-01 10:30", "Bravo"));
        _first.Catalog.Scan();
        var before = _first.Snapshot().Posts;
        var html = before.ToDictionary(post => post.File, post => _first.Catalog.GetContent(post).Html);
        _first.Catalog.SaveCache();
        Assert.True(File.Exists(CachePath));

        // Same size and write time, other words: a run that read the files would show "Zulu" and "Third post".
        RewriteKeepingStamp("2024-01-01-one.md", "Alpha", "Zulu!");
        RewriteKeepingStamp("nested/2024-02-01-two.md", "Second post", "Third post!");
        var (next, log) = NextRun();
        next.Scan();
        var after = next.Snapshot(_first.Time.GetUtcNow()).Posts;

        Assert.Equal(before.Select(Describe), after.Select(Describe));
        Assert.Equal("Second post", after[0].Title);
        foreach (var post in after)
        {
            var content = next.GetContent(post);
            Assert.Equal(html[post.File], content.Html);
            Assert.Contains("https://example.org/blog/about/", content.Html, StringComparison.Ordinal);
        }

        Assert.Contains(log.Entries, entry => entry.Id == 1011 && entry.Message.Contains("2 posts loaded", StringComparison.Ordinal));
    }

    [Fact]
    public void NextRun_RepeatedTagsAuthorsAndIds_AreOneStringEach()
    {
        _first.WritePost("2024-01-01-one.md", Post("First post", "2024-01-01").Replace("title:", "author: Ann Writer\ntitle:", StringComparison.Ordinal));
        _first.WritePost("2024-01-02-two.md", Post("Second post", "2024-01-02").Replace("title:", "author: Ann Writer\ntitle:", StringComparison.Ordinal));
        _first.Catalog.Scan();
        _first.Catalog.SaveCache();

        var (next, _) = NextRun();
        next.Scan();
        var posts = next.Snapshot(_first.Time.GetUtcNow()).Posts;

        Assert.Equal(2, posts.Count);
        Assert.Equal(["news", "Cache Tests"], posts[0].Tags);
        Assert.Same(posts[0].Tags[0], posts[1].Tags[0]);
        Assert.Same(posts[0].Tags[1], posts[1].Tags[1]);
        Assert.Same(posts[0].Tags[0], posts[0].AllTags[0]);
        Assert.Equal("Ann Writer", posts[0].Author);
        Assert.Same(posts[0].Author, posts[1].Author);
        Assert.All(posts, post => Assert.Same(post.Url, post.Id));
    }

    [Fact]
    public void NextRun_ChangedFile_IsReadAgainAndTheOthersComeFromTheCache()
    {
        _first.WritePost("2024-01-01-one.md", Post("One", "2024-01-01", "Alpha"));
        _first.WritePost("2024-01-02-two.md", Post("Two", "2024-01-02", "Bravo"));
        _first.Catalog.Scan();
        _first.Catalog.SaveCache();

        _first.WritePost("2024-01-02-two.md", Post("Two, edited", "2024-01-02", "Charlie"));
        RewriteKeepingStamp("2024-01-01-one.md", "Alpha", "Zulu!");
        var (next, _) = NextRun();
        next.Scan();
        var posts = next.Snapshot(_first.Time.GetUtcNow()).Posts;

        Assert.Equal(["Two, edited", "One"], posts.Select(post => post.Title));
        Assert.Contains("Charlie", next.GetContent(posts[0]).Html, StringComparison.Ordinal);
        // Its HTML was never rendered: rendered now from the file as it is.
        Assert.Contains("Zulu!", next.GetContent(posts[1]).Html, StringComparison.Ordinal);
    }

    [Fact]
    public void NextRun_DeletedFileIsForgottenAndABadFileKeepsItsCachedLastGoodVersion()
    {
        _first.WritePost("2024-01-01-one.md", Post("One", "2024-01-01"));
        _first.WritePost("2024-01-02-two.md", Post("Two", "2024-01-02"));
        _first.Catalog.Scan();
        _first.Catalog.SaveCache();

        File.Delete(_first.PostPath("2024-01-01-one.md"));
        _first.WritePost("2024-01-02-two.md", "---\ntitle: Two\ndate: never\n---\nBody\n");
        var (next, _) = NextRun();
        next.Scan();
        var snapshot = next.Snapshot(_first.Time.GetUtcNow());

        // The file broke while nothing ran: the version the cache holds is its last good one, as in a running service.
        var kept = Assert.Single(snapshot.Posts);
        Assert.Equal(("2024-01-02-two.md", new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero)), (kept.File, kept.Date));
        Assert.Equal("date", Assert.Single(snapshot.Rejected).Field);

        // Kept in the cache again, so the run after still has it while the file stays broken.
        next.SaveCache();
        var (after, _) = NextRun();
        after.Scan();
        Assert.Equal("2024-01-02-two.md", Assert.Single(after.Snapshot(_first.Time.GetUtcNow()).Posts).File);
    }

    [Fact]
    public void NextRun_OtherSettings_CacheIsIgnoredAndPostsAreReadAgain()
    {
        _first.WritePost("2024-01-01-one.md", Post("One", "2024-01-01", "Alpha"));
        _first.Catalog.Scan();
        _first.Catalog.GetContent(Assert.Single(_first.Snapshot().Posts));
        _first.Catalog.SaveCache();
        RewriteKeepingStamp("2024-01-01-one.md", "Alpha", "Zulu!");

        var (next, log) = NextRun(new TestSite(baseUrl: "https://news.example.net/"));
        next.Scan();
        var post = Assert.Single(next.Snapshot(_first.Time.GetUtcNow()).Posts);

        Assert.Equal("https://news.example.net/2024/01/01/one/", post.Url);
        var html = next.GetContent(post).Html;
        Assert.Contains("Zulu!", html, StringComparison.Ordinal);
        Assert.Contains("https://news.example.net/about/", html, StringComparison.Ordinal);
        Assert.Contains(log.Entries, entry => entry.Id == 1013);
    }

    [Fact]
    public void NextRun_DamagedCache_WarnsOnceAndReadsEveryPost()
    {
        _first.WritePost("2024-01-01-one.md", Post("One", "2024-01-01"));
        _first.WritePost("2024-01-02-two.md", Post("Two", "2024-01-02"));
        _first.Catalog.Scan();
        _first.Catalog.SaveCache();
        var bytes = File.ReadAllBytes(CachePath);
        File.WriteAllBytes(CachePath, bytes[..(bytes.Length / 2)]);

        var (next, log) = NextRun();
        next.Scan();

        Assert.Equal(["Two", "One"], next.Snapshot(_first.Time.GetUtcNow()).Posts.Select(post => post.Title));
        var warning = Assert.Single(log.Entries, entry => entry.Id == 1014);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(CachePath, warning.Message, StringComparison.Ordinal);

        // The next save replaces the damaged file with a whole one.
        next.SaveCache();
        var (third, thirdLog) = NextRun();
        third.Scan();
        Assert.Equal(2, third.Snapshot(_first.Time.GetUtcNow()).Posts.Count);
        Assert.DoesNotContain(thirdLog.Entries, entry => entry.Id == 1014);
        Assert.Contains(thirdLog.Entries, entry => entry.Id == 1011);
    }

    [Fact]
    public void NextRun_DamagedCountsAndLengths_NeverThrowAndPostsStayRight()
    {
        _first.WritePost("2024-01-01-one.md", Post("One", "2024-01-01", "Alpha"));
        _first.WritePost("2024-01-02-two.md", Post("Two", "2024-01-02", "Bravo"));
        _first.Catalog.Scan();
        foreach (var post in _first.Snapshot().Posts)
        {
            _first.Catalog.GetContent(post);
        }

        _first.Catalog.SaveCache();
        var good = File.ReadAllBytes(CachePath);

        // A huge, a negative and a zero count or length at every fourth byte: whatever field it lands in.
        foreach (var value in (int[])[int.MaxValue, -8, 0])
        {
            for (var at = 0; at + 4 <= good.Length; at += 4)
            {
                var damaged = (byte[])good.Clone();
                BitConverter.TryWriteBytes(damaged.AsSpan(at), value);
                File.WriteAllBytes(CachePath, damaged);

                var (next, _) = NextRun();
                next.Scan();
                // Damage is caught by the checksums: the posts and their HTML are right, from the cache or from the files.
                var posts = next.Snapshot(_first.Time.GetUtcNow()).Posts;
                Assert.Equal(["Two", "One"], posts.Select(post => post.Title));
                Assert.Contains("Bravo", next.GetContent(posts[0]).Html, StringComparison.Ordinal);
                Assert.Contains("Alpha", next.GetContent(posts[1]).Html, StringComparison.Ordinal);

                next.SaveCache();
                next.Dispose();
            }
        }
    }

    [Fact]
    public void SaveCache_AfterALoad_CachedHtmlIsReadFromTheNewFile()
    {
        _first.WritePost("2024-01-01-one.md", Post("One", "2024-01-01", "Alpha"));
        _first.Catalog.Scan();
        var html = _first.Catalog.GetContent(Assert.Single(_first.Snapshot().Posts)).Html;
        _first.Catalog.SaveCache();

        var (next, log) = NextRun();
        next.Scan();
        var cached = Assert.Single(next.Snapshot(_first.Time.GetUtcNow()).Posts);
        // A new post makes the next save write a new file over the one the cached post's HTML lies in.
        _first.WritePost("2024-01-02-two.md", Post("Two", "2024-01-02", "Bravo"));
        next.Scan();
        next.SaveCache();
        RewriteKeepingStamp("2024-01-01-one.md", "Alpha", "Zulu!");

        Assert.Equal(html, next.GetContent(cached).Html);
        Assert.DoesNotContain(log.Entries, entry => entry.Id == 1014);
    }

    [Fact]
    public void NextRun_FileWrittenJustBeforeTheCache_IsReadAgain()
    {
        var path = _first.WritePost("2024-01-01-one.md", Post("Same second", "2024-01-01"));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        _first.Catalog.Scan();
        _first.Catalog.SaveCache();

        // Rewritten in the same clock tick with the same size: the stamp cannot tell, so the cache does not trust it.
        RewriteKeepingStamp("2024-01-01-one.md", "Same second", "Next second");
        var (next, _) = NextRun();
        next.Scan();

        Assert.Equal("Next second", Assert.Single(next.Snapshot(_first.Time.GetUtcNow()).Posts).Title);
    }

    [Fact]
    public void SaveCache_NothingNewSinceTheLastSave_DoesNotWriteAgain()
    {
        _first.WritePost("2024-01-01-one.md", Post("One", "2024-01-01"));
        _first.Catalog.Scan();
        _first.Catalog.SaveCache();
        var written = File.GetLastWriteTimeUtc(CachePath);
        File.SetLastWriteTimeUtc(CachePath, written.AddHours(-1));

        var (next, _) = NextRun();
        next.Scan();
        next.SaveCache();
        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(CachePath));

        // A rendered HTML is new: written, and the run after reads it from the cache.
        next.GetContent(Assert.Single(next.Snapshot(_first.Time.GetUtcNow()).Posts));
        next.SaveCache();
        Assert.NotEqual(written.AddHours(-1), File.GetLastWriteTimeUtc(CachePath));
    }

    [Fact]
    public void EmptyCacheFile_NoCacheIsWritten()
    {
        var site = new TestSite();
        site.Posts.CacheFile = "";
        using var harness = new CatalogHarness(site);
        harness.WritePost("2024-01-01-one.md", Post("One", "2024-01-01"));
        harness.Catalog.Scan();
        harness.Catalog.GetContent(Assert.Single(harness.Snapshot().Posts));
        harness.Catalog.SaveCache();
        harness.Catalog.Dispose();

        Assert.False(Directory.Exists(Path.Combine(harness.ContentRoot, "data")));
    }

    private static string Describe(Syndicate.Posts.Post post) => string.Join('|',
        post.File, post.Title, post.Date.ToString("O"), post.Updated.ToString("O"), post.Description, string.Join(',', post.Tags),
        string.Join(',', post.Categories), string.Join(',', post.AllTags), post.Author, post.AuthorEmail, post.Image, post.Slug,
        post.Permalink, post.Url, post.Id, post.IsDraft, post.BodyLine, post.Stamp, post.FullPath, post.LedgerKey);

    private sealed record Entry(int Id, LogLevel Level, string Message);

    private sealed class RecordingLogger : ILogger<PostCatalog>
    {
        private readonly ConcurrentQueue<Entry> _entries = new();

        public IReadOnlyList<Entry> Entries => _entries.ToArray();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _entries.Enqueue(new Entry(eventId.Id, logLevel, formatter(state, exception)));
    }
}
