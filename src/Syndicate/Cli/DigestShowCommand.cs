using Microsoft.Extensions.DependencyInjection;
using Syndicate.Digests;

using Syndicate.Hosting;

namespace Syndicate.Cli;

/// <summary><c>digest show ID [--json]</c>: one digest, its posts, counts and failed deliveries with the server's reply.</summary>
internal static class DigestShowCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, long id, bool json, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        var digests = services.GetRequiredService<DigestService>();
        var digest = await digests.FindAsync(id, cancellationToken);
        if (digest is null)
        {
            await error.WriteLineAsync($"There is no digest {id}; `digest list` shows them.");
            return 1;
        }

        var posts = await digests.PostsAsync(id, cancellationToken);
        var failures = await digests.FailuresAsync(id, cancellationToken);
        var resends = await services.GetRequiredService<DigestResender>().ListAsync(id, cancellationToken);
        if (json)
        {
            await output.WriteLineAsync(JsonOutput.Serialize(new
            {
                digest = Json(digest),
                posts = posts.Select(p => p.ToJson()),
                failures = failures.Select(f => new { email = f.Email, attempts = f.Attempts, error = f.Error }),
                resends = resends.Select(r => new { id = r.Id, mode = r.Mode, target = r.Target, requestedBy = r.RequestedBy, requestedAt = r.RequestedAt, deliveries = r.Deliveries }),
            }, JsonOutput.Plain));
            return 0;
        }

        await output.WriteLineAsync($"Digest {digest.Id} ({digest.Trigger}), planned {digest.PlannedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC, {digest.Status}" +
            (digest.FinishedAt is { } finished ? $", finished {finished.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : "") + ".");
        await output.WriteLineAsync($"Deliveries: {digest.Deliveries} in all, {digest.Sent} sent, {digest.Failed} failed, {digest.Skipped} skipped, {digest.Pending} pending.");
        await output.WriteLineAsync("Posts:");
        foreach (var post in posts)
        {
            await output.WriteLineAsync($"  {post.Title}  {post.Url}");
        }

        foreach (var resend in resends)
        {
            var what = resend.Target.Length > 0 ? $"to {resend.Target}" : resend.Mode;
            await output.WriteLineAsync($"Resend {resend.Id} ({what}) by {resend.RequestedBy} at {resend.RequestedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC: " +
                $"{Counted.Of(resend.Deliveries, "copy", "copies")}.");
        }

        if (failures.Count > 0)
        {
            await output.WriteLineAsync("Failed:");
            foreach (var (email, attempts, reason) in failures)
            {
                await output.WriteLineAsync($"  {email} after {Counted.Of(attempts, "attempt")}: {reason}");
            }
        }

        return 0;
    }

    internal static object Json(DigestSummary d) => new
    {
        id = d.Id,
        trigger = d.Trigger,
        status = d.Status,
        plannedAt = d.PlannedAt,
        finishedAt = d.FinishedAt,
        posts = d.Posts,
        deliveries = d.Deliveries,
        sent = d.Sent,
        failed = d.Failed,
        skipped = d.Skipped,
        pending = d.Pending,
    };
}
