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

    public FeedBuilder(IOptions<SiteOptions> site, IOptions<FeedsOptions> options, SiteUrls urls, PostCatalog catalog)
    {
        _site = site.Value;
        _options = options.Value;
        _urls = urls;
        _catalog = catalog;
    }

    /// <summary>The path of every feed for this snapshot, with the posts it shows.</summary>
    public IReadOnlyList<FeedScope> Plan(CatalogSnapshot snapshot)
    {
        var scopes = new List<FeedScope> { new(null, null, Limit(snapshot.Posts)) };
        var byTag = new SortedDictionary<string, (string Name, List<Post> Posts)>(StringComparer.Ordinal);
        foreach (var post in snapshot.Posts)
        {
            foreach (var tag in post.AllTags)
            {
                var slug = Slug.Create(tag);
                if (slug.Length == 0)
                {
                    continue;
                }

                if (!byTag.TryGetValue(slug, out var group))
                {
                    byTag[slug] = group = (tag, []);
                }

                if (group.Posts.Count == 0 || !ReferenceEquals(group.Posts[^1], post))
                {
                    group.Posts.Add(post);
                }
            }
        }

        foreach (var (slug, group) in byTag)
        {
            scopes.Add(new FeedScope(slug, group.Name, Limit(group.Posts)));
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

        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            foreach (var document in BuildScope(scope, reuse))
            {
                live.Add(document.Path);
                yield return document;
            }
        }

        if (reuse)
        {
            foreach (var stale in _cache.Keys.Where(key => !live.Contains(key)).ToList())
            {
                _cache.Remove(stale);
            }
        }
    }

    private IEnumerable<FeedDocument> BuildScope(FeedScope scope, bool reuse)
    {
        var paths = scope.Slug is null
            ? new[] { ("feed.xml", FeedKind.Rss), ("atom.xml", FeedKind.Atom), ("feed.json", FeedKind.Json) }
            : [($"tags/{scope.Slug}/feed.xml", FeedKind.Rss), ($"tags/{scope.Slug}/atom.xml", FeedKind.Atom)];

        FeedEntry[]? entries = null;
        foreach (var (path, kind) in paths)
        {
            if (reuse && _cache.TryGetValue(path, out var cached) && cached.Posts.SequenceEqual(scope.Posts))
            {
                yield return cached.Document;
                continue;
            }

            entries ??= scope.Posts.Select(post => new FeedEntry(post, _catalog.GetContent(post))).ToArray();
            var context = Context(scope, path, entries);
            var (contentType, body) = kind switch
            {
                FeedKind.Rss => (FeedDocument.RssType, RssFeedWriter.Write(context)),
                FeedKind.Atom => (FeedDocument.AtomType, AtomFeedWriter.Write(context)),
                _ => (FeedDocument.JsonType, JsonFeedWriter.Write(context)),
            };
            var document = FeedDocument.Create(path, contentType, body, context.Updated);
            if (reuse)
            {
                _cache[path] = new CachedFeed(scope.Posts, document);
            }

            yield return document;
        }
    }

    private FeedContext Context(FeedScope scope, string path, FeedEntry[] entries)
    {
        // The feed's date is its newest item's, never the build time: a rebuild gives the same bytes.
        var updated = entries.Length == 0 ? DateTimeOffset.UnixEpoch : entries.Max(entry => entry.Post.Updated);
        var title = scope.Name is null ? _site.Title : $"{_site.Title}: {scope.Name}";
        var description = scope.Name is null ? _site.Description : $"Posts tagged {scope.Name}. {_site.Description}".Trim();
        return new FeedContext(
            Title: string.IsNullOrWhiteSpace(title) ? _urls.Home : title,
            Description: description,
            HomeUrl: _urls.Home,
            SelfUrl: _urls.Absolute("/" + string.Join('/', path.Split('/').Select(Uri.EscapeDataString))),
            Hub: string.IsNullOrWhiteSpace(_options.WebSubHub) ? null : _options.WebSubHub.Trim(),
            Language: string.IsNullOrWhiteSpace(_site.Language) ? "en" : _site.Language,
            Author: string.IsNullOrWhiteSpace(_site.Author) ? null : _site.Author,
            Updated: updated,
            Entries: entries);
    }

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
}

/// <summary>The posts of one feed family: the whole site (no slug) or one tag.</summary>
internal sealed record FeedScope(string? Slug, string? Name, IReadOnlyList<Post> Posts);
