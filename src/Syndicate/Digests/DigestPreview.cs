using System.Net;
using System.Text;
using Dapper;
using Microsoft.Extensions.Options;
using MimeKit;
using Syndicate.Mail;
using Syndicate.Posts;
using Syndicate.Storage;
using Syndicate.Subscribers;

namespace Syndicate.Digests;

/// <summary>
/// The next digest exactly as a subscriber would get it, rendered without sending or recording
/// anything; or one test copy sent to an address of the operator's choosing.
/// </summary>
internal sealed class DigestPreview(
    PostCatalog catalog, Database database, DigestMessages messages, IMailTransport transport,
    IOptions<DigestOptions> options, TimeProvider time)
{
    /// <summary>The address of the sample subscriber a preview is rendered for.</summary>
    public const string SampleAddress = "subscriber@example.org";

    /// <summary>The sample subscriber's name, so that a template's greeting shows.</summary>
    public const string SampleName = "Sample Reader";

    /// <summary>
    /// The message the next digest would send, rendered for a sample subscriber (or for <paramref name="sendTo"/>) whose
    /// unsubscribe link matches nobody; null when there is nothing new.
    /// </summary>
    public async Task<MimeMessage?> RenderAsync(string? sendTo, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var published = catalog.Snapshot(now).Posts;
        await using var connection = await database.OpenAsync(cancellationToken);
        var baseline = await connection.ExecuteScalarAsync<string?>(
            "SELECT value FROM settings WHERE key = @key", new { key = PostLedger.BaselineKey }) is not null;
        var carried = (await connection.QueryAsync<string>("SELECT post_key FROM published_posts WHERE carried_by IS NOT NULL"))
            .ToHashSet(StringComparer.Ordinal);
        // On a database that has not seen the posts yet, the posts published now will count as sent.
        var next = baseline
            ? published.Where(post => !carried.Contains(PostLedger.KeyOf(post))).Take(options.Value.MaxPosts).ToList()
            : [];
        if (next.Count == 0)
        {
            return null;
        }

        var ledger = next.Select((post, i) => new LedgerPost(-i - 1, PostLedger.KeyOf(post), post.Id, post.Url, post.Title, DbTime.Text(post.Date))).ToList();
        var content = messages.Content(0, now, ledger, now);
        // Never a real subscriber: a preview is saved to files and shown in browsers, and a real subscriber's copy carries
        // their address and a live unsubscribe link. Subscriber 0 is nobody, so its signed links match no one.
        var subscriber = sendTo is not null
            ? new Subscriber(0, sendTo, "", SubscriberStatus.Active, "preview", now, now, null, null)
            : new Subscriber(0, SampleAddress, SampleName, SubscriberStatus.Active, "preview", now, now, null, null);
        return AsReceived(messages.Build(content, subscriber));
    }

    /// <summary>
    /// The message read back from its bytes, as a mail client gets it: a digest's body is written from prepared
    /// bytes (PreparedAlternative), and only the parsed message has its text and HTML parts as entities.
    /// </summary>
    private static MimeMessage AsReceived(MimeMessage message)
    {
        using var bytes = new MemoryStream();
        message.WriteTo(bytes);
        bytes.Position = 0;
        return MimeMessage.Load(bytes);
    }

    /// <summary>Sends one test copy of the next digest to <paramref name="email"/>; false when there is nothing new.</summary>
    public async Task<bool> SendTestAsync(string email, CancellationToken cancellationToken)
    {
        var message = await RenderAsync(email, cancellationToken);
        if (message is null)
        {
            return false;
        }

        message.Subject = "[Preview] " + message.Subject;
        await transport.SendAsync(message, cancellationToken);
        return true;
    }

    /// <summary>The HTML part with the headers summarised on top, for a browser.</summary>
    public static string HtmlPage(MimeMessage message)
    {
        var html = message.HtmlBody ?? "";
        var summary = new StringBuilder();
        summary.Append("<div style=\"font:13px/1.5 monospace;background:#fffbe6;color:#333;border-bottom:1px solid #ccc;padding:8px 12px\">");
        foreach (var name in (string[])["From", "To", "Subject", "Message-Id", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"])
        {
            if (message.Headers[name] is { } value)
            {
                summary.Append("<div><b>").Append(name).Append(":</b> ").Append(WebUtility.HtmlEncode(value.Trim())).Append("</div>");
            }
        }

        summary.Append("<div><i>Preview: nothing was sent or recorded.</i></div></div>");
        var body = html.IndexOf("<body", StringComparison.OrdinalIgnoreCase);
        var bodyEnd = body < 0 ? -1 : html.IndexOf('>', body);
        return bodyEnd < 0 ? summary + html : html.Insert(bodyEnd + 1, summary.ToString());
    }

    /// <summary>The text part with the headers on top.</summary>
    public static string TextPage(MimeMessage message)
    {
        var text = new StringBuilder();
        foreach (var name in (string[])["From", "To", "Subject", "Message-Id", "List-Unsubscribe"])
        {
            if (message.Headers[name] is { } value)
            {
                text.Append(name).Append(": ").AppendLine(value.Trim());
            }
        }

        return text.AppendLine().Append(message.TextBody ?? "").ToString();
    }
}
