using System.Net;
using System.ServiceModel.Syndication;
using System.Text;
using System.Xml.Linq;
using Syndicate.Feeds;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Feeds;

public sealed class RssFeedWriterTests
{
    [Fact]
    public void Write_ThreePosts_SyndicationFeedReadsEveryItem()
    {
        var entries = FeedTestPosts.Three();

        var feed = FeedParsing.Syndication(RssFeedWriter.Write(FeedTestPosts.Context(entries)));

        Assert.Equal("Test Blog", feed.Title.Text);
        Assert.Equal("Posts for tests", feed.Description.Text);
        Assert.Equal("en", feed.Language);
        Assert.Equal(new DateTimeOffset(2024, 5, 4, 9, 30, 0, TimeSpan.Zero), feed.LastUpdatedTime);
        var items = feed.Items.ToList();
        Assert.Equal(3, items.Count);
        for (var i = 0; i < 3; i++)
        {
            var post = entries[i].Post;
            Assert.Equal(post.Id, items[i].Id);
            Assert.Equal(post.Title, items[i].Title.Text);
            Assert.Equal(new Uri(post.Url), Assert.Single(items[i].Links).Uri);
            Assert.Equal(post.Date, items[i].PublishDate);
            Assert.Equal(post.AllTags, items[i].Categories.Select(c => c.Name));
            Assert.Equal(entries[i].Content.ExcerptHtml, items[i].Summary.Text);
            Assert.Equal(entries[i].Content.Html, Assert.Single(items[i].ElementExtensions.ReadElementExtensions<string>("encoded", RssFeedWriter.ContentNamespace)));
        }

        Assert.Equal(["Third & last", "Second", "First"], items.Select(item => item.Title.Text));
        Assert.Equal("https://example.org/blog/2024/05/03/third/", items[0].Id);
        Assert.Equal("urn:uuid:0e6ba7a1-2c39-4d5e-8a9b-6b8e1d0c5f11", items[1].Id);
        Assert.Equal(["dotnet", "feeds"], items[0].Categories.Select(c => c.Name));
        Assert.Equal(["News"], items[1].Categories.Select(c => c.Name));
        Assert.Equal(new DateTimeOffset(2024, 5, 3, 8, 0, 0, TimeSpan.Zero), items[0].PublishDate);
    }

    [Fact]
    public void Write_ThreePosts_FeedReaderReadsEveryItem()
    {
        var entries = FeedTestPosts.Three();

        var feed = FeedParsing.FeedReader(RssFeedWriter.Write(FeedTestPosts.Context(entries)));

        Assert.Equal(CodeHollow.FeedReader.FeedType.Rss_2_0, feed.Type);
        Assert.Equal("Test Blog", feed.Title);
        Assert.Equal("https://example.org/blog/", feed.Link);
        Assert.Equal(3, feed.Items.Count);
        var items = feed.Items.ToList();
        for (var i = 0; i < 3; i++)
        {
            var post = entries[i].Post;
            Assert.Equal(post.Id, items[i].Id);
            Assert.Equal(post.Title, items[i].Title);
            Assert.Equal(post.Url, items[i].Link);
            Assert.Equal(post.Date.UtcDateTime, items[i].PublishingDate?.ToUniversalTime());
            Assert.Equal(post.AllTags, items[i].Categories);
            // FeedReader hands back content with HTML entities decoded (&#8617; as the character).
            Assert.Equal(WebUtility.HtmlDecode(entries[i].Content.Html), items[i].Content);
            Assert.Equal(entries[i].Content.ExcerptHtml, items[i].Description);
        }
    }

    [Fact]
    public void Write_ContentEncoded_HoldsFullAbsoluteHtml()
    {
        var entries = FeedTestPosts.Three();
        var xml = FeedParsing.Xml(RssFeedWriter.Write(FeedTestPosts.Context(entries)));

        var encoded = xml.Descendants("item").First().Element(FeedParsing.Content + "encoded")!.Value;

        Assert.Contains("<em>HTML</em>", encoded, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://example.org/blog/x/\">a link</a>", encoded, StringComparison.Ordinal);
        Assert.Contains("<table>", encoded, StringComparison.Ordinal);
        var footnote = xml.Descendants("item").Last().Element(FeedParsing.Content + "encoded")!.Value;
        Assert.Matches("href=\"https://example\\.org/blog/[^\"#]+#fn:1\"", footnote);
    }

    [Fact]
    public void Write_Authors_EmailAsAuthorNameAsDcCreator()
    {
        var xml = FeedParsing.Xml(RssFeedWriter.Write(FeedTestPosts.Context(FeedTestPosts.Three())));
        var items = xml.Descendants("item").ToList();

        Assert.Equal("ada@example.org (Ada)", items[0].Element("author")!.Value);
        Assert.Null(items[0].Element(FeedParsing.Dc + "creator"));
        Assert.Equal("Grace", items[1].Element(FeedParsing.Dc + "creator")!.Value);
        Assert.Null(items[2].Element(FeedParsing.Dc + "creator"));
    }

    [Fact]
    public void Write_SelfLink_IsAtomLinkRelSelf()
    {
        var xml = FeedParsing.Xml(RssFeedWriter.Write(FeedTestPosts.Context(FeedTestPosts.Three())));

        var links = xml.Root!.Element("channel")!.Elements(FeedParsing.Atom + "link").ToList();

        var self = Assert.Single(links);
        Assert.Equal("self", self.Attribute("rel")?.Value);
        Assert.Equal("https://example.org/blog/feed.xml", self.Attribute("href")?.Value);
        Assert.Equal("application/rss+xml", self.Attribute("type")?.Value);
    }

    [Fact]
    public void Write_Hub_IsAtomLinkRelHub()
    {
        var bytes = RssFeedWriter.Write(FeedTestPosts.Context(FeedTestPosts.Three(), hub: "https://hub.example.com/"));

        var links = FeedParsing.Xml(bytes).Root!.Element("channel")!.Elements(FeedParsing.Atom + "link").ToList();
        Assert.Equal(["self", "hub"], links.Select(l => l.Attribute("rel")?.Value));
        Assert.Equal("https://hub.example.com/", links[1].Attribute("href")?.Value);
        Assert.Contains(FeedParsing.Syndication(bytes).Links, l => l.RelationshipType == "hub" && l.Uri == new Uri("https://hub.example.com/"));
    }

    [Fact]
    public void Write_CharactersXmlForbids_AreRemovedAndFeedParses()
    {
        var bytes = RssFeedWriter.Write(FeedTestPosts.Context([FeedTestPosts.Hostile()]));

        var xml = FeedParsing.Xml(bytes);
        var item = xml.Descendants("item").Single();
        Assert.Equal(FeedTestPosts.HostileTitleCleaned, item.Element("title")!.Value);
        Assert.Equal("<p>xyzw</p><script>alert('b')</script>", item.Element(FeedParsing.Content + "encoded")!.Value);
        Assert.Equal("ab", item.Element("category")!.Value);
        Assert.Equal(FeedTestPosts.HostileTitleCleaned, FeedParsing.FeedReader(bytes).Items.Single().Title);
        Assert.Equal(FeedTestPosts.HostileTitleCleaned, FeedParsing.Syndication(bytes).Items.Single().Title.Text);
    }

    [Fact]
    public void Write_ScriptInTitleAndBody_IsEscapedTextNeverMarkup()
    {
        var bytes = RssFeedWriter.Write(FeedTestPosts.Context([FeedTestPosts.Hostile()]));
        var text = Encoding.UTF8.GetString(bytes);

        Assert.DoesNotContain("<script", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<title>&lt;script&gt;alert('t')&lt;/script&gt; ABCDEF", text, StringComparison.Ordinal);
        Assert.Empty(FeedParsing.Xml(bytes).Descendants("script"));
    }

    [Fact]
    public void Write_NoPosts_IsAValidEmptyChannel()
    {
        var bytes = RssFeedWriter.Write(FeedTestPosts.Context([]));

        var feed = FeedParsing.Syndication(bytes);
        Assert.Empty(feed.Items);
        Assert.Equal(DateTimeOffset.UnixEpoch, feed.LastUpdatedTime);
        Assert.Empty(FeedParsing.FeedReader(bytes).Items);
    }

    [Fact]
    public void Write_Bytes_AreUtf8WithoutBomAndLfOnly()
    {
        var bytes = RssFeedWriter.Write(FeedTestPosts.Context(FeedTestPosts.Three()));

        Assert.True(bytes.AsSpan().StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss"u8));
        Assert.DoesNotContain((byte)'\r', bytes);
        Assert.Equal("2.0", XDocument.Parse(Encoding.UTF8.GetString(bytes)).Root!.Attribute("version")?.Value);
    }
}
