using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Syndicate.Mail;

/// <summary>Whether trying the same message again later can succeed.</summary>
internal enum SmtpFailureKind
{
    /// <summary>4xx replies, dropped or refused connections, time-outs: retry with backoff.</summary>
    Transient,

    /// <summary>5xx replies and failures no retry can fix: record the reason and stop.</summary>
    Permanent,
}

/// <summary>
/// The one place that turns a sending exception into a delivery outcome (STYLE.md section 5): 4xx replies and
/// connection errors are transient, 5xx replies are permanent and keep the server's reply text.
/// </summary>
/// <param name="Kind">Transient or permanent.</param>
/// <param name="StatusCode">The SMTP reply code (RFC 5321 section 4.2), or null when there was no reply.</param>
/// <param name="Reason">A sentence for the delivery row and the log: the reply code and the server's text, or the connection error.</param>
internal sealed record SmtpFailure(SmtpFailureKind Kind, int? StatusCode, string Reason)
{
    public bool IsTransient => Kind == SmtpFailureKind.Transient;

    public static SmtpFailure Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        switch (exception)
        {
            case SmtpCommandException command:
                var code = (int)command.StatusCode;
                var kind = code is >= 400 and < 500 ? SmtpFailureKind.Transient : SmtpFailureKind.Permanent;
                var about = command.ErrorCode switch
                {
                    SmtpErrorCode.RecipientNotAccepted => $" (recipient {command.Mailbox?.Address})",
                    SmtpErrorCode.SenderNotAccepted => $" (sender {command.Mailbox?.Address})",
                    _ => "",
                };
                return new SmtpFailure(kind, code, $"{code} {Clean(command.Message)}{about}");
            case PickupWriteException:
                // Checked before IOException: the pickup folder's trouble is the operator's disk, not a connection.
                return new SmtpFailure(SmtpFailureKind.Transient, null, Clean(exception.Message));
            case AuthenticationException:
                // A refused login fails every message the same way until the operator fixes Mail:Smtp; retrying cannot help.
                return new SmtpFailure(SmtpFailureKind.Permanent, null, $"SMTP login refused: {Clean(exception.Message)}");
            case SmtpProtocolException or ServiceNotConnectedException or ServiceNotAuthenticatedException
                or SslHandshakeException or IOException or SocketException or TimeoutException:
                return new SmtpFailure(SmtpFailureKind.Transient, null, $"connection failed: {Clean(exception.Message)}");
            case OperationCanceledException:
                return new SmtpFailure(SmtpFailureKind.Transient, null, "sending was cancelled");
            default:
                return new SmtpFailure(SmtpFailureKind.Permanent, null, $"{exception.GetType().Name}: {Clean(exception.Message)}");
        }
    }

    /// <summary>
    /// True for the failures <see cref="Classify"/> knows as a mail server's or a connection's (a reply, a refused login, a
    /// dropped connection, a time-out): expected in operation, so a log names the reason without a stack trace.
    /// </summary>
    public static bool IsExpected(Exception exception) =>
        exception is SmtpCommandException or AuthenticationException or PickupWriteException or SmtpProtocolException or ServiceNotConnectedException
            or ServiceNotAuthenticatedException or SslHandshakeException or IOException or SocketException or TimeoutException;

    /// <summary>True for failures of the connection itself rather than replies to a command.</summary>
    public static bool IsConnectionFailure(Exception exception) =>
        exception is SmtpProtocolException or ServiceNotConnectedException or IOException or SocketException;

    // Server replies may span several lines; a delivery row and a log line want one.
    private static string Clean(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
