using System.Text;
using Microsoft.Extensions.Options;
using Syndicate.Posts;
using Syndicate.Site;

namespace Syndicate.Tests.Support;

/// <summary>Parser, renderer and options for one test site, with helpers to parse post text.</summary>
internal sealed class TestSite
{
    public const string DefaultBaseUrl = "https://example.org/blog/";

    public TestSite(string baseUrl = DefaultBaseUrl, string timeZone = "UTC", string permalink = "/:year/:month/:day/:slug/",
        long maxFileBytes = 5 * 1024 * 1024, string author = "", string title = "Test Blog")
    {
        Site = new SiteOptions
        {
            Title = title,
            Description = "Posts for tests",
            BaseUrl = baseUrl,
            Author = author,
            Language = "en",
            TimeZone = timeZone,
        };
        Posts = new PostsOptions { Folder = "posts", Permalink = permalink, MaxFileBytes = maxFileBytes };
        Parser = new PostParser(Options.Create(Site), Options.Create(Posts));
        Urls = new SiteUrls(baseUrl);
        Renderer = new PostRenderer(Urls);
    }

    public SiteOptions Site { get; }

    public PostsOptions Posts { get; }

    public PostParser Parser { get; }

    public SiteUrls Urls { get; }

    public PostRenderer Renderer { get; }

    public PostParseResult ParseResult(string file, string text) => ParseBytes(file, Encoding.UTF8.GetBytes(text));

    public PostParseResult ParseBytes(string file, byte[] bytes) =>
        Parser.Parse("/posts/" + file, file, bytes, new FileStamp(bytes.Length, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc)));

    /// <summary>Parses text that must give a post, failing with the diagnostics otherwise.</summary>
    public Post Parse(string file, string text) => Good(ParseResult(file, text));

    public static Post Good(PostParseResult result)
    {
        Assert.True(result.Post is not null, "expected a post, got: " + string.Join(" | ", result.Errors));
        Assert.Empty(result.Errors);
        return result.Post;
    }

    /// <summary>Parses text that must be rejected with exactly one diagnostic.</summary>
    public PostDiagnostic Reject(string file, string text) => Single(ParseResult(file, text));

    public static PostDiagnostic Single(PostParseResult result)
    {
        Assert.Null(result.Post);
        return Assert.Single(result.Errors);
    }

    public PostContent Render(Post post, string body) => Renderer.Render(post, body);

    /// <summary>Parses and renders a post given as front matter lines and a body.</summary>
    public (Post Post, PostContent Content) ParseAndRender(string file, string text)
    {
        var post = Parse(file, text);
        var source = PostSource.Read(file, System.Text.Encoding.UTF8.GetBytes(text), long.MaxValue, out var error);
        Assert.Null(error);
        return (post, Renderer.Render(post, source!.Body));
    }
}
