using System.Globalization;
using Microsoft.Extensions.Options;
using MimeKit;
using Syndicate.Mail;
using Syndicate.Posts;
using Syndicate.Site;
using Syndicate.Subscribers;
using Syndicate.Templates;

namespace Syndicate.Digests;

/// <summary>
/// Makes one digest's message for one subscriber: digest.html in the layout and digest.txt, with
/// <c>site</c>, <c>posts</c>, <c>subscriber</c>, <c>unsubscribe_url</c>, <c>digest</c> and <c>preheader</c>; a Message-ID
/// stable per digest and subscriber (a resent copy is recognisably the same message), List-Id, and
/// the RFC 8058 one-click unsubscribe headers.
/// </summary>
internal sealed class DigestMessages(
    TemplateSet templates, MailComposer composer, SubscriptionService subscriptions, PostCatalog catalog,
    IOptions<SiteOptions> site, IOptions<MailOptions> mail, IOptions<DigestOptions> digest)
{
    public const string Template = "digest";

    // The same for every message: encoded once, and copied into each message (sharing the encoded bytes).
    private static readonly Header OneClick = new("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
    private static readonly Header Bulk = new("Precedence", "bulk");

    // The site as templates see it, and the List-Id it names: the same for every message.
    private readonly SiteModel _site = SiteModel.From(site.Value);
    private readonly Header _listId = ListId(SiteModel.From(site.Value).Title, composer.FromDomain);

    // The address of Mail:UnsubscribeMailto as a mailto: URI's path, the same for every message; null when none is set.
    private readonly string? _mailto = MailtoAddress(mail.Value.UnsubscribeMailto);

    /// <summary>The posts as they are now (the content is rendered from the current files); the ledger's title and address for a post since removed.</summary>
    public DigestContent Content(long digestId, DateTimeOffset plannedAt, IReadOnlyList<LedgerPost> ledger, DateTimeOffset now)
    {
        var current = new Dictionary<string, Post>(StringComparer.Ordinal);
        foreach (var post in catalog.Snapshot(now).Posts)
        {
            current.TryAdd(PostLedger.KeyOf(post), post);
        }

        SiteOptionsValidator.TryFindTimeZone(digest.Value.TimeZone, out var zone);
        var posts = ledger.Select(entry =>
        {
            if (!current.TryGetValue(entry.PostKey, out var post))
            {
                return new PostModel(entry.Title, entry.Url, Day(Storage.DbTime.Parse(entry.PostDate), zone), "", "", "", null, [], null);
            }

            var content = catalog.GetContent(post);
            return new PostModel(post.Title, post.Url, Day(post.Date, zone), MailHtml.Clean(content.ExcerptHtml), content.SummaryText,
                MailHtml.Clean(content.Html), post.Image, post.AllTags, post.Author);
        }).ToList();
        var subject = posts.Count == 1
            ? $"{_site.Title}: {posts[0].Title}"
            : $"{posts.Count} new posts from {_site.Title}";
        return new DigestContent(digestId, plannedAt, Day(plannedAt, zone), subject, posts);
    }

    /// <param name="resendId">0 for the digest itself; a resend's copy gets a Message-ID of its own, so clients that drop repeated ids still show it.</param>
    public MimeMessage Build(DigestContent content, Subscriber subscriber, long resendId = 0) =>
        Build(content, subscriber, resendId, subscriptions.UnsubscribeUrl(subscriber.Id));

    private MimeMessage Build(DigestContent content, Subscriber subscriber, long resendId, string unsubscribeUrl)
    {
        var model = new DigestModel(
            _site,
            content.Posts,
            new SubscriberModel(MailComposer.SingleLine(subscriber.Email), MailComposer.SingleLine(subscriber.Name)),
            unsubscribeUrl,
            new DigestInfo(content.DigestId, content.Date),
            content.Preheader);
        var domain = composer.FromDomain;
        var messageId = resendId == 0
            ? $"digest-{content.DigestId}.{subscriber.Id}@{domain}"
            : $"digest-{content.DigestId}.{subscriber.Id}.r{resendId}@{domain}";
        MimeMessage message;
        if (content.Prepared.Encode(this, model) is { } encoded)
        {
            message = composer.Compose(subscriber.Email, subscriber.Name, content.Subject, encoded.Text, encoded.Html, messageId);
        }
        else
        {
            var rendered = templates.Render(Template, model);
            message = composer.Compose(subscriber.Email, subscriber.Name, content.Subject, rendered.Html, rendered.Text, messageId);
        }

        message.Headers.Add(_listId.Clone());
        var unsubscribe = _mailto is null
            ? $"<{unsubscribeUrl}>"
            : $"<{unsubscribeUrl}>, <mailto:{_mailto}?subject=unsubscribe%20{subscriber.Id}>";

        message.Headers.Add(HeaderId.ListUnsubscribe, unsubscribe);
        // RFC 8058: mail clients may unsubscribe with one POST to the address, which must be https (Gmail ignores the
        // header otherwise); a site on plain http gets the link alone.
        if (unsubscribeUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            message.Headers.Add(OneClick.Clone());
        }

        message.Headers.Add(Bulk.Clone());
        return message;
    }

    /// <summary>
    /// Mail:UnsubscribeMailto as the address of a <c>mailto:</c> URI (RFC 6068) in List-Unsubscribe: the bare address of the
    /// mailbox it names (a display name such as <c>Unsubscribe &lt;leave@example.org&gt;</c> is left out), its domain in
    /// ASCII (punycode), and every character a URI may not carry there percent-encoded (UTF-8), so the header stays one
    /// well-formed ASCII URI whatever the setting holds. Null when the setting is empty or names no mailbox.
    /// </summary>
    internal static string? MailtoAddress(string? setting)
    {
        if (string.IsNullOrWhiteSpace(setting) || !MailOptionsValidator.TryParseMailbox(MailComposer.SingleLine(setting), out var mailbox))
        {
            return null;
        }

        var at = mailbox.Address.LastIndexOf('@');
        var local = mailbox.Address[..at];
        var domain = MailboxAddress.IdnMapping.Encode(mailbox.Address[(at + 1)..]);
        var uri = new System.Text.StringBuilder(mailbox.Address.Length + 8);
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(local))
        {
            // RFC 6068: unreserved characters and the sub-delimiters other than "&" stand as they are in an address.
            if (char.IsAsciiLetterOrDigit((char)b) || "-._~!$'()*+,;=".Contains((char)b, StringComparison.Ordinal))
            {
                uri.Append((char)b);
            }
            else
            {
                uri.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return uri.Append('@').Append(domain).ToString();
    }

    /// <summary>
    /// RFC 2919's List-Id: the site's title as a phrase (a quoted string, or encoded words when it is not ASCII), then the
    /// list's id in angle brackets, ASCII only. Written as MimeKit's unstructured text, a title holding quotes or
    /// &lt;...&gt; read as the id, and a non-ASCII domain turned the id itself into an encoded word.
    /// </summary>
    internal static Header ListId(string title, string asciiDomain)
    {
        // A header line may not pass 998 characters; a title that long is cut, whatever it is.
        var text = MailComposer.SingleLine(title);
        text = text.Length > 200 ? text[..200] : text;
        var phrase = text.Length == 0 ? "" : System.Text.Encoding.ASCII.GetString(MimeKit.Utils.Rfc2047.EncodePhrase(System.Text.Encoding.UTF8, text)) + " ";
        var header = new Header(HeaderId.ListId, "digest");
        header.SetRawValue(System.Text.Encoding.ASCII.GetBytes($" {phrase}<digest.{asciiDomain}>\r\n"));
        return header;
    }

    /// <summary>
    /// Makes one message of a sample digest (one made-up post, a made-up subscriber) and writes it as SMTP DATA into
    /// nothing: the first real message of a one-shot send then finds the template, CSS-inlining, MIME and DATA-writing
    /// code loaded and compiled, which otherwise costs it about 0.2 s. Meant for a spare core while the digest is being
    /// planned; a failure here is left to the real render. It signs no link (the key may live in the database) and touches
    /// no file or table. True when the message was made.
    /// </summary>
    public bool WarmUp(DateTimeOffset now)
    {
        try
        {
            var post = new PostModel("Warm-up", "https://warm-up.invalid/post/", "1 January 2026", "<p>Excerpt</p>", "Excerpt",
                "<h2>Heading</h2><p>A <a href=\"https://warm-up.invalid/\">link</a> and <em>text</em>.</p>", null, ["tag"], "Author");
            var content = new DigestContent(0, now, "1 January 2026", "Warm-up", [post, post with { Title = "Second" }]);
            var subscriber = new Subscriber(0, "reader@warm-up.invalid", "Reader", SubscriberStatus.Active, "warm-up", now, now, null, null);
            var message = Build(content, subscriber, 0, "https://warm-up.invalid/unsubscribe/sample");
            // Written as SMTP DATA is (CRLF line ends, MailKit's dot-stuffing filter), into nothing.
            using var data = new MimeKit.IO.FilteredStream(Stream.Null);
            data.Add(new MailKit.Net.Smtp.SmtpDataFilter());
            var format = FormatOptions.Default.Clone();
            format.NewLineFormat = NewLineFormat.Dos;
            message.WriteToAsync(format, data).GetAwaiter().GetResult();
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The real digest renders the same templates and reports what is wrong with them.
            return false;
        }
    }

    private RenderedMail RenderWhole(DigestModel model) => templates.Render(Template, model);

    private static string Day(DateTimeOffset value, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(value, zone).ToString("d MMMM yyyy", CultureInfo.InvariantCulture);

    private sealed record DigestModel(
        SiteModel Site, IReadOnlyList<PostModel> Posts, SubscriberModel Subscriber, string UnsubscribeUrl, DigestInfo Digest, string Preheader);

    private sealed record SubscriberModel(string Email, string Name);

    private sealed record DigestInfo(long Id, string Date);

    /// <summary>
    /// The digest rendered once (Liquid, layout, CSS inlining) with marker values in place of the
    /// subscriber's address, name and unsubscribe link, and encoded once as quoted-printable; per message
    /// only those values are encoded and put in (<see cref="QuotedPrintableTemplate"/>): rendering and
    /// encoding per subscriber cost most of the CPU of a message. Two variants, with and without a name, keep
    /// <c>{% if subscriber.name %}</c> working. A template that transforms those values (a filter on
    /// them) leaves a marker behind; that digest then renders every message whole, as before.
    /// </summary>
    internal sealed class PreparedDigest
    {
        private const string EmailMarker = "zqxsyndicatesubscriberemailzqx";
        private const string NameMarker = "zqxsyndicatesubscribernamezqx";
        private const string UnsubscribeMarker = "zqxsyndicateunsubscribeurlzqx";
        private static readonly string[] Markers = [EmailMarker, NameMarker, UnsubscribeMarker];
        private static readonly System.Text.Encodings.Web.HtmlEncoder Html =
            System.Text.Encodings.Web.HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

        private readonly Lock _gate = new();
        private Variant? _named;
        private Variant? _unnamed;
        private bool _disabled;

        /// <summary>The text and HTML parts as quoted-printable for this subscriber; null when the digest must be rendered whole.</summary>
        public (QuotedPrintableText Text, QuotedPrintableText Html)? Encode(DigestMessages owner, object model)
        {
            var digest = (DigestModel)model;
            var named = digest.Subscriber.Name.Length > 0;
            Variant? variant;
            lock (_gate)
            {
                if (_disabled)
                {
                    return null;
                }

                variant = named ? _named : _unnamed;
                if (variant is null)
                {
                    var rendered = owner.RenderWhole(digest with
                    {
                        Subscriber = new SubscriberModel(EmailMarker, named ? NameMarker : ""),
                        UnsubscribeUrl = UnsubscribeMarker,
                    });
                    variant = new Variant(new QuotedPrintableTemplate(rendered.Html, Markers), new QuotedPrintableTemplate(rendered.Text, Markers));
                    if (variant.LeavesMarkers)
                    {
                        _disabled = true;
                        return null;
                    }

                    if (named)
                    {
                        _named = variant;
                    }
                    else
                    {
                        _unnamed = variant;
                    }
                }
            }

            var subscriber = digest.Subscriber;
            var text = variant.Text.With([subscriber.Email, subscriber.Name, digest.UnsubscribeUrl]);
            var html = variant.Html.With([Html.Encode(subscriber.Email), Html.Encode(subscriber.Name), Html.Encode(digest.UnsubscribeUrl)]);
            return (text, html);
        }

        private sealed record Variant(QuotedPrintableTemplate Html, QuotedPrintableTemplate Text)
        {
            /// <summary>A marker the templates changed (a filter on the value) would come out garbled: such a digest is rendered whole.</summary>
            public bool LeavesMarkers => Leaves(Html) || Leaves(Text);

            private static bool Leaves(QuotedPrintableTemplate template)
            {
                var rest = template.Text;
                foreach (var marker in Markers)
                {
                    rest = rest.Replace(marker, "", StringComparison.Ordinal);
                }

                return rest.Contains("zqxsyndicate", StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}

/// <summary>A digest's posts, rendered once and shared by every subscriber's message.</summary>
internal sealed record DigestContent(long DigestId, DateTimeOffset PlannedAt, string Date, string Subject, IReadOnlyList<PostModel> Posts)
{
    /// <summary>The inbox preview text, the same for every subscriber (<see cref="DigestPreheader"/>).</summary>
    public string Preheader { get; } = DigestPreheader.Of(Posts);

    internal DigestMessages.PreparedDigest Prepared { get; } = new();
}

/// <summary>One post as the digest templates see it (<c>post.title</c>, <c>post.content_html</c>, ...).</summary>
internal sealed record PostModel(string Title, string Url, string Date, string Excerpt, string Summary, string ContentHtml, string? Image,
    IReadOnlyList<string> Tags, string? Author);
