using Syndicate.Feeds;

namespace Syndicate.Tests.Feeds;

public sealed class FeedSpliceTests
{
    public static TheoryData<string?, string?> Variants => new()
    {
        { null, "Site Author" },
        { "https://hub.example.com/", "Site Author" },
        { null, null },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Rss_SplicedItems_AreTheFormattersBytes(string? hub, string? author)
    {
        var context = FeedTestPosts.Context([.. FeedTestPosts.Three(), FeedTestPosts.Hostile()], hub: hub, author: author);

        Assert.Equal(RssFeedWriter.WriteWhole(context), RssFeedWriter.Write(context));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Atom_SplicedEntries_AreTheFormattersBytes(string? hub, string? author)
    {
        var context = FeedTestPosts.Context([.. FeedTestPosts.Three(), FeedTestPosts.Hostile()], hub: hub, selfPath: "atom.xml", author: author);

        Assert.Equal(AtomFeedWriter.WriteWhole(context), AtomFeedWriter.Write(context));
    }

    [Fact]
    public void Write_EveryCharacterInTheHtml_IsEscapedAsTheFormatterEscapesIt()
    {
        var text = new System.Text.StringBuilder("a\r\nb\rc\nd\te & < > ]]> \" ' &amp; \U0001F600 \uD83D\uDE00 ");
        for (var c = 0; c <= 0xFFFF; c++)
        {
            text.Append((char)c);
        }

        text.Append("\r\r\n\r");
        var hostile = FeedTestPosts.Hostile();
        var entry = new FeedEntry(hostile.Post, hostile.Content with { Html = text.ToString() });
        var rss = FeedTestPosts.Context([entry, FeedTestPosts.Three()[0]]);
        var atom = FeedTestPosts.Context([entry, FeedTestPosts.Three()[0]], selfPath: "atom.xml");

        Assert.Equal(RssFeedWriter.WriteWhole(rss), RssFeedWriter.Write(rss));
        Assert.Equal(AtomFeedWriter.WriteWhole(atom), AtomFeedWriter.Write(atom));
    }

    [Fact]
    public void Write_HtmlHoldingTheSpliceMarker_IsStillTheFormattersBytes()
    {
        var hostile = FeedTestPosts.Hostile();
        var entry = new FeedEntry(hostile.Post, hostile.Content with { Html = "<p>SyndicateItemContent9f8c3b6e2d1a4f7c</p>" });
        var context = FeedTestPosts.Context([entry]);

        Assert.Equal(RssFeedWriter.WriteWhole(context), RssFeedWriter.Write(context));
    }

    [Fact]
    public void Write_NoEntries_IsTheFormattersEmptyFeed()
    {
        var context = FeedTestPosts.Context([]);

        Assert.Equal(RssFeedWriter.WriteWhole(context), RssFeedWriter.Write(context));
        Assert.Equal(AtomFeedWriter.WriteWhole(context), AtomFeedWriter.Write(context));
    }

    [Fact]
    public void Write_EntryInTwoFeeds_IsSerializedOnceAndCopied()
    {
        var entries = FeedTestPosts.Three();
        var site = FeedTestPosts.Context(entries);
        var tag = FeedTestPosts.Context([entries[0], entries[2]], selfPath: "tags/dotnet/feed.xml");

        RssFeedWriter.Write(site);
        var item = entries[0].Bytes.Rss(() => throw new InvalidOperationException("made again"));
        var written = RssFeedWriter.Write(tag);

        Assert.Equal(RssFeedWriter.WriteWhole(tag), written);
        Assert.True(written.AsSpan().IndexOf(item.ToArray()) > 0, "the tag feed holds the item bytes made for the site feed");
    }

    [Fact]
    public void Write_RssAndAtom_ShareOneEscapedCopyOfTheHtml()
    {
        var entries = FeedTestPosts.Three();
        var rss = FeedTestPosts.Context(entries);
        var atom = FeedTestPosts.Context(entries, selfPath: "atom.xml");

        Assert.Equal(RssFeedWriter.WriteWhole(rss), RssFeedWriter.Write(rss));
        Assert.Equal(AtomFeedWriter.WriteWhole(atom), AtomFeedWriter.Write(atom));

        var item = entries[0].Bytes.Rss(() => throw new InvalidOperationException("made again"));
        var entry = entries[0].Bytes.Atom(() => throw new InvalidOperationException("made again"));
        Assert.NotEmpty(item.Content);
        Assert.Same(item.Content, entry.Content);
        Assert.Contains("&lt;", System.Text.Encoding.UTF8.GetString(item.Content), StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_ManyEntriesInOneRun_GivesTheFormattersBytes()
    {
        var three = FeedTestPosts.Three();
        var hostile = FeedTestPosts.Hostile();
        var entries = new List<FeedEntry>
        {
            three[0],
            new(hostile.Post, hostile.Content with { Html = "<p>SyndicateItemContent9f8c3b6e2d1a4f7c</p>" }),
            three[1],
            new(three[2].Post, three[2].Content with { Html = "" }),
            new(three[2].Post, three[2].Content with { Html = "\u0001\uFFFE" }),
            hostile,
            new(three[0].Post, three[0].Content with { Html = "<p>text with a start tag's bytes: \n    <item>\n  <entry></p>" }),
            three[2],
        };
        var rss = FeedTestPosts.Context(entries);
        var atom = FeedTestPosts.Context(entries, selfPath: "atom.xml");

        RssFeedWriter.Prepare(entries);
        AtomFeedWriter.Prepare(entries);

        Assert.All(entries, entry => Assert.True(entry.Bytes.HasRss && entry.Bytes.HasAtom));
        Assert.Equal(RssFeedWriter.WriteWhole(rss), RssFeedWriter.Write(rss));
        Assert.Equal(AtomFeedWriter.WriteWhole(atom), AtomFeedWriter.Write(atom));
    }

    [Fact]
    public void Prepare_EntryAlreadyMade_IsKeptNotMadeAgain()
    {
        var entries = FeedTestPosts.Three();
        var site = FeedTestPosts.Context([entries[0]]);
        RssFeedWriter.Write(site);
        var made = entries[0].Bytes.Rss(() => throw new InvalidOperationException("made again"));

        RssFeedWriter.Prepare(entries);

        Assert.Same(made, entries[0].Bytes.Rss(() => throw new InvalidOperationException("made again")));
        Assert.True(entries[1].Bytes.HasRss);
        Assert.False(entries[1].Bytes.HasAtom);
    }
}
