using Microsoft.Extensions.DependencyInjection;
using Syndicate.Hosting;
using Syndicate.Posts;
using Syndicate.Status;

namespace Syndicate.Cli;

/// <summary><c>status [--json]</c>: posts, feeds, subscribers, digests, deliveries and the mail server at a glance.</summary>
internal static class StatusCommand
{

    public static async Task<int> RunAsync(IServiceProvider services, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        services.GetRequiredService<PostCatalog>().Scan();
        var report = await services.GetRequiredService<StatusReporter>().ReportAsync(cancellationToken);
        if (json)
        {
            await output.WriteLineAsync(JsonOutput.Serialize(report, JsonOutput.WebIndented));
            return 0;
        }

        var posts = report.Posts;
        await output.WriteLineAsync($"Posts:        {posts.Published} published, {Counted.Of(posts.Drafts, "draft")}, {posts.Scheduled} scheduled, {Counted.Of(posts.Rejected.Count, "problem")}");
        foreach (var rejected in posts.Rejected)
        {
            var line = rejected.Line is { } number ? $":{number}" : "";
            var field = rejected.Field is { } name ? $" {name}:" : "";
            await output.WriteLineAsync($"              {rejected.File}{line}:{field} {rejected.Reason}");
        }

        await output.WriteLineAsync($"Feeds:        {report.Feeds.Count}");
        foreach (var feed in report.Feeds)
        {
            await output.WriteLineAsync($"              /{feed.Path}  {feed.ETag}  {feed.Bytes:N0} bytes");
        }

        var subscribers = report.Subscribers;
        await output.WriteLineAsync($"Subscribers:  {subscribers.Active} active, {subscribers.Pending} pending, {subscribers.Unsubscribed} unsubscribed");
        if (report.LastDigest is { } last)
        {
            await output.WriteLineAsync($"Last digest:  {last.Id} planned {last.PlannedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC, {last.Status}: {last.Sent} sent, {last.Failed} failed, {last.Pending} pending");
        }
        else
        {
            await output.WriteLineAsync("Last digest:  none yet");
        }

        await output.WriteLineAsync($"Next digest:  {(report.NextDigest is { } next ? next.ToString("yyyy-MM-dd HH:mm zzz", System.Globalization.CultureInfo.InvariantCulture) : "never (check Digest:Schedule)")}");
        await output.WriteLineAsync($"Deliveries:   {report.DeliveriesPending} pending, {report.DeliveriesFailed} failed");
        await output.WriteLineAsync($"Mail:         {report.Mail.Mode} {report.Mail.Destination}: {(report.Mail.Reachable ? "ok" : "NOT REACHABLE")} ({report.Mail.Detail})");
        return 0;
    }
}
