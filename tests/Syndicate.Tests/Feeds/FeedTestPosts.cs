using Syndicate.Feeds;
using Syndicate.Posts;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Feeds;

/// <summary>Posts for the writer tests: parsed and rendered the real way, or built directly for characters no file can hold.</summary>
internal static class FeedTestPosts
{
    public static readonly TestSite Site = new();

    public static FeedEntry Entry(string file, string text)
    {
        var (post, content) = Site.ParseAndRender(file, text);
        return new FeedEntry(post, content);
    }

    /// <summary>Three posts, newest first as the catalog gives them: tags, an author with and without email, an explicit id.</summary>
    public static IReadOnlyList<FeedEntry> Three() =>
    [
        Entry("2024-05-03-third.md", "---\ntitle: Third & last\ndate: 2024-05-03T10:00:00+02:00\nupdated: 2024-05-04T09:30:00Z\ntags: [dotnet, feeds]\nauthor:\n  name: Ada\n  email: ada@example.org\n---\nThird body with <em>HTML</em> and [a link](/x/).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"),
        Entry("2024-05-02-second.md", "---\ntitle: Second\ndate: 2024-05-02 08:00\nid: urn:uuid:0e6ba7a1-2c39-4d5e-8a9b-6b8e1d0c5f11\ncategories: News\nauthor: Grace\ndescription: The second one.\n---\nSecond body.\n"),
        Entry("2024-05-01-first.md", "---\ntitle: First\n---\nFirst body.[^1]\n\n[^1]: Note.\n"),
    ];

    public static FeedContext Context(IReadOnlyList<FeedEntry> entries, string? hub = null, string selfPath = "feed.xml", string? author = "Site Author") =>
        new(
            Title: "Test Blog",
            Description: "Posts for tests",
            HomeUrl: "https://example.org/blog/",
            SelfUrl: "https://example.org/blog/" + selfPath,
            Hub: hub,
            Language: "en",
            Author: author,
            Updated: entries.Count == 0 ? DateTimeOffset.UnixEpoch : entries.Max(e => e.Post.Updated),
            Entries: entries);

    /// <summary>A post holding characters XML 1.0 forbids and markup in its title, which no parsed file can produce as is.</summary>
    public static FeedEntry Hostile()
    {
        var post = new Post
        {
            File = "hostile.md",
            FullPath = "/posts/hostile.md",
            Stamp = default,
            Title = "<script>alert('t')</script> A\u0001B\u001BC\uD800D\uDC00E\uFFFEF \U0001F600",
            Date = new DateTimeOffset(2024, 6, 1, 12, 0, 0, TimeSpan.Zero),
            Updated = new DateTimeOffset(2024, 6, 1, 12, 0, 0, TimeSpan.Zero),
            Slug = "hostile",
            Permalink = "/2024/06/01/hostile/",
            Url = "https://example.org/blog/2024/06/01/hostile/",
            Id = "https://example.org/blog/2024/06/01/hostile/",
            AllTags = ["a\u0002b"],
            Tags = ["a\u0002b"],
        };
        var content = new PostContent(
            "<p>x\u0001y\u001Bz\uD800w</p><script>alert('b')</script>",
            "<p>x\u0001y</p>",
            "x\u0001y");
        return new FeedEntry(post, content);
    }

    public const string HostileTitleCleaned = "<script>alert('t')</script> ABCDEF \U0001F600";
}
