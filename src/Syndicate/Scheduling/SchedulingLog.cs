using Microsoft.Extensions.Logging;

namespace Syndicate.Scheduling;

/// <summary>Scheduling events, EventId band 4500-4599 (inside the Digests band: the schedule is the digests').</summary>
internal static partial class SchedulingLog
{
    [LoggerMessage(4501, LogLevel.Information, "Digest schedule {Schedule} in {TimeZone}: next digest at {NextFire}")]
    public static partial void ScheduleReady(ILogger logger, string schedule, string timeZone, string nextFire);

    [LoggerMessage(4502, LogLevel.Information, "Digest schedule {Schedule} in {TimeZone} missed {MissedSlot} while the service was down; it fires once now, and the digest goes out if that is within Digest:MaxLateness")]
    public static partial void ScheduleMissed(ILogger logger, string schedule, string timeZone, string missedSlot);

    [LoggerMessage(4503, LogLevel.Information, "Digest schedule changed from {OldSchedule} in {OldTimeZone} to {Schedule} in {TimeZone}; the stored trigger is replaced")]
    public static partial void ScheduleReplaced(ILogger logger, string oldSchedule, string oldTimeZone, string schedule, string timeZone);

    [LoggerMessage(4504, LogLevel.Warning, "Digest schedule {Schedule} in {TimeZone} never fires again; no scheduled digest will go out until Digest:Schedule is changed")]
    public static partial void ScheduleNeverFires(ILogger logger, string schedule, string timeZone);

    [LoggerMessage(4510, LogLevel.Debug, "Digest schedule fired at {FiredAt:u} for the slot {ScheduledFor:u}")]
    public static partial void JobFired(ILogger logger, DateTimeOffset firedAt, DateTimeOffset scheduledFor);

    [LoggerMessage(4511, LogLevel.Information, "Scheduled digest for {ScheduledFor:u}: {Outcome} (digest {DigestId}, sent {Sent}, failed {Failed}, pending {Pending})")]
    public static partial void JobFinished(ILogger logger, DateTimeOffset scheduledFor, string outcome, long digestId, int sent, int failed, int pending);

    [LoggerMessage(4513, LogLevel.Information, "Scheduled digest for {ScheduledFor:u}: no digest, {Outcome}")]
    public static partial void JobFinishedWithoutDigest(ILogger logger, DateTimeOffset scheduledFor, string outcome);

    [LoggerMessage(4512, LogLevel.Error, "Scheduled digest for {ScheduledFor:u} failed; the schedule goes on, and the next slot carries the posts this one did not send")]
    public static partial void JobFailed(ILogger logger, Exception exception, DateTimeOffset scheduledFor);
}
