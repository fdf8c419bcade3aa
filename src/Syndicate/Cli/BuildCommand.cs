using Microsoft.Extensions.DependencyInjection;
using Syndicate.Feeds;
using Syndicate.Posts;

namespace Syndicate.Cli;

/// <summary><c>build</c>: every feed once into Feeds:OutputFolder; exit 1 when a post was rejected (the good ones are still written).</summary>
internal static class BuildCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var catalog = services.GetRequiredService<PostCatalog>();
        var publisher = services.GetRequiredService<FeedPublisher>();
        var feedOutput = services.GetRequiredService<FeedOutput>();
        var started = TimeProvider.System.GetTimestamp();

        // The item ledger is read on the other core while this one lists and reads the posts folder.
        var ledger = services.GetRequiredService<PostLedger>();
        var ledgerRead = Task.Run(() => ledger.PreloadAsync(cancellationToken), CancellationToken.None);
        catalog.Scan();
        await ledgerRead;
        var result = await publisher.PublishAsync(serve: false, cancellationToken);
        var cacheFailure = catalog.SaveCache();
        var elapsed = TimeProvider.System.GetElapsedTime(started);
        if (cacheFailure is not null)
        {
            // The feeds are whole; only the next build's speed suffers. Said here because a one-shot verb logs errors only.
            await error.WriteLineAsync(
                $"Warning: the post cache {catalog.CacheFile} could not be written ({cacheFailure}); the feeds are complete, but the next build reads " +
                "and renders every post again. Point Posts:CacheFile at a file Syndicate may write, or set it to \"\" to go without.");
        }

        var snapshot = result.Snapshot;
        await output.WriteLineAsync(
            $"Built {Counted.Of(result.Feeds, "feed")} from {Counted.Of(snapshot.Posts.Count, "post")} in {elapsed.TotalSeconds:0.00} s into {feedOutput.Folder} " +
            $"({result.Written} written, {result.Feeds - result.Written - result.Failed} unchanged; left out: {Counted.Of(snapshot.Drafts, "draft")}, " +
            $"{Counted.Of(snapshot.Scheduled, "post")} scheduled for later).");
        if (snapshot.Rejected.Count == 0 && result.Failed == 0)
        {
            return 0;
        }

        if (snapshot.Rejected.Count > 0)
        {
            // A file that broke since the last build keeps the version the post cache holds of it; the line says so.
            var kept = snapshot.Posts.Select(post => post.File).ToHashSet(StringComparer.Ordinal);
            await error.WriteLineAsync($"{Counted.Of(snapshot.Rejected.Count, "problem")} in posts; these posts were not published, unless said otherwise:");
            foreach (var diagnostic in snapshot.Rejected)
            {
                await error.WriteLineAsync(kept.Contains(diagnostic.File)
                    ? $"  {diagnostic} Its last good version stays published until the file is fixed."
                    : "  " + diagnostic);
            }
        }

        if (result.Failed > 0)
        {
            await error.WriteLineAsync($"{Counted.Of(result.Failed, "feed file")} could not be written to {feedOutput.Folder}; see the log above.");
        }

        return 1;
    }
}
