using System.Text;
using System.Text.Json;
using Syndicate.Feeds;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Feeds;

public sealed class JsonFeedWriterTests
{
    [Fact]
    public void Write_ThreePosts_HasJsonFeed11FieldsItemByItem()
    {
        var entries = FeedTestPosts.Three();

        using var json = FeedParsing.Json(JsonFeedWriter.Write(FeedTestPosts.Context(entries, selfPath: "feed.json")));
        var root = json.RootElement;

        Assert.Equal("https://jsonfeed.org/version/1.1", root.GetProperty("version").GetString());
        Assert.Equal("Test Blog", root.GetProperty("title").GetString());
        Assert.Equal("https://example.org/blog/", root.GetProperty("home_page_url").GetString());
        Assert.Equal("https://example.org/blog/feed.json", root.GetProperty("feed_url").GetString());
        Assert.Equal("Posts for tests", root.GetProperty("description").GetString());
        Assert.Equal("en", root.GetProperty("language").GetString());
        Assert.Equal("Site Author", root.GetProperty("authors")[0].GetProperty("name").GetString());
        Assert.False(root.TryGetProperty("hubs", out _));
        var items = root.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, items.Count);
        for (var i = 0; i < 3; i++)
        {
            var post = entries[i].Post;
            Assert.Equal(post.Id, items[i].GetProperty("id").GetString());
            Assert.Equal(post.Url, items[i].GetProperty("url").GetString());
            Assert.Equal(post.Title, items[i].GetProperty("title").GetString());
            Assert.Equal(entries[i].Content.Html, items[i].GetProperty("content_html").GetString());
            Assert.Equal(entries[i].Content.SummaryText, items[i].GetProperty("summary").GetString());
            Assert.Equal(post.Date, items[i].GetProperty("date_published").GetDateTimeOffset());
            Assert.Equal(post.Updated, items[i].GetProperty("date_modified").GetDateTimeOffset());
            Assert.Equal(post.AllTags, items[i].TryGetProperty("tags", out var tags) ? tags.EnumerateArray().Select(t => t.GetString()) : []);
        }

        Assert.Equal("2024-05-03T10:00:00+02:00", items[0].GetProperty("date_published").GetString());
        Assert.Equal("2024-05-04T09:30:00Z", items[0].GetProperty("date_modified").GetString());
        Assert.Equal("Ada", items[0].GetProperty("authors")[0].GetProperty("name").GetString());
        Assert.Equal("The second one.", items[1].GetProperty("summary").GetString());
        Assert.False(items[2].TryGetProperty("tags", out _));
        Assert.False(items[2].TryGetProperty("authors", out _));
    }

    [Fact]
    public void Write_Hub_IsListedAsWebSub()
    {
        using var json = FeedParsing.Json(JsonFeedWriter.Write(FeedTestPosts.Context(FeedTestPosts.Three(), hub: "https://hub.example.com/")));

        var hub = Assert.Single(json.RootElement.GetProperty("hubs").EnumerateArray().ToList());
        Assert.Equal("WebSub", hub.GetProperty("type").GetString());
        Assert.Equal("https://hub.example.com/", hub.GetProperty("url").GetString());
    }

    [Fact]
    public void Write_Image_IsTheItemImage()
    {
        var entry = FeedTestPosts.Entry("2024-01-01-pic.md", "---\ntitle: Pic\nimage: /img/p.png\n---\nBody\n");

        using var json = FeedParsing.Json(JsonFeedWriter.Write(FeedTestPosts.Context([entry])));

        Assert.Equal("https://example.org/blog/img/p.png", json.RootElement.GetProperty("items")[0].GetProperty("image").GetString());
    }

    [Fact]
    public void Write_ScriptInTitleAndLoneSurrogates_StayEscapedValidJson()
    {
        var bytes = JsonFeedWriter.Write(FeedTestPosts.Context([FeedTestPosts.Hostile()]));
        var text = FeedParsing.Text(bytes);

        Assert.DoesNotContain("<script", text, StringComparison.OrdinalIgnoreCase);
        using var json = JsonDocument.Parse(bytes);
        var title = json.RootElement.GetProperty("items")[0].GetProperty("title").GetString()!;
        Assert.StartsWith("<script>alert('t')</script> A", title, StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(title) > 0 && title.EnumerateRunes().All(r => r != Rune.ReplacementChar || title.Contains('\uFFFD', StringComparison.Ordinal)));
        Assert.Equal(title, new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Encoding.UTF8.GetBytes(title)));
    }

    [Fact]
    public void Write_Bytes_EndWithNewlineAndNoBom()
    {
        var bytes = JsonFeedWriter.Write(FeedTestPosts.Context(FeedTestPosts.Three()));

        Assert.Equal((byte)'{', bytes[0]);
        Assert.Equal((byte)'\n', bytes[^1]);
        Assert.Equal("Third & last", JsonDocument.Parse(bytes).RootElement.GetProperty("items")[0].GetProperty("title").GetString());
        Assert.Contains("\\u0026", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }
}
