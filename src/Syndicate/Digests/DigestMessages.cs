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
/// <c>site</c>, <c>posts</c>, <c>subscriber</c>, <c>unsubscribe_url</c> and <c>digest</c>; a Message-ID
/// stable per digest and subscriber (a resent copy is recognisably the same message), List-Id, and
/// the RFC 8058 one-click unsubscribe headers.
/// </summary>
internal sealed class DigestMessages(
    TemplateSet templates, MailComposer composer, SubscriptionService subscriptions, PostCatalog catalog,
    IOptions<SiteOptions> site, IOptions<MailOptions> mail, IOptions<DigestOptions> digest)
{
    public const string Template = "digest";

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
            return new PostModel(post.Title, post.Url, Day(post.Date, zone), content.ExcerptHtml, content.SummaryText, content.Html, post.Image, post.AllTags,
                post.Author);
        }).ToList();
        var subject = posts.Count == 1
            ? $"{SiteModel.From(site.Value).Title}: {posts[0].Title}"
            : $"{posts.Count} new posts from {SiteModel.From(site.Value).Title}";
        return new DigestContent(digestId, plannedAt, Day(plannedAt, zone), subject, posts);
    }

    /// <param name="resendId">0 for the digest itself; a resend's copy gets a Message-ID of its own, so clients that drop repeated ids still show it.</param>
    public MimeMessage Build(DigestContent content, Subscriber subscriber, long resendId = 0)
    {
        var unsubscribeUrl = subscriptions.UnsubscribeUrl(subscriber.Id);
        var model = new DigestModel(
            SiteModel.From(site.Value),
            content.Posts,
            new SubscriberModel(MailComposer.SingleLine(subscriber.Email), MailComposer.SingleLine(subscriber.Name)),
            unsubscribeUrl,
            new DigestInfo(content.DigestId, content.Date));
        var rendered = content.Prepared.Render(this, model) ?? templates.Render(Template, model);
        var message = composer.Compose(subscriber.Email, subscriber.Name, content.Subject, rendered.Html, rendered.Text);
        var domain = composer.FromDomain;
        message.MessageId = resendId == 0
            ? $"digest-{content.DigestId}.{subscriber.Id}@{domain}"
            : $"digest-{content.DigestId}.{subscriber.Id}.r{resendId}@{domain}";
        message.Headers.Add(HeaderId.ListId, $"{MailComposer.SingleLine(SiteModel.From(site.Value).Title)} <digest.{domain}>");
        var unsubscribe = $"<{unsubscribeUrl}>";
        if (!string.IsNullOrWhiteSpace(mail.Value.UnsubscribeMailto))
        {
            var mailto = MailComposer.SingleLine(mail.Value.UnsubscribeMailto).Replace("mailto:", "", StringComparison.OrdinalIgnoreCase);
            unsubscribe += $", <mailto:{mailto}?subject=unsubscribe%20{subscriber.Id}>";
        }

        message.Headers.Add(HeaderId.ListUnsubscribe, unsubscribe);
        // RFC 8058: mail clients may unsubscribe with one POST to the https address.
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        message.Headers.Add("Precedence", "bulk");
        return message;
    }

    private RenderedMail RenderWhole(DigestModel model) => templates.Render(Template, model);

    private static string Day(DateTimeOffset value, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(value, zone).ToString("d MMMM yyyy", CultureInfo.InvariantCulture);

    private sealed record DigestModel(SiteModel Site, IReadOnlyList<PostModel> Posts, SubscriberModel Subscriber, string UnsubscribeUrl, DigestInfo Digest);

    private sealed record SubscriberModel(string Email, string Name);

    private sealed record DigestInfo(long Id, string Date);

    /// <summary>
    /// The digest rendered once (Liquid, layout, CSS inlining) with marker values in place of the
    /// subscriber's address, name and unsubscribe link, which are then put in per message: rendering
    /// per subscriber cost milliseconds of CPU each. Two variants, with and without a name, keep
    /// <c>{% if subscriber.name %}</c> working. A template that transforms those values (a filter on
    /// them) leaves a marker behind; that digest then renders every message whole, as before.
    /// </summary>
    internal sealed class PreparedDigest
    {
        private const string EmailMarker = "zqxsyndicatesubscriberemailzqx";
        private const string NameMarker = "zqxsyndicatesubscribernamezqx";
        private const string UnsubscribeMarker = "zqxsyndicateunsubscribeurlzqx";
        private static readonly System.Text.Encodings.Web.HtmlEncoder Html =
            System.Text.Encodings.Web.HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

        private readonly Lock _gate = new();
        private RenderedMail? _named;
        private RenderedMail? _unnamed;
        private bool _disabled;

        public RenderedMail? Render(DigestMessages owner, object model)
        {
            var digest = (DigestModel)model;
            var named = digest.Subscriber.Name.Length > 0;
            RenderedMail? template;
            lock (_gate)
            {
                if (_disabled)
                {
                    return null;
                }

                template = named ? _named : _unnamed;
                if (template is null)
                {
                    template = owner.RenderWhole(digest with
                    {
                        Subscriber = new SubscriberModel(EmailMarker, named ? NameMarker : ""),
                        UnsubscribeUrl = UnsubscribeMarker,
                    });
                    if (named)
                    {
                        _named = template;
                    }
                    else
                    {
                        _unnamed = template;
                    }
                }
            }

            var html = template.Html
                .Replace(EmailMarker, Html.Encode(digest.Subscriber.Email), StringComparison.Ordinal)
                .Replace(NameMarker, Html.Encode(digest.Subscriber.Name), StringComparison.Ordinal)
                .Replace(UnsubscribeMarker, Html.Encode(digest.UnsubscribeUrl), StringComparison.Ordinal);
            var text = template.Text
                .Replace(EmailMarker, digest.Subscriber.Email, StringComparison.Ordinal)
                .Replace(NameMarker, digest.Subscriber.Name, StringComparison.Ordinal)
                .Replace(UnsubscribeMarker, digest.UnsubscribeUrl, StringComparison.Ordinal);
            if (html.Contains("zqxsyndicate", StringComparison.OrdinalIgnoreCase) || text.Contains("zqxsyndicate", StringComparison.OrdinalIgnoreCase))
            {
                lock (_gate)
                {
                    _disabled = true;
                }

                return null;
            }

            return new RenderedMail(html, text);
        }
    }
}

/// <summary>A digest's posts, rendered once and shared by every subscriber's message.</summary>
internal sealed record DigestContent(long DigestId, DateTimeOffset PlannedAt, string Date, string Subject, IReadOnlyList<PostModel> Posts)
{
    internal DigestMessages.PreparedDigest Prepared { get; } = new();
}

/// <summary>One post as the digest templates see it (<c>post.title</c>, <c>post.content_html</c>, ...).</summary>
internal sealed record PostModel(string Title, string Url, string Date, string Excerpt, string Summary, string ContentHtml, string? Image,
    IReadOnlyList<string> Tags, string? Author);
