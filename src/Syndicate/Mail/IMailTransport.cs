using MimeKit;

namespace Syndicate.Mail;

/// <summary>
/// Hands one finished message to the outside world (an SMTP server or the pickup folder). A failure
/// is an exception; <see cref="SmtpFailure.Classify"/> tells a transient one from a permanent one.
/// </summary>
internal interface IMailTransport
{
    Task SendAsync(MimeMessage message, CancellationToken cancellationToken);
}
