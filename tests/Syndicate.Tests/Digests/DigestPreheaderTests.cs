using Syndicate.Digests;

namespace Syndicate.Tests.Digests;

public sealed class DigestPreheaderTests
{
    [Fact]
    public void Of_OnePost_ItsSummary() =>
        Assert.Equal("What changed in the release, and why.", DigestPreheader.Of([Post("Release notes", "What changed in the release, and why.")]));

    [Fact]
    public void Of_OnePostWithoutText_ItsTitle() =>
        Assert.Equal("A photo", DigestPreheader.Of([Post("A photo", "")]));

    [Fact]
    public void Of_OnePostWithALongSummary_CutAtAWordBoundary()
    {
        var summary = string.Join(' ', Enumerable.Range(1, 40).Select(i => $"word{i:00}"));

        // Each word and its space is 7 characters: twenty words are 139, the ellipsis makes 140.
        Assert.Equal(string.Join(' ', Enumerable.Range(1, 20).Select(i => $"word{i:00}")) + "…", DigestPreheader.Of([Post("Long", summary)]));
    }

    [Fact]
    public void Of_SeveralPosts_TheTitlesJoined() =>
        Assert.Equal("Newest · Middle · Oldest", DigestPreheader.Of([Post("Newest", "n"), Post("Middle", "m"), Post("Oldest", "o")]));

    [Fact]
    public void Of_SeveralPostsLongerThanTheLine_WholeTitlesThenHowManyMore()
    {
        var posts = Enumerable.Range(1, 5).Select(i => Post($"Post number {i} with a title of some forty chars", "s")).ToList();

        var preheader = DigestPreheader.Of(posts);

        Assert.Equal("Post number 1 with a title of some forty chars · Post number 2 with a title of some forty chars · and 3 more", preheader);
        Assert.True(preheader.Length <= 140, preheader);
    }

    [Fact]
    public void Of_FirstTitleLongerThanTheLine_CutAndTheCount()
    {
        var title = string.Join(' ', Enumerable.Repeat("long", 40));

        var preheader = DigestPreheader.Of([Post(title, "s"), Post("Second", "s")]);

        Assert.EndsWith("… · and 1 more", preheader, StringComparison.Ordinal);
        Assert.StartsWith("long long", preheader, StringComparison.Ordinal);
        Assert.InRange(preheader.Length, 100, 140);
    }

    [Fact]
    public void Of_LineBreaksAndControlCharacters_OneLine() =>
        Assert.Equal("Tips & <b>tricks</b> \"q\" · Two lines", DigestPreheader.Of([Post("Tips & <b>tricks</b>\t\"q\"", ""), Post("Two\r\nlines\u0000", "")]));

    private static PostModel Post(string title, string summary) =>
        new(title, "https://example.org/p/", "1 March 2026", "<p>" + summary + "</p>", summary, "<p>" + summary + "</p>", null, [], null);
}
