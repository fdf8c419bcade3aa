using Dapper;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Quartz;
using Syndicate.Digests;
using Syndicate.Feeds;
using Syndicate.Mail;
using Syndicate.Posts;
using Syndicate.Site;
using Syndicate.Storage;
using Syndicate.Subscribers;

namespace Syndicate.Status;

/// <summary>
/// What the service is doing, in one read for <c>status</c> and GET /admin/status: posts published
/// and rejected (with the reason), feeds and their ETags, subscribers by state, the last and next
/// digest, deliveries pending or failed, and whether the mail server answers.
/// </summary>
internal sealed class StatusReporter(
    PostCatalog catalog,
    FeedStore served,
    FeedOutput output,
    SubscriberStore subscribers,
    DigestStore digests,
    Database database,
    IOptions<MailOptions> mail,
    IOptions<DigestOptions> digestOptions,
    IHostEnvironment environment,
    TimeProvider time)
{
    public async Task<StatusReport> ReportAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var snapshot = catalog.Snapshot(now);
        var counts = await subscribers.CountByStatusAsync(cancellationToken);
        var all = await digests.ListAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        var deliveries = await connection.QuerySingleAsync<DeliveryCounts>(
            """
            SELECT COALESCE(SUM(CASE WHEN status IN ('pending', 'claimed') THEN 1 ELSE 0 END), 0) AS Pending,
                   COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS Failed FROM deliveries d
            WHERE d.resend_id = (SELECT MAX(y.resend_id) FROM deliveries y WHERE y.digest_id = d.digest_id AND y.subscriber_id = d.subscriber_id)
            """);
        return new StatusReport(
            new PostsStatus(snapshot.Posts.Count, snapshot.Drafts, snapshot.Scheduled,
                snapshot.Rejected.Select(d => new RejectedPost(d.File, d.Line, d.Field, d.Message)).ToList()),
            Feeds(),
            new SubscribersStatus(
                counts.GetValueOrDefault(SubscriberStatus.Pending),
                counts.GetValueOrDefault(SubscriberStatus.Active),
                counts.GetValueOrDefault(SubscriberStatus.Unsubscribed)),
            all.Count > 0 ? all[0] : null,
            NextDigest(now),
            (int)deliveries.Pending,
            (int)deliveries.Failed,
            await MailAsync(cancellationToken));
    }

    /// <summary>The feeds being served; for a CLI verb (no service in this process) the files in the output folder.</summary>
    private List<FeedStatus> Feeds()
    {
        if (served.Count > 0)
        {
            return served.All().Select(d => new FeedStatus(d.Path, d.ETag, d.Body.Length)).ToList();
        }

        if (!Directory.Exists(output.Folder))
        {
            return [];
        }

        return Directory.EnumerateFiles(output.Folder, "*", SearchOption.AllDirectories)
            .Where(path => Path.GetFileName(path) is "feed.xml" or "atom.xml" or "feed.json")
            .Select(path =>
            {
                var bytes = File.ReadAllBytes(path);
                return new FeedStatus(Path.GetRelativePath(output.Folder, path).Replace(Path.DirectorySeparatorChar, '/'), FeedDocument.ETagOf(bytes), bytes.Length);
            })
            .OrderBy(feed => feed.Path, StringComparer.Ordinal)
            .ToList();
    }

    private DateTimeOffset? NextDigest(DateTimeOffset now)
    {
        try
        {
            SiteOptionsValidator.TryFindTimeZone(digestOptions.Value.TimeZone, out var zone);
            var trigger = TriggerBuilder.Create()
                .WithCronSchedule(digestOptions.Value.Schedule, cron => cron.InTimeZone(zone))
                .StartAt(now)
                .Build();
            return trigger.GetFireTimeAfter(now);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Why no message could be written into the pickup folder now; null when a test file can be (or the folder is still to be made).</summary>
    internal static string? PickupProblem(string folder)
    {
        if (File.Exists(folder))
        {
            return $"{folder} is a file, not a folder; point Mail:PickupFolder at a folder";
        }

        if (!Directory.Exists(folder))
        {
            // Made at the first message, owner-only; what matters then is the parent.
            return null;
        }

        var probe = Path.Combine(folder, $".syndicate-status-{Environment.ProcessId}.tmp");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"no message can be written into {folder}: {ex.Message}";
        }
    }

    private async Task<MailStatus> MailAsync(CancellationToken cancellationToken)
    {
        var options = mail.Value;
        if (options.ParsedMode() != MailMode.Smtp)
        {
            var folder = Path.GetFullPath(options.PickupFolder, environment.ContentRootPath);
            return PickupProblem(folder) is { } problem
                ? new MailStatus("Pickup", folder, false, problem)
                : new MailStatus("Pickup", folder, true, $"messages are written to {folder}");
        }

        var server = $"{options.Smtp.Host}:{options.Smtp.Port}";
        using var client = new SmtpClient { Timeout = 5000 };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            var security = SmtpMailTransport.SocketOptions(options.Smtp.ParsedSecurity());
            await client.ConnectAsync(options.Smtp.Host, options.Smtp.Port, security, timeout.Token);
            var secure = client.IsSecure;
            await client.DisconnectAsync(quit: true, timeout.Token);
            return SmtpMailTransport.ClearTextLoginProblem(options.Smtp, secure) is { } problem
                ? new MailStatus("Smtp", server, false, $"the SMTP server answers, but no message will go out: {problem}")
                : new MailStatus("Smtp", server, true, "the SMTP server answers");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new MailStatus("Smtp", server, false, ex.Message);
        }
    }

    internal sealed class DeliveryCounts
    {
        public long Pending { get; init; }

        public long Failed { get; init; }
    }
}

internal sealed record StatusReport(
    PostsStatus Posts,
    IReadOnlyList<FeedStatus> Feeds,
    SubscribersStatus Subscribers,
    DigestSummary? LastDigest,
    DateTimeOffset? NextDigest,
    int DeliveriesPending,
    int DeliveriesFailed,
    MailStatus Mail);

internal sealed record PostsStatus(int Published, int Drafts, int Scheduled, IReadOnlyList<RejectedPost> Rejected);

internal sealed record RejectedPost(string File, int? Line, string? Field, string Reason);

internal sealed record FeedStatus(string Path, string ETag, int Bytes);

internal sealed record SubscribersStatus(int Pending, int Active, int Unsubscribed);

internal sealed record MailStatus(string Mode, string Destination, bool Reachable, string Detail);
