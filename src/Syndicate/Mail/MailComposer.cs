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
    private readonly MailboxAddress _from;
    private readonly TimeProvider _time;

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

    /// <summary>The domain of Mail:From, which also names Message-IDs.</summary>
    public string FromDomain => _from.Domain;

    /// <summary>
    /// A message to one recipient. <paramref name="address"/> must be a valid address (MimeKit throws
    /// <see cref="ParseException"/> otherwise); <paramref name="name"/> may be empty.
    /// </summary>
    public MimeMessage Compose(string address, string name, string subject, string html, string text)
    {
        var to = new MailboxAddress(SingleLine(name), SingleLine(address));
        var message = new MimeMessage
        {
            Subject = SingleLine(subject),
            Date = _time.GetUtcNow(),
            MessageId = MimeUtils.GenerateMessageId(FromDomain),
        };
        message.From.Add(From);
        message.To.Add(to);
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = new MultipartAlternative { Part(TextFormat.Plain, text), Part(TextFormat.Html, html) };
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
