using System.Net;
using System.ServiceModel.Syndication;
using System.Text;
using Syndicate.Feeds;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Feeds;

public sealed class AtomFeedWriterTests
{
    private static readonly System.Xml.Linq.XNamespace A = FeedParsing.Atom;

    [Fact]
    public void Write_IdThatIsNoUri_AtomGetsAStableUrnWhileRssAndJsonKeepIt()
    {
        var entry = FeedTestPosts.Entry("2024-05-05-numbered.md", "---\ntitle: Numbered\ndate: 2024-05-05\nid: 42\n---\nBody.\n");
        var context = FeedTestPosts.Context([entry], selfPath: "atom.xml");

        var atomId = FeedParsing.Xml(AtomFeedWriter.Write(context)).Descendants(A + "entry").Single().Element(A + "id")!.Value;
        var rssGuid = FeedParsing.Xml(RssFeedWriter.Write(context)).Descendants("item").Single().Element("guid")!;
        var jsonId = System.Text.Json.JsonDocument.Parse(JsonFeedWriter.Write(context)).RootElement.GetProperty("items")[0].GetProperty("id").GetString();

        Assert.Equal(AtomIds.For("42"), atomId);
        Assert.StartsWith("urn:uuid:", atomId, StringComparison.Ordinal);
        Assert.Equal(("42", "false"), (rssGuid.Value, rssGuid.Attribute("isPermaLink")?.Value));
        Assert.Equal("42", jsonId);
        var warning = Assert.Single(entry.Post.Warnings);
        Assert.Equal(("id", 4), (warning.Field, warning.Line));
        Assert.Contains($"42 is not a URI; RSS and JSON Feed carry it as written, but an Atom entry's id must be a URI, so atom.xml gives this post {atomId}",
            warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ThreePosts_SyndicationFeedReadsEveryEntry()
    {
        var entries = FeedTestPosts.Three();

        var feed = FeedParsing.Syndication(AtomFeedWriter.Write(FeedTestPosts.Context(entries, selfPath: "atom.xml")));

        Assert.Equal("https://example.org/blog/atom.xml", feed.Id);
        Assert.Equal("Test Blog", feed.Title.Text);
        Assert.Equal("Posts for tests", feed.Description.Text);
        Assert.Equal(new DateTimeOffset(2024, 5, 4, 9, 30, 0, TimeSpan.Zero), feed.LastUpdatedTime);
        Assert.Equal("Site Author", Assert.Single(feed.Authors).Name);
        var items = feed.Items.ToList();
        Assert.Equal(3, items.Count);
        for (var i = 0; i < 3; i++)
        {
            var post = entries[i].Post;
            Assert.Equal(post.Id, items[i].Id);
            Assert.Equal(post.Title, items[i].Title.Text);
            var alternate = Assert.Single(items[i].Links);
            Assert.Equal(("alternate", new Uri(post.Url)), (alternate.RelationshipType, alternate.Uri));
            Assert.Equal(post.Date, items[i].PublishDate);
            Assert.Equal(post.Updated, items[i].LastUpdatedTime);
            Assert.Equal(post.AllTags, items[i].Categories.Select(c => c.Name));
            var content = Assert.IsType<TextSyndicationContent>(items[i].Content);
            Assert.Equal("html", content.Type);
            Assert.Equal(entries[i].Content.Html, content.Text);
            Assert.Equal(entries[i].Content.ExcerptHtml, items[i].Summary.Text);
        }

        Assert.Equal(new DateTimeOffset(2024, 5, 4, 9, 30, 0, TimeSpan.Zero), items[0].LastUpdatedTime);
        Assert.Equal(("Ada", "ada@example.org"), (items[0].Authors.Single().Name, items[0].Authors.Single().Email));
        Assert.Equal("Grace", items[1].Authors.Single().Name);
        Assert.Empty(items[2].Authors);
    }

    [Fact]
    public void Write_ThreePosts_FeedReaderReadsEveryEntry()
    {
        var entries = FeedTestPosts.Three();

        var feed = FeedParsing.FeedReader(AtomFeedWriter.Write(FeedTestPosts.Context(entries, selfPath: "atom.xml")));

        Assert.Equal(CodeHollow.FeedReader.FeedType.Atom, feed.Type);
        Assert.Equal("Test Blog", feed.Title);
        var items = feed.Items.ToList();
        Assert.Equal(3, items.Count);
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
        }
    }

    [Fact]
    public void Write_Links_SelfAlternateAndHub()
    {
        var bytes = AtomFeedWriter.Write(FeedTestPosts.Context(FeedTestPosts.Three(), hub: "https://hub.example.com/", selfPath: "atom.xml"));

        var links = FeedParsing.Xml(bytes).Root!.Elements(A + "link")
            .Select(l => (l.Attribute("rel")?.Value, l.Attribute("href")?.Value)).ToList();

        Assert.Equal(
            [("alternate", "https://example.org/blog/"), ("self", "https://example.org/blog/atom.xml"), ("hub", "https://hub.example.com/")],
            links);
    }

    [Fact]
    public void Write_NoHub_HasNoHubLink()
    {
        var bytes = AtomFeedWriter.Write(FeedTestPosts.Context(FeedTestPosts.Three(), selfPath: "atom.xml"));

        Assert.DoesNotContain(FeedParsing.Xml(bytes).Root!.Elements(A + "link"), l => l.Attribute("rel")?.Value == "hub");
    }

    [Fact]
    public void Write_NoSiteAuthor_FeedAuthorIsTheTitle()
    {
        // RFC 4287 4.1.1: a feed needs an author when not every entry has one.
        var bytes = AtomFeedWriter.Write(FeedTestPosts.Context(FeedTestPosts.Three(), author: null));

        Assert.Equal("Test Blog", FeedParsing.Xml(bytes).Root!.Element(A + "author")!.Element(A + "name")!.Value);
    }

    [Fact]
    public void Write_CharactersXmlForbids_AreRemovedAndFeedParses()
    {
        var bytes = AtomFeedWriter.Write(FeedTestPosts.Context([FeedTestPosts.Hostile()]));

        var entry = FeedParsing.Xml(bytes).Root!.Element(A + "entry")!;
        Assert.Equal(FeedTestPosts.HostileTitleCleaned, entry.Element(A + "title")!.Value);
        Assert.Equal("<p>xyzw</p><script>alert('b')</script>", entry.Element(A + "content")!.Value);
        Assert.Equal("ab", entry.Element(A + "category")!.Attribute("term")!.Value);
        Assert.Equal(FeedTestPosts.HostileTitleCleaned, FeedParsing.FeedReader(bytes).Items.Single().Title);
        Assert.Equal(FeedTestPosts.HostileTitleCleaned, FeedParsing.Syndication(bytes).Items.Single().Title.Text);
    }

    [Fact]
    public void Write_ScriptInTitle_IsEscapedText()
    {
        var bytes = AtomFeedWriter.Write(FeedTestPosts.Context([FeedTestPosts.Hostile()]));
        var text = Encoding.UTF8.GetString(bytes);

        Assert.DoesNotContain("<script", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<title type=\"text\">&lt;script&gt;", text, StringComparison.Ordinal);
        Assert.DoesNotContain(FeedParsing.Xml(bytes).Descendants(), e => e.Name.LocalName == "script");
    }
}
