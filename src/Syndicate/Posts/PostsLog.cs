using Microsoft.Extensions.Logging;

namespace Syndicate.Posts;

/// <summary>Post catalog events, EventId band 1xxx.</summary>
internal static partial class PostsLog
{
    [LoggerMessage(1001, LogLevel.Warning, "Post {PostFile} rejected: {Diagnostic} {Outcome}")]
    public static partial void PostRejected(ILogger logger, string postFile, string diagnostic, string outcome);

    [LoggerMessage(1002, LogLevel.Warning, "Post {PostFile}: {Diagnostic}")]
    public static partial void PostWarning(ILogger logger, string postFile, string diagnostic);

    [LoggerMessage(1003, LogLevel.Information, "Post {PostFile} is valid again and publishes")]
    public static partial void PostFixed(ILogger logger, string postFile);

    [LoggerMessage(1004, LogLevel.Warning, "Post {PostFile} is not published: {Diagnostic}")]
    public static partial void PostDuplicate(ILogger logger, string postFile, string diagnostic);

    [LoggerMessage(1005, LogLevel.Information, "Posts folder {PostsFolder}: {Published} published, {Drafts} in draft, {Scheduled} scheduled for later, {Rejected} rejected ({ElapsedMs} ms)")]
    public static partial void CatalogScanned(ILogger logger, string postsFolder, int published, int drafts, int scheduled, int rejected, long elapsedMs);

    [LoggerMessage(1006, LogLevel.Debug, "Post {PostFile} read ({Outcome})")]
    public static partial void PostRead(ILogger logger, string postFile, string outcome);

    [LoggerMessage(1007, LogLevel.Information, "Post {PostFile} removed from the folder")]
    public static partial void PostRemoved(ILogger logger, string postFile);

    [LoggerMessage(1008, LogLevel.Warning, "Post {PostFile} could not be read for rendering ({Reason}); its item is left without content until the file can be read")]
    public static partial void PostUnreadable(ILogger logger, string postFile, string reason);

    [LoggerMessage(1009, LogLevel.Warning, "The file watcher on {PostsFolder} failed ({Reason}); changes are still picked up by the rescan every {RescanInterval}")]
    public static partial void WatcherFailed(ILogger logger, string postsFolder, string reason, TimeSpan rescanInterval);

    [LoggerMessage(1010, LogLevel.Information, "Post {PostFile} scheduled for {PublishAt:u} is now published")]
    public static partial void PostDue(ILogger logger, string postFile, DateTimeOffset publishAt);

    [LoggerMessage(1011, LogLevel.Information, "Post cache {CacheFile}: {Posts} posts loaded in {ElapsedMs} ms; only files changed since are read")]
    public static partial void CacheLoaded(ILogger logger, string cacheFile, int posts, long elapsedMs);

    [LoggerMessage(1012, LogLevel.Debug, "Post cache {CacheFile} written: {Posts} posts, {Rendered} with their HTML, in {ElapsedMs} ms")]
    public static partial void CacheWritten(ILogger logger, string cacheFile, int posts, int rendered, long elapsedMs);

    [LoggerMessage(1013, LogLevel.Information, "Post cache {CacheFile} is from another version of Syndicate or other settings; every post is read again and the cache rewritten")]
    public static partial void CacheStale(ILogger logger, string cacheFile);

    [LoggerMessage(1014, LogLevel.Warning, "Post cache {CacheFile} could not be {Action} ({Reason}); posts are read from their files, nothing is lost. Delete the file if this repeats, or set Posts:CacheFile to \"\" to go without")]
    public static partial void CacheUnusable(ILogger logger, string cacheFile, string action, string reason);

    [LoggerMessage(1015, LogLevel.Warning, "Linked folder {Link} in the posts folder is not read: it leads to {Target}, which holds posts already read or the posts folder itself (a loop). Remove the link, or point it at a folder outside the posts folder")]
    public static partial void LinkedFolderSkipped(ILogger logger, string link, string target);
}
