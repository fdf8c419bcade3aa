using Microsoft.Extensions.Logging;
using Quartz;
using Syndicate.Digests;

namespace Syndicate.Scheduling;

/// <summary>
/// What Digest:Schedule fires: one scheduled digest run for the slot it fired for. The rules (too late,
/// nothing new, plan and deliver) live in <see cref="IScheduledDigests"/>; this only says which slot.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class DigestJob(IScheduledDigests digests, ILogger<DigestJob> logger) : IJob
{
    public static readonly JobKey Key = new("digest", "syndicate");

    public static readonly TriggerKey TriggerKey = new("digest-schedule", "syndicate");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        // Slots after this firing's own that Quartz will still fire are theirs, not this one's.
        var until = context.NextFireTimeUtc is { } next && next <= context.FireTimeUtc ? next.AddTicks(-1) : context.FireTimeUtc;
        var scheduledFor = Slot(context.Trigger, context.ScheduledFireTimeUtc ?? context.FireTimeUtc, until);
        SchedulingLog.JobFired(logger, context.FireTimeUtc, scheduledFor);
        try
        {
            var run = await digests.RunScheduledAsync(scheduledFor, cancellationToken);
            if (run.DigestId is { } digestId)
            {
                SchedulingLog.JobFinished(logger, scheduledFor, run.Outcome, digestId, run.Sent, run.Failed, run.Pending);
            }
            else
            {
                SchedulingLog.JobFinishedWithoutDigest(logger, scheduledFor, run.Outcome);
            }
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // The edge of this unit of work: logged once here, not rethrown for Quartz to log again.
            // The trigger stays on its schedule either way.
            SchedulingLog.JobFailed(logger, ex, scheduledFor);
        }
    }

    /// <summary>
    /// The slot a firing stands for. On time, that is the fire time Quartz scheduled. A misfire fired once
    /// for several slots missed while the service was down reports the first of them; the digest is for the
    /// last one, so Digest:MaxLateness is measured from the latest slot not after <paramref name="until"/>.
    /// </summary>
    internal static DateTimeOffset Slot(ITrigger trigger, DateTimeOffset scheduled, DateTimeOffset until)
    {
        var slot = scheduled;
        // Look back from the end in doubling windows for a later slot, so a dense schedule missed for days
        // is not walked slot by slot from the first one.
        for (var window = TimeSpan.FromSeconds(1); until - window > scheduled; window += window)
        {
            if (trigger.GetFireTimeAfter(until - window) is { } candidate && candidate <= until)
            {
                slot = candidate;
                break;
            }
        }

        while (trigger.GetFireTimeAfter(slot) is { } next && next <= until)
        {
            slot = next;
        }

        return slot;
    }
}
