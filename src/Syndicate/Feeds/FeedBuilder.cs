using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Syndicate.Posts;
using Syndicate.Site;

namespace Syndicate.Feeds;

/// <summary>
/// Makes the feed documents from a catalog snapshot: RSS, Atom and JSON Feed for the site, RSS and
/// Atom per tag under <c>tags/{tag}/</c>. A feed whose items are the same post versions as last
/// time is not written again; only the posts a feed shows are ever rendered.
/// </summary>
internal sealed class FeedBuilder
{
    private readonly SiteOptions _site;
    private readonly SiteUrls _urls;
    private readonly FeedsOptions _options;
    private readonly PostCatalog _catalog;
    private readonly Dictionary<string, CachedFeed> _cache = new(StringComparer.Ordinal);

    // The service's entries, kept from one publish to the next when feeds are limited (Feeds:ItemLimit > 0, so at
    // most the limit per feed): after an edit, only the edited post's items are serialized again, the other items of
    // the feeds it is in are copied. Without a limit every item would stay in memory twice over; those are remade.
    private EntryCache? _kept;

    // Tags repeat across posts and publishes: each is made a slug once.
    private readonly ConcurrentDictionary<string, string> _tagSlugs = new(StringComparer.Ordinal);

    private readonly PostLedger? _ledger;
    private ILogger _logger = NullLogger.Instance;

    // Tag clashes already reported, so each is one log line, not one per publish.
    private readonly ConcurrentDictionary<string, byte> _reported = new(StringComparer.Ordinal);

    public FeedBuilder(IOptions<SiteOptions> site, IOptions<FeedsOptions> options, SiteUrls urls, PostCatalog catalog, PostLedger ledger,
        ILogger<FeedBuilder> logger)
        : this(site, options, urls, catalog)
    {
        _ledger = ledger;
        _logger = logger;
    }

    /// <summary>Where tags that share a feed, or get none, are reported (for tests of the plan alone).</summary>
    internal ILogger Logger { set => _logger = value; }

    /// <summary>Without a ledger: every item keeps its post's own id (for tests of the writers alone).</summary>
    public FeedBuilder(IOptions<SiteOptions> site, IOptions<FeedsOptions> options, SiteUrls urls, PostCatalog catalog)
    {
        _site = site.Value;
        _options = options.Value;
        _urls = urls;
        _catalog = catalog;
    }

    /// <summary>True without a ledger (ids are the posts' own) or once the ledger was read.</summary>
    public bool LedgerLoaded => _ledger?.IsLoaded ?? true;

    /// <summary>Records the snapshot's posts in the ledger (when there is one), so their items keep the id they were first published under.</summary>
    public async Task<LedgerUpdate?> RecordAsync(CatalogSnapshot snapshot, CancellationToken cancellationToken) =>
        _ledger is null ? null : await _ledger.RecordAsync(snapshot.Posts, cancellationToken);

    /// <summary>The path of every feed for this snapshot, with the posts it shows.</summary>
    public IReadOnlyList<FeedScope> Plan(CatalogSnapshot snapshot)
    {
        var scopes = new List<FeedScope> { new(null, null, Limit(snapshot.Posts)) };
        var byTag = new Dictionary<string, TagGroup>(StringComparer.Ordinal);
        foreach (var post in snapshot.Posts)
        {
            foreach (var tag in post.AllTags)
            {
                var slug = _tagSlugs.GetOrAdd(tag, static tag => Slug.Create(tag));
                if (slug.Length == 0)
                {
                    if (_reported.TryAdd("\0" + tag, 0))
                    {
                        FeedsLog.TagWithoutFeed(_logger, tag, post.File);
                    }

                    continue;
                }

                if (!byTag.TryGetValue(slug, out var group))
                {
                    byTag[slug] = group = new TagGroup(tag);
                }
                else
                {
                    group.Spelled(tag);
                }

                if (group.Posts.Count == 0 || !ReferenceEquals(group.Posts[^1], post))
                {
                    group.Posts.Add(post);
                }
            }
        }

        var slugs = byTag.Keys.ToArray();
        Array.Sort(slugs, StringComparer.Ordinal);
        foreach (var slug in slugs)
        {
            var group = byTag[slug];
            var name = group.Name;
            if (group.Clash() is { } names && _reported.TryAdd(slug + "\0" + string.Join('\0', names), 0))
            {
                FeedsLog.TagsShareFeed(_logger, string.Join(", ", names), $"tags/{slug}/", name);
            }

            scopes.Add(new FeedScope(slug, name, Limit(group.Posts)));
        }

        return scopes;
    }

    /// <summary>
    /// The documents of every scope, made one scope at a time so that a full-content build holds at
    /// most one scope's bytes. <paramref name="reuse"/> keeps the documents of unchanged scopes.
    /// </summary>
    public IEnumerable<FeedDocument> Build(IReadOnlyList<FeedScope> scopes, bool reuse)
    {
        var pending = scopes.Where(scope => !reuse || !IsCached(scope)).SelectMany(scope => scope.Posts).Distinct().ToArray();
        RenderAll(pending);

        var entries = reuse && _options.ItemLimit > 0 ? _kept ??= new EntryCache(_catalog, _ledger) : new EntryCache(_catalog, _ledger);
        PrepareItems(entries, pending);
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            foreach (var document in BuildScope(scope, reuse, entries))
            {
                live.Add(document.Path);
                yield return document;
            }
        }

        // Entries of posts no feed shows any more (edited, removed, pushed out by newer ones) go.
        _kept?.KeepOnly(new HashSet<Post>(scopes.SelectMany(scope => scope.Posts), ReferenceEqualityComparer.Instance));
        if (reuse)
        {
            foreach (var stale in _cache.Keys.Where(key => !live.Contains(key)).ToList())
            {
                _cache.Remove(stale);
            }
        }
    }

    /// <summary>
    /// Hands every feed file of every scope to <paramref name="write"/>, which streams it where it
    /// belongs (<c>build</c>: no document is held in memory). Several files are written at once,
    /// largest scopes first; the results come back in plan order.
    /// </summary>
    public IReadOnlyList<T> Stream<T>(IReadOnlyList<FeedScope> scopes, Func<FeedFile, T> write)
    {
        var posts = scopes.SelectMany(scope => scope.Posts).Distinct().ToArray();
        RenderAll(posts);

        var entries = new EntryCache(_catalog, _ledger);
        PrepareItems(entries, posts);
        var files = new List<PlannedFile>();
        foreach (var scope in scopes)
        {
            foreach (var (path, kind) in Paths(scope))
            {
                files.Add(new PlannedFile(files.Count, scope, path, kind));
            }
        }

        var results = new T[files.Count];
        var largestFirst = files.ToArray();
        Array.Sort(largestFirst, (a, b) => a.Scope.Posts.Count != b.Scope.Posts.Count ? b.Scope.Posts.Count.CompareTo(a.Scope.Posts.Count) : a.Index.CompareTo(b.Index));
        // One file per core: more threads only add buffers and GC heaps, not throughput.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.ForEach(Partitioner.Create(largestFirst, EnumerablePartitionerOptions.NoBuffering), parallel, file =>
        {
            var context = Context(file.Scope, file.Path, entries.For(file.Scope.Posts, file.Kind));
            results[file.Index] = write(new FeedFile(file.Path, ContentType(file.Kind), stream => Write(file.Kind, context, stream)));
        });
        return results;
    }

    private IEnumerable<FeedDocument> BuildScope(FeedScope scope, bool reuse, EntryCache entries)
    {
        foreach (var (path, kind) in Paths(scope))
        {
            if (reuse && _cache.TryGetValue(path, out var cached) && cached.Posts.SequenceEqual(scope.Posts))
            {
                yield return cached.Document;
                continue;
            }

            var context = Context(scope, path, entries.For(scope.Posts, kind));
            var body = kind switch
            {
                FeedKind.Rss => RssFeedWriter.Write(context),
                FeedKind.Atom => AtomFeedWriter.Write(context),
                _ => JsonFeedWriter.Write(context),
            };
            var document = FeedDocument.Create(path, ContentType(kind), body);
            if (reuse)
            {
                _cache[path] = new CachedFeed(scope.Posts, document);
            }

            yield return document;
        }
    }

    private static (string Path, FeedKind Kind)[] Paths(FeedScope scope) => scope.Slug is null
        ? [("feed.xml", FeedKind.Rss), ("atom.xml", FeedKind.Atom), ("feed.json", FeedKind.Json)]
        : [($"tags/{scope.Slug}/feed.xml", FeedKind.Rss), ($"tags/{scope.Slug}/atom.xml", FeedKind.Atom)];

    private static string ContentType(FeedKind kind) => kind switch
    {
        FeedKind.Rss => FeedDocument.RssType,
        FeedKind.Atom => FeedDocument.AtomType,
        _ => FeedDocument.JsonType,
    };

    private static void Write(FeedKind kind, FeedContext context, Stream stream)
    {
        switch (kind)
        {
            case FeedKind.Rss:
                RssFeedWriter.Write(context, stream);
                break;
            case FeedKind.Atom:
                AtomFeedWriter.Write(context, stream);
                break;
            default:
                JsonFeedWriter.Write(context, stream);
                break;
        }
    }

    private FeedContext Context(FeedScope scope, string path, FeedEntry[] entries)
    {
        // The feed's date is its newest item's, never the build time: a rebuild gives the same bytes.
        var updated = entries.Length == 0 ? DateTimeOffset.UnixEpoch : entries[0].Post.Updated;
        foreach (var entry in entries)
        {
            if (entry.Post.Updated > updated)
            {
                updated = entry.Post.Updated;
            }
        }

        // Without Site:Title the site is named by its address, in its own feeds and before each tag's name (not ": dotnet").
        var site = string.IsNullOrWhiteSpace(_site.Title) ? _urls.Home : _site.Title;
        var title = scope.Name is null ? site : $"{site}: {scope.Name}";
        var description = scope.Name is null ? _site.Description : $"Posts tagged {scope.Name}. {_site.Description}".Trim();
        return new FeedContext(
            Title: title,
            Description: description,
            HomeUrl: _urls.Home,
            SelfUrl: _urls.AbsoluteEncoded("/" + path),
            Hub: string.IsNullOrWhiteSpace(_options.WebSubHub) ? null : _options.WebSubHub.Trim(),
            Language: string.IsNullOrWhiteSpace(_site.Language) ? "en" : _site.Language,
            Author: string.IsNullOrWhiteSpace(_site.Author) ? null : _site.Author,
            Updated: updated,
            Entries: entries);
    }

    /// <summary>
    /// Makes the RSS items and Atom entries of <paramref name="posts"/> that are not made yet, in batches on every core,
    /// ahead of the feeds that copy them: one formatter run per batch instead of one per item.
    /// </summary>
    private static void PrepareItems(EntryCache entries, IReadOnlyList<Post> posts)
    {
        var batches = entries.For(posts, FeedKind.Rss).Chunk(ItemBatch).ToArray();
        var work = batches.Select(batch => (Action)(() => RssFeedWriter.Prepare(batch)))
            .Concat(batches.Select(batch => (Action)(() => AtomFeedWriter.Prepare(batch))))
            .ToArray();
        Parallel.ForEach(work, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, make => make());
    }

    /// <summary>Items per formatter run: enough to spread its fixed cost, few enough to keep both cores busy.</summary>
    private const int ItemBatch = 32;

    private void RenderAll(IReadOnlyList<Post> posts)
    {
        var toRender = posts.Where(post => post.Content is null).ToArray();
        if (toRender.Length > 8)
        {
            Parallel.ForEach(toRender, post => _catalog.GetContent(post));
        }
        else
        {
            foreach (var post in toRender)
            {
                _catalog.GetContent(post);
            }
        }
    }

    private bool IsCached(FeedScope scope)
    {
        var path = scope.Slug is null ? "feed.xml" : $"tags/{scope.Slug}/feed.xml";
        return _cache.TryGetValue(path, out var cached) && cached.Posts.SequenceEqual(scope.Posts);
    }

    private IReadOnlyList<Post> Limit(IReadOnlyList<Post> posts) =>
        _options.ItemLimit > 0 && posts.Count > _options.ItemLimit ? posts.Take(_options.ItemLimit).ToArray() : posts;

    private enum FeedKind
    {
        Rss,
        Atom,
        Json,
    }

    private sealed record CachedFeed(IReadOnlyList<Post> Posts, FeedDocument Document);

    // Classes rather than tuples here: a tuple in a generic collection costs a one-shot build its own compiled code.
    /// <summary>
    /// The posts of one tag feed and the ways its tag is written. Tags whose names make the same address (Go and go,
    /// or C++ and C#) share the feed; it is named after the spelling most posts use (the first in ordinal order on a
    /// tie), so its title does not change with whichever post is newest.
    /// </summary>
    private sealed class TagGroup(string first)
    {
        private Dictionary<string, int>? _spellings;

        public List<Post> Posts { get; } = [];

        public string Name => _spellings is null
            ? first
            : _spellings.OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key, StringComparer.Ordinal).First().Key;

        public void Spelled(string tag)
        {
            if (_spellings is null)
            {
                if (string.Equals(tag, first, StringComparison.Ordinal))
                {
                    return;
                }

                _spellings = new Dictionary<string, int>(StringComparer.Ordinal) { [first] = Posts.Count };
            }

            _spellings[tag] = _spellings.GetValueOrDefault(tag) + 1;
        }

        /// <summary>The different tags (not only in case) sharing this feed, sorted; null when there is one.</summary>
        public string[]? Clash()
        {
            if (_spellings is null)
            {
                return null;
            }

            var names = _spellings.Keys.DistinctBy(key => key.ToUpperInvariant()).Order(StringComparer.Ordinal).ToArray();
            return names.Length > 1 ? names : null;
        }
    }

    /// <summary>One file of a <see cref="Stream{T}"/>: its place in the plan, its scope, path and format.</summary>
    private sealed record PlannedFile(int Index, FeedScope Scope, string Path, FeedKind Kind);

    private sealed class EntryPair(FeedEntry raw, FeedEntry xml)
    {
        public FeedEntry Raw { get; } = raw;

        public FeedEntry Xml { get; } = xml;
    }

    /// <summary>
    /// The entries of one build, made once per post however many feeds show it. The XML feeds get
    /// the HTML with the characters XML cannot hold already removed, once per post instead of once
    /// per feed; JSON Feed, which can escape them, gets the HTML as rendered.
    /// </summary>
    private sealed class EntryCache(PostCatalog catalog, PostLedger? ledger)
    {
        private readonly ConcurrentDictionary<Post, EntryPair> _entries = new(ReferenceEqualityComparer.Instance);

        public FeedEntry[] For(IReadOnlyList<Post> posts, FeedKind kind)
        {
            var entries = new FeedEntry[posts.Count];
            for (var i = 0; i < entries.Length; i++)
            {
                var post = posts[i];
                if (!_entries.TryGetValue(post, out var pair))
                {
                    pair = Make(post, catalog, ledger);
                    // Content that could not be read (the file went away meanwhile) is not kept on the post:
                    // neither is its entry, so the next build reads the file again.
                    if (ReferenceEquals(post.Content, pair.Raw.Content))
                    {
                        pair = _entries.GetOrAdd(post, pair);
                    }
                }

                entries[i] = kind == FeedKind.Json ? pair.Raw : pair.Xml;
            }

            return entries;
        }

        /// <summary>Forgets the entries of every post not in <paramref name="posts"/> (by reference: an edit makes a new post).</summary>
        public void KeepOnly(HashSet<Post> posts)
        {
            foreach (var post in _entries.Keys)
            {
                if (!posts.Contains(post))
                {
                    _entries.TryRemove(post, out _);
                }
            }
        }

        private static EntryPair Make(Post post, PostCatalog catalog, PostLedger? ledger)
        {
            var content = catalog.GetContent(post);
            var html = XmlText.Clean(content.Html);
            var excerpt = XmlText.Clean(content.ExcerptHtml);
            var id = ledger?.FeedIdOf(post) ?? post.Id;
            var raw = new FeedEntry(post, content) { Id = id };
            return ReferenceEquals(html, content.Html) && ReferenceEquals(excerpt, content.ExcerptHtml)
                ? new EntryPair(raw, raw)
                : new EntryPair(raw, new FeedEntry(post, content with { Html = html, ExcerptHtml = excerpt }) { Id = id });
        }
    }
}

/// <summary>One feed file to write: its path, type and date, and how to write its bytes to a stream.</summary>
internal sealed record FeedFile(string Path, string ContentType, Action<Stream> WriteTo);

/// <summary>The posts of one feed family: the whole site (no slug) or one tag.</summary>
internal sealed record FeedScope(string? Slug, string? Name, IReadOnlyList<Post> Posts);
