using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace Syndicate.Mail;

/// <summary>
/// Adds a DKIM-Signature when Mail:Dkim is set, just before a transport sends the message; does nothing
/// otherwise. The message is first prepared for 7-bit transport so that no server or transport re-encodes
/// the body after it was signed (which would break the body hash).
/// </summary>
internal sealed class MailSigner
{
    // RFC 6376 section 5.4: From is required; the rest are the headers a replay would want to change.
    private static readonly HeaderId[] SignedHeaders =
    [
        HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId,
        HeaderId.MimeVersion, HeaderId.ContentType, HeaderId.ListUnsubscribe, HeaderId.ListUnsubscribePost,
    ];

    private readonly DkimSigner? _signer;

    public MailSigner(IOptions<MailOptions> options, IHostEnvironment environment)
    {
        var dkim = options.Value.Dkim;
        _signer = dkim.IsConfigured ? CreateSigner(dkim, environment) : null;
    }

    public bool IsEnabled => _signer is not null;

    public void Sign(MimeMessage message)
    {
        if (_signer is null)
        {
            return;
        }

        message.Prepare(EncodingConstraint.SevenBit);
        _signer.Sign(message, SignedHeaders);
    }

    public static string KeyPath(MailOptions.DkimOptions dkim, IHostEnvironment environment) =>
        Path.GetFullPath(dkim.PrivateKeyFile, environment.ContentRootPath);

    public static DkimSigner CreateSigner(MailOptions.DkimOptions dkim, IHostEnvironment environment) =>
        new(KeyPath(dkim, environment), dkim.Domain.Trim(), dkim.Selector.Trim(), DkimSignatureAlgorithm.RsaSha256)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
}
