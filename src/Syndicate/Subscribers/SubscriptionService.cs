using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Syndicate.Mail;
using Syndicate.Site;

namespace Syndicate.Subscribers;

/// <summary>
/// The subscription rules, once, for the HTTP endpoints and the CLI alike: double opt-in with a
/// signed confirm link, at most one confirmation mail per address per interval, the same answer
/// whether or not an address is known, one-click unsubscribe, and unsubscribed addresses kept as
/// suppressions that no import brings back.
/// </summary>
internal sealed class SubscriptionService(
    SubscriberStore store,
    TokenSigner tokens,
    ConfirmationMailer mailer,
    ConfirmationQueue queue,
    SiteUrls urls,
    IOptions<SubscribersOptions> options,
    TimeProvider time,
    ILogger<SubscriptionService> logger)
{
    /// <summary>
    /// A request from the public form. Invalid input is the only answer that differs; known or not, the rest read the same.
    /// The form changes no record before the owner of the address confirms: it creates a pending record (with the name
    /// given) for a new address, and for a known one it only asks for a confirm link. An unsubscribed address stays
    /// unsubscribed, and gets no digest, until that link is followed; a name sent for a known address is not stored.
    /// </summary>
    /// <remarks>
    /// The confirm link is not mailed here but queued for <see cref="ConfirmationSender"/>: sending inside the request
    /// (an SMTP round trip, a file write) would make the answer for an address due a mail slower than for one that is not,
    /// and so tell whether the address is known.
    /// </remarks>
    public async Task<SubscribeOutcome> SubscribeAsync(string? email, string? name, CancellationToken cancellationToken)
    {
        if (!EmailAddressRule.TryNormalize(email, out var address, out var error))
        {
            return new SubscribeOutcome(false, error);
        }

        var now = time.GetUtcNow();
        var subscriber = await store.TryAddAsync(address, CleanName(name), SubscriberStatus.Pending, "form", now, cancellationToken)
            ?? await store.FindByEmailAsync(address, cancellationToken);
        if (subscriber is null)
        {
            return new SubscribeOutcome(true, "");
        }

        if (subscriber.Status == SubscriberStatus.Active)
        {
            SubscribersLog.AlreadyActive(logger, subscriber.Id);
            return new SubscribeOutcome(true, "");
        }

        // Pending, or unsubscribed and asking to come back: the same confirmation as the first time. Whether a mail
        // is due or goes out is not said: the answer must not tell anything about the address. One mailed within the
        // interval already is not queued again (the sender's claim would refuse it anyway).
        if (subscriber.ConfirmationSentAt is { } sent && sent > now - options.Value.ConfirmationInterval)
        {
            SubscribersLog.ConfirmationThrottled(logger, subscriber.Id);
        }
        else if (!queue.TryEnqueue(subscriber.Id))
        {
            SubscribersLog.ConfirmationNotQueued(logger, subscriber.Id);
        }

        return new SubscribeOutcome(true, "");
    }

    /// <summary>
    /// Sends the confirmation mail the form queued for a subscriber, as <see cref="ConfirmationSender"/> takes it from the
    /// queue: read afresh, so a subscriber who confirmed (or was deleted) meanwhile gets nothing, and the once-per-interval
    /// claim is taken now, when the mail goes out, not when it was asked for. A mail that never goes out (the process
    /// stopped first) thus blocks nobody; the price is that two requests in quick succession both queue, and the claim
    /// lets only the first mail out. A failure is logged, never thrown, so the next mail in the queue still goes out.
    /// </summary>
    public async Task SendQueuedConfirmationAsync(long subscriberId, CancellationToken cancellationToken)
    {
        try
        {
            var subscriber = await store.FindAsync(subscriberId, cancellationToken);
            if (subscriber is null || subscriber.Status == SubscriberStatus.Active)
            {
                return;
            }

            await SendConfirmationAsync(subscriber, time.GetUtcNow(), toOperator: false, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The database, not the mail (SendConfirmationAsync logs its own failures): the subscriber may ask again.
            SubscribersLog.ConfirmationFailed(logger, ex, subscriberId, ex.Message.TrimEnd('.', ' '));
        }
    }

    public async Task<LinkOutcome> ConfirmAsync(string token, CancellationToken cancellationToken)
    {
        var (outcome, subscriber, now) = await ReadConfirmLinkAsync(token, cancellationToken);
        if (outcome == LinkOutcome.Done && subscriber!.Status != SubscriberStatus.Active)
        {
            await store.SetStatusAsync(subscriber.Id, SubscriberStatus.Active, now, cancellationToken);
            SubscribersLog.Confirmed(logger, subscriber.Id);
        }

        return outcome;
    }

    /// <summary>What following a confirm link would answer, without confirming anything (for HEAD).</summary>
    public async Task<LinkOutcome> CheckConfirmAsync(string token, CancellationToken cancellationToken) =>
        (await ReadConfirmLinkAsync(token, cancellationToken)).Outcome;

    private async Task<(LinkOutcome Outcome, Subscriber? Subscriber, DateTimeOffset Now)> ReadConfirmLinkAsync(string token, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!tokens.TryRead(token, TokenPurpose.Confirm, out var id, out var issuedAt))
        {
            return (LinkOutcome.Invalid, null, now);
        }

        if (now - issuedAt > options.Value.ConfirmLinkLifetime)
        {
            return (LinkOutcome.Expired, null, now);
        }

        var subscriber = await store.FindAsync(id, cancellationToken);
        if (subscriber is null)
        {
            return (LinkOutcome.Invalid, null, now);
        }

        // A confirm link from before an unsubscribe does not bring the address back, also not once someone asked
        // again through the form (the record stays unsubscribed, with its time): only a link issued after it left does.
        if (subscriber.UnsubscribedAt is { } left && left >= issuedAt)
        {
            return (LinkOutcome.Invalid, subscriber, now);
        }

        return (LinkOutcome.Done, subscriber, now);
    }

    public async Task<LinkOutcome> UnsubscribeAsync(string token, CancellationToken cancellationToken)
    {
        if (!tokens.TryRead(token, TokenPurpose.Unsubscribe, out var id, out _))
        {
            return LinkOutcome.Invalid;
        }

        var subscriber = await store.FindAsync(id, cancellationToken);
        if (subscriber is null)
        {
            return LinkOutcome.Invalid;
        }

        if (subscriber.Status != SubscriberStatus.Unsubscribed)
        {
            await store.SetStatusAsync(id, SubscriberStatus.Unsubscribed, time.GetUtcNow(), cancellationToken);
            SubscribersLog.Unsubscribed(logger, id, "link");
        }

        return LinkOutcome.Done;
    }

    /// <summary>Whether an unsubscribe token is genuine, without acting on it (for the page with the button).</summary>
    public bool IsUnsubscribeToken(string token) => tokens.TryRead(token, TokenPurpose.Unsubscribe, out _, out _);

    public string ConfirmUrl(long subscriberId, DateTimeOffset issuedAt) =>
        urls.Absolute("/confirm/" + tokens.Create(TokenPurpose.Confirm, subscriberId, issuedAt));

    public string UnsubscribeUrl(long subscriberId) =>
        urls.Absolute("/unsubscribe/" + tokens.Create(TokenPurpose.Unsubscribe, subscriberId, DateTimeOffset.UnixEpoch));

    /// <summary>
    /// Mails a confirm link, at most once per Subscribers:ConfirmationInterval per address; a mail that could not be
    /// sent gives its claim back, so the next request may try again. <paramref name="toOperator"/>: the caller reports
    /// a failure to the operator, so the log keeps it as a warning with its reason (no stack trace on a CLI's console).
    /// </summary>
    private async Task<MailOutcome> SendConfirmationAsync(Subscriber subscriber, DateTimeOffset now, bool toOperator, CancellationToken cancellationToken)
    {
        if (!await store.TryClaimConfirmationAsync(subscriber.Id, now, now - options.Value.ConfirmationInterval, cancellationToken))
        {
            SubscribersLog.ConfirmationThrottled(logger, subscriber.Id);
            return new MailOutcome(ConfirmationMail.RecentlySent, "");
        }

        var link = ConfirmUrl(subscriber.Id, LinkIssuedAt(subscriber, now));
        try
        {
            await mailer.SendAsync(subscriber.Email, subscriber.Name, link, cancellationToken);
            SubscribersLog.ConfirmationSent(logger, subscriber.Id);
            return new MailOutcome(ConfirmationMail.Sent, "");
        }
        catch (OperationCanceledException)
        {
            // Stopped before the mail was surely out (the service shuts down, the operator pressed Ctrl+C): the claim
            // is given back, so the next request is not refused for an hour over a mail that may never have gone.
            await store.ReleaseConfirmationAsync(subscriber.Id, CancellationToken.None);
            throw;
        }
        catch (Exception ex)
        {
            await store.ReleaseConfirmationAsync(subscriber.Id, CancellationToken.None);
            var reason = FailureReason(ex);
            if (toOperator)
            {
                SubscribersLog.ConfirmationNotSent(logger, subscriber.Id, reason);
            }
            else
            {
                SubscribersLog.ConfirmationFailed(logger, IsExpectedFailure(ex) ? null : ex, subscriber.Id, reason);
            }

            return new MailOutcome(ConfirmationMail.Failed, reason);
        }
    }

    /// <summary>
    /// A failure a mail server or a pickup folder is expected to have now and then (a reply, a refused login, a dropped
    /// connection, a full or read-only folder): logged with its reason only, no stack trace.
    /// </summary>
    private static bool IsExpectedFailure(Exception exception) =>
        IsFileSystemFailure(exception) || SmtpFailure.IsExpected(exception);

    /// <summary>
    /// Why a mail did not go out, in one line: the mail server's reply or the connection error (as a digest delivery
    /// records it), or for the pickup folder the file system's own message.
    /// </summary>
    private static string FailureReason(Exception exception)
    {
        var reason = IsFileSystemFailure(exception) ? exception.Message : SmtpFailure.Classify(exception).Reason;
        return reason.TrimEnd('.', ' ');
    }

    private static bool IsFileSystemFailure(Exception exception) =>
        exception is UnauthorizedAccessException
        || (exception is IOException && exception.GetType().Namespace == typeof(IOException).Namespace && exception.InnerException is null);

    /// <summary>
    /// When a new confirm link reads as issued. Links carry whole seconds and <see cref="ConfirmAsync"/> refuses one
    /// not issued after the address left, so a link mailed within the second of an unsubscribe reads as of the next second.
    /// </summary>
    private static DateTimeOffset LinkIssuedAt(Subscriber subscriber, DateTimeOffset now) =>
        subscriber.UnsubscribedAt is { } left && DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()) <= left
            ? DateTimeOffset.FromUnixTimeSeconds(left.ToUnixTimeSeconds() + 1)
            : now;

    /// <summary>
    /// The operator adds an address (CLI or admin); with <paramref name="confirmed"/> it is active at once, else it is
    /// pending and a confirm link is mailed, the outcome saying whether it went out. For an address already pending,
    /// the confirm link is mailed again (within the same interval as the form's), or <paramref name="confirmed"/>
    /// makes it active; an active or unsubscribed address is left as it is.
    /// </summary>
    public async Task<AddOutcome> AddAsync(string email, string? name, bool confirmed, CancellationToken cancellationToken)
    {
        if (!EmailAddressRule.TryNormalize(email, out var address, out var error))
        {
            return new AddOutcome(AddResult.Invalid, null, error);
        }

        var now = time.GetUtcNow();
        var status = confirmed ? SubscriberStatus.Active : SubscriberStatus.Pending;
        var added = await store.TryAddAsync(address, CleanName(name), status, "operator", now, cancellationToken);
        if (added is null)
        {
            var known = await store.FindByEmailAsync(address, cancellationToken);
            switch (known?.Status)
            {
                case SubscriberStatus.Unsubscribed:
                    return new AddOutcome(AddResult.Unsubscribed, known, "");
                case SubscriberStatus.Pending when confirmed:
                    await store.SetStatusAsync(known.Id, SubscriberStatus.Active, now, cancellationToken);
                    SubscribersLog.ActivatedByOperator(logger, known.Id);
                    return new AddOutcome(AddResult.Activated, await store.FindAsync(known.Id, cancellationToken) ?? known, "");
                case SubscriberStatus.Pending:
                    var again = await SendConfirmationAsync(known, now, toOperator: true, cancellationToken);
                    return new AddOutcome(AddResult.Known, known, "", again.Mail, again.Reason);
                default:
                    return new AddOutcome(AddResult.Known, known, "");
            }
        }

        SubscribersLog.Added(logger, added.Id, "operator", SubscriberStore.StatusText(status));
        if (confirmed)
        {
            return new AddOutcome(AddResult.Added, added, "");
        }

        var mail = await SendConfirmationAsync(added, now, toOperator: true, cancellationToken);
        return new AddOutcome(AddResult.Added, added, "", mail.Mail, mail.Reason);
    }

    /// <summary>
    /// The operator removes an address: it is kept as unsubscribed, so it gets no mail and no import brings it back. Returns
    /// the row as stored, with the time it left (the first time, for an address that had left already).
    /// </summary>
    public async Task<Subscriber?> RemoveAsync(string email, CancellationToken cancellationToken)
    {
        if (!EmailAddressRule.TryNormalize(email, out var address, out _))
        {
            return null;
        }

        var subscriber = await store.FindByEmailAsync(address, cancellationToken);
        if (subscriber is null)
        {
            return null;
        }

        if (subscriber.Status != SubscriberStatus.Unsubscribed)
        {
            var now = time.GetUtcNow();
            await store.SetStatusAsync(subscriber.Id, SubscriberStatus.Unsubscribed, now, cancellationToken);
            SubscribersLog.Unsubscribed(logger, subscriber.Id, "operator");
            subscriber = subscriber with { Status = SubscriberStatus.Unsubscribed, UnsubscribedAt = now };
        }

        // Read back, so the answer carries the row as the database holds it, its unsubscribe time included.
        return await store.FindAsync(subscriber.Id, cancellationToken) ?? subscriber;
    }

    /// <summary>The longest name kept; a longer one is cut.</summary>
    public const int MaxNameLength = 200;

    /// <summary>Names go into mail headers and pages: one line, no control characters, at most <see cref="MaxNameLength"/> characters.</summary>
    public static string CleanName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "";
        }

        var chars = name.Select(c => char.IsControl(c) || c is '\u2028' or '\u2029' ? ' ' : c).ToArray();
        var text = string.Join(' ', new string(chars).Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return text.Length > MaxNameLength ? text[..MaxNameLength] : text;
    }
}

/// <summary>The answer to a subscribe request: accepted (known or not), or the input was not an address.</summary>
internal sealed record SubscribeOutcome(bool Accepted, string Error);

internal enum LinkOutcome
{
    Done,
    Invalid,
    Expired,
}

internal enum AddResult
{
    Added,

    /// <summary>Known already; for a pending address, <see cref="AddOutcome.Mail"/> tells about the confirm link mailed again.</summary>
    Known,

    /// <summary>Was pending; the operator confirmed it, so it is active now.</summary>
    Activated,
    Unsubscribed,
    Invalid,
}

/// <summary>What became of the confirmation mail of an operator's add.</summary>
internal enum ConfirmationMail
{
    /// <summary>None was due: the address was added or made active, or it is active or unsubscribed.</summary>
    NotNeeded,

    /// <summary>Handed to the mail server or written to the pickup folder.</summary>
    Sent,

    /// <summary>Not sent now: one went out within Subscribers:ConfirmationInterval.</summary>
    RecentlySent,

    /// <summary>Could not be sent; <see cref="AddOutcome.MailError"/> says why. The subscriber stays pending.</summary>
    Failed,
}

/// <param name="Mail">The confirmation mail, for an address added or known as pending.</param>
/// <param name="MailError">Why the confirmation mail could not be sent, when <paramref name="Mail"/> is Failed.</param>
internal sealed record AddOutcome(AddResult Result, Subscriber? Subscriber, string Error, ConfirmationMail Mail = ConfirmationMail.NotNeeded, string MailError = "");

internal readonly record struct MailOutcome(ConfirmationMail Mail, string Reason);
