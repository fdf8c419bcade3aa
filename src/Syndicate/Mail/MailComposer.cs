using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Text;
using MimeKit.Utils;

namespace Syndicate.Mail;

/// <summary>
/// Builds the envelope every Syndicate message shares: From (Mail:From), To, Subject, Date (from the clock),
/// a Message-ID on the sender's domain, Auto-Submitted (RFC 3834) and a multipart/alternative body with the
/// text part first (RFC 2046 section 5.1.4: the last part is the preferred one). Header values are stripped of
/// CR and LF before MimeKit folds and encodes them, so no name or setting can start a header of its own.
/// </summary>
internal sealed class MailComposer
{
    // Headers every message carries with the same value, encoded and folded once; each message gets a copy that
    // shares the encoded bytes (MimeKit's Header.Clone), instead of encoding the value again.
    private static readonly Header AutoSubmitted = new("Auto-Submitted", "auto-generated");

    private readonly MailboxAddress _from;
    private readonly TimeProvider _time;

    // One random boundary per process for prepared bodies, like MimeKit's own ("=-" and base64): unguessable, and
    // with "=_" it cannot occur in quoted-printable content. Its bytes around the parts are made here, once.
    private readonly AlternativeFraming _framing =
        new("=_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18)));

    public MailComposer(IOptions<MailOptions> options, TimeProvider time)
    {
        if (!MailOptionsValidator.TryParseMailbox(options.Value.From, out var from))
        {
            throw new OptionsValidationException(MailOptions.Section, typeof(MailOptions), [$"Mail:From '{options.Value.From}' is not one mailbox with a domain."]);
        }

        _from = from;
        _time = time;
    }

    public MailboxAddress From => new(SingleLine(_from.Name), _from.Address);

    /// <summary>
    /// The domain of Mail:From, which also names Message-IDs and the List-Id: in its ASCII form (punycode for an
    /// internationalized domain, as MimeKit writes it in From), since those headers allow no other characters.
    /// </summary>
    public string FromDomain => MailboxAddress.IdnMapping.Encode(_from.Domain);

    /// <summary>
    /// A message to one recipient. <paramref name="address"/> must be a valid address (MimeKit throws
    /// <see cref="ParseException"/> otherwise); <paramref name="name"/> may be empty. Without
    /// <paramref name="messageId"/>, a random Message-ID on the sender's domain.
    /// </summary>
    public MimeMessage Compose(string address, string name, string subject, string html, string text, string? messageId = null) =>
        Compose(address, name, subject, new MultipartAlternative { Part(TextFormat.Plain, text), Part(TextFormat.Html, html) }, messageId);

    /// <summary>
    /// A message to one recipient whose text and HTML parts are already quoted-printable (UTF-8, LF line ends), held as a
    /// template's pieces and this message's values: written as they are, in one block (<see cref="PreparedAlternative"/>),
    /// not encoded again for each message.
    /// </summary>
    public MimeMessage Compose(string address, string name, string subject, QuotedPrintableText quotedPrintableText, QuotedPrintableText quotedPrintableHtml,
        string? messageId = null) =>
        Compose(address, name, subject, new PreparedAlternative(_framing, quotedPrintableText, quotedPrintableHtml), messageId);

    private MimeMessage Compose(string address, string name, string subject, MimeEntity body, string? messageId)
    {
        var to = new MailboxAddress(SingleLine(name), SingleLine(address));
        // Not MimeMessage(): it stamps a Date from the local clock and a Message-ID from the host's name (a lookup
        // on each message) that would both be replaced at once; this one starts without headers.
        var message = new MimeMessage(Array.Empty<object>());
        message.From.Add(From);
        message.Date = _time.GetUtcNow();
        message.Subject = SingleLine(subject);
        message.MessageId = messageId ?? MimeUtils.GenerateMessageId(FromDomain);
        message.To.Add(to);
        message.Headers.Add(AutoSubmitted.Clone());
        message.Body = body;
        return message;
    }

    /// <summary>Joins the lines of a header value with spaces and trims it: CR, LF and the other line breaks never reach a header.</summary>
    public static string SingleLine(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        var builder = new StringBuilder(value.Length);
        var space = false;
        foreach (var c in value)
        {
            if (c is '\r' or '\n' or '\u0085' or '\u2028' or '\u2029' || char.IsControl(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c);
        }

        return builder.ToString().Trim();
    }

    private static TextPart Part(TextFormat format, string content)
    {
        var part = new TextPart(format) { ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        part.SetText(Encoding.UTF8, content);
        return part;
    }
}
