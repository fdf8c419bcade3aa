using Microsoft.Extensions.Logging;

namespace Syndicate.Subscribers;

/// <summary>Subscriber events, EventId band 3xxx. Ids only: addresses and tokens stay out of the log.</summary>
internal static partial class SubscribersLog
{
    [LoggerMessage(3001, LogLevel.Information, "Subscriber {SubscriberId} added by {Source} as {Status}")]
    public static partial void Added(ILogger logger, long subscriberId, string source, string status);

    [LoggerMessage(3002, LogLevel.Information, "Confirmation mail sent to subscriber {SubscriberId}")]
    public static partial void ConfirmationSent(ILogger logger, long subscriberId);

    [LoggerMessage(3003, LogLevel.Debug, "Subscriber {SubscriberId} asked again within the confirmation interval; no mail sent")]
    public static partial void ConfirmationThrottled(ILogger logger, long subscriberId);

    /// <param name="exception">Null for the failures a mail server or pickup folder is expected to have (a reply, a dropped connection, a
    /// full disk): the reason says it all, and a stack trace would only bury it.</param>
    [LoggerMessage(3004, LogLevel.Error, "Confirmation mail to subscriber {SubscriberId} could not be sent: {Reason}; the subscriber stays pending and may ask again")]
    public static partial void ConfirmationFailed(ILogger logger, Exception? exception, long subscriberId, string reason);

    [LoggerMessage(3005, LogLevel.Information, "Subscriber {SubscriberId} confirmed and is active")]
    public static partial void Confirmed(ILogger logger, long subscriberId);

    [LoggerMessage(3006, LogLevel.Information, "Subscriber {SubscriberId} unsubscribed (by {Source}) and gets no further mail")]
    public static partial void Unsubscribed(ILogger logger, long subscriberId, string source);

    [LoggerMessage(3007, LogLevel.Debug, "Subscriber {SubscriberId} is already active; nothing sent")]
    public static partial void AlreadyActive(ILogger logger, long subscriberId);

    [LoggerMessage(3008, LogLevel.Information, "Import of {ImportFile}: {Added} added, {Known} already known, {Suppressed} unsubscribed earlier and left out, {Invalid} invalid")]
    public static partial void Imported(ILogger logger, string importFile, int added, int known, int suppressed, int invalid);

    [LoggerMessage(3009, LogLevel.Warning, "Confirmation mail to subscriber {SubscriberId}, added by the operator, could not be sent: {Reason}; the operator was told, and the subscriber stays pending")]
    public static partial void ConfirmationNotSent(ILogger logger, long subscriberId, string reason);

    [LoggerMessage(3010, LogLevel.Information, "Subscriber {SubscriberId} was pending and is made active by the operator")]
    public static partial void ActivatedByOperator(ILogger logger, long subscriberId);

    [LoggerMessage(3011, LogLevel.Warning, "Confirmation mail for subscriber {SubscriberId} not queued: the queue is full or the service is stopping; the subscriber stays pending and may ask again")]
    public static partial void ConfirmationNotQueued(ILogger logger, long subscriberId);

    [LoggerMessage(3012, LogLevel.Warning, "{Count} queued confirmation mails were not sent before the service stopped; those subscribers stay pending and may ask again")]
    public static partial void ConfirmationsGivenUp(ILogger logger, int count);

    [LoggerMessage(3013, LogLevel.Debug, "POST /subscribe answered {Status}: {Reason}")]
    public static partial void SubscribeRequestRefused(ILogger logger, int status, string reason);
}
