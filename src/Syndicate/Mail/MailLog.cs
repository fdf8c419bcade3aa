using Microsoft.Extensions.Logging;

namespace Syndicate.Mail;

/// <summary>Mail events, EventId band 5xxx. Addresses and secrets stay out; Message-IDs identify messages.</summary>
internal static partial class MailLog
{
    [LoggerMessage(5001, LogLevel.Debug, "Message {MessageId} written to the pickup folder as {PickupFile}")]
    public static partial void PickupWritten(ILogger logger, string messageId, string pickupFile);

    [LoggerMessage(5002, LogLevel.Debug, "Connected to SMTP server {Host}:{Port} ({Security}){Authenticated}")]
    public static partial void SmtpConnected(ILogger logger, string host, int port, string security, string authenticated);

    [LoggerMessage(5003, LogLevel.Debug, "Message {MessageId} accepted by SMTP server {Host}:{Port}")]
    public static partial void SmtpSent(ILogger logger, string messageId, string host, int port);

    [LoggerMessage(5004, LogLevel.Information, "The connection to SMTP server {Host}:{Port} was dropped ({Reason}); reconnecting to send message {MessageId}")]
    public static partial void SmtpReconnecting(ILogger logger, string host, int port, string reason, string messageId);

    [LoggerMessage(5005, LogLevel.Warning, "SMTP server {Host}:{Port} did not take message {MessageId}: {Reason}")]
    public static partial void SmtpRejected(ILogger logger, string host, int port, string messageId, string reason);

    [LoggerMessage(5006, LogLevel.Debug, "Disconnected from SMTP server {Host}:{Port}")]
    public static partial void SmtpDisconnected(ILogger logger, string host, int port);

    [LoggerMessage(5007, LogLevel.Information, "Mail goes {Mode}: {Destination}{Dkim}")]
    public static partial void TransportChosen(ILogger logger, string mode, string destination, string dkim);

    [LoggerMessage(5008, LogLevel.Debug, "Connecting ahead to SMTP server {Host}:{Port} failed ({Reason}); the first message connects again")]
    public static partial void SmtpConnectAheadFailed(ILogger logger, string host, int port, string reason);
}
