using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Syndicate.Posts;

namespace Syndicate.Digests;

/// <summary>
/// The digest operations, once, for the scheduler, the CLI and the admin API to come: plan a digest
/// of the posts no digest has carried yet, deliver it, resume what a stopped sender left, list.
/// </summary>
internal sealed class DigestService(
    PostCatalog catalog,
    PostLedger ledger,
    DigestStore store,
    DigestSender sender,
    IOptions<DigestOptions> options,
    TimeProvider time,
    ILogger<DigestService> logger) : IScheduledDigests
{
    /// <summary>Records the published posts in the ledger; on a new database they count as carried already.</summary>
    public async Task<int> RecordPublishedAsync(CancellationToken cancellationToken) =>
        (await ledger.RecordAsync(catalog.Snapshot(time.GetUtcNow()).Posts, cancellationToken)).Added;

    /// <summary>Plans a digest of the posts not yet carried; null (and a log line) when there are none.</summary>
    public async Task<PlannedDigest?> PlanAsync(string trigger, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var published = catalog.Snapshot(now).Posts;
        await ledger.RecordAsync(published, cancellationToken);
        var keys = published.Select(PostLedger.KeyOf).ToHashSet(StringComparer.Ordinal);
        var planned = await store.PlanAsync(trigger, keys, options.Value.MaxPosts, now, cancellationToken);
        if (planned is null)
        {
            DigestsLog.NothingNew(logger, trigger);
        }
        else
        {
            DigestsLog.Planned(logger, planned.Id, trigger, planned.Posts, planned.Deliveries);
        }

        return planned;
    }

    /// <summary>Plans and delivers a digest now; the run says what happened.</summary>
    public async Task<DigestRun> SendNowAsync(string trigger, IProgress<DigestSummary>? progress, CancellationToken cancellationToken)
    {
        var planned = await PlanAsync(trigger, cancellationToken);
        if (planned is null)
        {
            return new DigestRun(null, "no new posts since the last digest", 0, 0, 0, 0);
        }

        await sender.SendAsync(planned.Id, progress, cancellationToken);
        return await RunOf(planned.Id, "sent", cancellationToken);
    }

    public async Task<DigestRun> RunScheduledAsync(DateTimeOffset scheduledFor, CancellationToken cancellationToken)
    {
        var late = time.GetUtcNow() - scheduledFor;
        if (late > options.Value.MaxLateness)
        {
            DigestsLog.TooLate(logger, scheduledFor, late, options.Value.MaxLateness);
            return new DigestRun(null, "too late", 0, 0, 0, 0);
        }

        return await SendNowAsync("schedule", null, cancellationToken);
    }

    /// <summary>
    /// Gives back the claims of senders that stopped and sends every unfinished digest; returns what each of those runs
    /// did. <paramref name="resuming"/> hears of each digest before its sending starts (send-now says so, with progress).
    /// </summary>
    public async Task<IReadOnlyList<DigestRun>> ResumeAsync(TimeSpan claimLease, CancellationToken cancellationToken,
        IProgress<DigestSummary>? progress = null, Func<long, Task>? resuming = null)
    {
        var released = await store.ReleaseExpiredClaimsAsync(time.GetUtcNow() - claimLease, cancellationToken);
        if (released > 0)
        {
            DigestsLog.ClaimsReleased(logger, released);
        }

        var runs = new List<DigestRun>();
        foreach (var digestId in await store.UnfinishedAsync(cancellationToken))
        {
            if (resuming is not null)
            {
                await resuming(digestId);
            }

            try
            {
                await sender.SendAsync(digestId, progress, cancellationToken);
                runs.Add(await RunOf(digestId, "resumed", cancellationToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !Storage.Database.IsUnavailable(ex))
            {
                DigestsLog.SendStopped(logger, ex, digestId, ex.Message);
                runs.Add(await RunOf(digestId, $"stopped: {ex.Message}", cancellationToken));
            }
        }

        return runs;
    }

    public Task<IReadOnlyList<DigestSummary>> ListAsync(CancellationToken cancellationToken) => store.ListAsync(cancellationToken);

    public Task<DigestSummary?> FindAsync(long digestId, CancellationToken cancellationToken) => store.FindAsync(digestId, cancellationToken);

    public Task<IReadOnlyList<LedgerPost>> PostsAsync(long digestId, CancellationToken cancellationToken) => store.PostsAsync(digestId, cancellationToken);

    public Task<IReadOnlyList<(string Email, int Attempts, string? Error)>> FailuresAsync(long digestId, CancellationToken cancellationToken) =>
        store.FailuresAsync(digestId, cancellationToken);

    private async Task<DigestRun> RunOf(long digestId, string outcome, CancellationToken cancellationToken)
    {
        var summary = await store.FindAsync(digestId, cancellationToken);
        return summary is null
            ? new DigestRun(digestId, outcome, 0, 0, 0, 0)
            : new DigestRun(digestId, outcome, summary.Sent, summary.Failed, summary.Skipped, summary.Pending);
    }
}

/// <summary>What one run did: no digest (nothing new, or too late), or the digest's id and delivery counts.</summary>
internal sealed record DigestRun(long? DigestId, string Outcome, int Sent, int Failed, int Skipped, int Pending);

/// <summary>What the scheduler calls when Digest:Schedule fires.</summary>
internal interface IScheduledDigests
{
    Task<DigestRun> RunScheduledAsync(DateTimeOffset scheduledFor, CancellationToken cancellationToken);
}
