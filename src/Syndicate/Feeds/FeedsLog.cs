using Microsoft.Extensions.Logging;

namespace Syndicate.Feeds;

/// <summary>Feed events, EventId band 2xxx.</summary>
internal static partial class FeedsLog
{
    [LoggerMessage(2001, LogLevel.Information, "Feeds published from {Posts} posts: {Feeds} feeds, {Changed} changed, {Written} files written to {OutputFolder} ({ElapsedMs} ms)")]
    public static partial void FeedsPublished(ILogger logger, int posts, int feeds, int changed, int written, string outputFolder, long elapsedMs);

    [LoggerMessage(2002, LogLevel.Debug, "Feed {FeedPath} written ({Bytes} bytes, ETag {ETag})")]
    public static partial void FeedWritten(ILogger logger, string feedPath, long bytes, string eTag);

    [LoggerMessage(2003, LogLevel.Information, "Feed {FeedPath} removed: no post has that tag any more")]
    public static partial void FeedRemoved(ILogger logger, string feedPath);

    [LoggerMessage(2004, LogLevel.Error, "Feed {FeedPath} could not be written to {OutputFolder}: {Reason}; the service keeps serving it and tries again on the next change")]
    public static partial void FeedWriteFailed(ILogger logger, string feedPath, string outputFolder, string reason);

    [LoggerMessage(2005, LogLevel.Debug, "WebSub hub {Hub} told that {FeedUrl} changed")]
    public static partial void HubPinged(ILogger logger, string hub, string feedUrl);

    [LoggerMessage(2006, LogLevel.Warning, "WebSub hub {Hub} did not take the update of {FeedUrl}: {Reason}; subscribers of the hub see it at their next poll")]
    public static partial void HubPingFailed(ILogger logger, string hub, string feedUrl, string reason);

    [LoggerMessage(2007, LogLevel.Error, "Publishing the feeds failed: {Reason}; the previous feeds stay served and the next change tries again")]
    public static partial void PublishFailed(ILogger logger, Exception exception, string reason);

    [LoggerMessage(2008, LogLevel.Information, "{Moved} published posts have another address than when they were first published (Site:BaseUrl, the scheme or Posts:Permalink changed); their feed items keep their first ids, so readers show no duplicates")]
    public static partial void PermalinksMoved(ILogger logger, int moved);

    [LoggerMessage(2009, LogLevel.Warning, "The item ledger could not be read or written ({Reason}); the feeds are published with the ids known so far and the next change tries again")]
    public static partial void LedgerUnavailable(ILogger logger, string reason);

    [LoggerMessage(2010, LogLevel.Warning, "Tags {Tags} share the feed {FeedPath}, titled {Title}: their names make the same address; rename one in the posts' front matter to give it a feed of its own")]
    public static partial void TagsShareFeed(ILogger logger, string tags, string feedPath, string title);

    [LoggerMessage(2011, LogLevel.Warning, "Tag {Tag} (first in {File}) has no letter or digit to make an address of, so it gets no feed of its own; it stays a category of its posts")]
    public static partial void TagWithoutFeed(ILogger logger, string tag, string file);
}
