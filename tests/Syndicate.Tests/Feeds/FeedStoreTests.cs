using System.Text;
using Syndicate.Feeds;

namespace Syndicate.Tests.Feeds;

/// <summary>Last-Modified as HTTP wants it: when the served bytes changed, in whole seconds, always moving forward.</summary>
public sealed class FeedStoreTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 10, 15, 30, TimeSpan.Zero);

    [Fact]
    public void Set_NewBytes_LastModifiedIsWhenTheyChangedInWholeSeconds()
    {
        var store = new FeedStore();

        Assert.True(store.Set(Document("one"), At.AddMilliseconds(750)));

        Assert.True(store.TryGet("feed.xml", out var feed));
        Assert.Equal(At, feed.LastModified);
        Assert.Equal(TimeSpan.Zero, feed.LastModified.Offset);
    }

    [Fact]
    public void Set_SameBytesLater_KeepsTheirLastModified()
    {
        var store = new FeedStore();
        store.Set(Document("one"), At);

        Assert.True(store.Serves(Document("one")));
        Assert.False(store.Set(Document("one"), At.AddHours(1)));

        store.TryGet("feed.xml", out var feed);
        Assert.Equal(At, feed.LastModified);
    }

    [Fact]
    public void Set_OtherBytesLater_TakeTheLaterTime()
    {
        var store = new FeedStore();
        store.Set(Document("one"), At);

        Assert.False(store.Serves(Document("two")));
        Assert.True(store.Set(Document("two"), At.AddMinutes(5)));

        store.TryGet("feed.xml", out var feed);
        Assert.Equal("two", Encoding.UTF8.GetString(feed.Document.Body));
        Assert.Equal(At.AddMinutes(5), feed.LastModified);
    }

    [Fact]
    public void Set_OtherBytesInTheSameSecondOrAnEarlierTime_MovePastThePreviousLastModified()
    {
        var store = new FeedStore();
        store.Set(Document("one"), At);

        store.Set(Document("two"), At.AddMilliseconds(400));
        store.TryGet("feed.xml", out var second);
        store.Set(Document("three"), At.AddDays(-1));
        store.TryGet("feed.xml", out var third);

        // A reader holding "one" asks If-Modified-Since At: it must not be told "not modified".
        Assert.Equal(At.AddSeconds(1), second.LastModified);
        Assert.Equal(At.AddSeconds(2), third.LastModified);
    }

    private static FeedDocument Document(string text) =>
        FeedDocument.Create("feed.xml", FeedDocument.RssType, Encoding.UTF8.GetBytes(text));
}
