using Microsoft.Extensions.Logging;

namespace Syndicate.Digests;

/// <summary>Digest events, EventId band 4xxx.</summary>
internal static partial class DigestsLog
{
    [LoggerMessage(4001, LogLevel.Information, "Digest {DigestId} planned ({Trigger}): {Posts} posts for {Deliveries} subscribers")]
    public static partial void Planned(ILogger logger, long digestId, string trigger, int posts, int deliveries);

    [LoggerMessage(4002, LogLevel.Information, "No digest ({Trigger}): no post has been published since the last one")]
    public static partial void NothingNew(ILogger logger, string trigger);

    [LoggerMessage(4003, LogLevel.Information, "Digest {DigestId} finished: {Sent} sent, {Failed} failed, {Skipped} skipped")]
    public static partial void Finished(ILogger logger, long digestId, int sent, int failed, int skipped);

    [LoggerMessage(4004, LogLevel.Debug, "Delivery {DeliveryId} of digest {DigestId} sent to subscriber {SubscriberId}")]
    public static partial void Sent(ILogger logger, long deliveryId, long digestId, long subscriberId);

    [LoggerMessage(4005, LogLevel.Warning, "Delivery {DeliveryId} to subscriber {SubscriberId} failed for good: {Reason}")]
    public static partial void FailedForGood(ILogger logger, long deliveryId, long subscriberId, string reason);

    [LoggerMessage(4006, LogLevel.Information, "Delivery {DeliveryId} to subscriber {SubscriberId} will be retried at {RetryAt:u} (attempt {Attempt}): {Reason}")]
    public static partial void Retrying(ILogger logger, long deliveryId, long subscriberId, DateTimeOffset retryAt, int attempt, string reason);

    [LoggerMessage(4007, LogLevel.Debug, "Delivery {DeliveryId} skipped: subscriber {SubscriberId} is no longer active")]
    public static partial void Skipped(ILogger logger, long deliveryId, long subscriberId);

    [LoggerMessage(4008, LogLevel.Warning, "Scheduled digest for {ScheduledFor:u} skipped: it is {Late} late, more than Digest:MaxLateness {MaxLateness}; its posts go with the next one")]
    public static partial void TooLate(ILogger logger, DateTimeOffset scheduledFor, TimeSpan late, TimeSpan maxLateness);

    [LoggerMessage(4009, LogLevel.Information, "{Released} delivery claims of a stopped sender were released and will be sent")]
    public static partial void ClaimsReleased(ILogger logger, int released);

    [LoggerMessage(4010, LogLevel.Error, "Sending digest {DigestId} stopped: {Reason}; its remaining deliveries are kept and resumed")]
    public static partial void SendStopped(ILogger logger, Exception exception, long digestId, string reason);

    [LoggerMessage(4011, LogLevel.Warning, "Counting the deliveries of digest {DigestId} for its progress failed; the sending goes on")]
    public static partial void ProgressFailed(ILogger logger, Exception exception, long digestId);

    [LoggerMessage(4012, LogLevel.Information, "Digest {DigestId} stops with the process before it finished; its remaining deliveries are kept and resumed at the next start ({HandedBack} claimed and not begun, handed back)")]
    public static partial void Stopped(ILogger logger, long digestId, int handedBack);

    [LoggerMessage(4013, LogLevel.Warning, "Handing back the claimed deliveries of digest {DigestId} at the stop failed; they are sent once their claims run out (Digest:ClaimLease {ClaimLease})")]
    public static partial void HandBackFailed(ILogger logger, Exception exception, long digestId, TimeSpan claimLease);
}
