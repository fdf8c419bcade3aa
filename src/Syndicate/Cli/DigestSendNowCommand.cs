using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Syndicate.Digests;
using Syndicate.Hosting;
using Syndicate.Posts;

namespace Syndicate.Cli;

/// <summary><c>digest send-now</c>: plan a digest of the posts not yet sent and deliver it, with progress; exit 0 when every delivery ended.</summary>
internal static class DigestSendNowCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var progress = ConsoleProgress.ForDigests(output);
        try
        {
            return await SendAsync(services, output, error, progress, cancellationToken);
        }
        catch (DigestStoppedException stopped) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM, a retry not yet due included: the sender stopped at once and recorded what it sent. Say what is
            // left and what sends it, rather than end without a word.
            var summary = await services.GetRequiredService<DigestService>().FindAsync(stopped.DigestId, CancellationToken.None);
            progress.Complete();
            await output.WriteLineAsync($"Digest {stopped.DigestId} stopped before it finished: {summary?.Sent} sent, {summary?.Pending} still to send; " +
                "`digest send-now` or the service sends the rest.");
            return SyndicateProgram.Interrupted;
        }
    }

    private static async Task<int> SendAsync(IServiceProvider services, TextWriter output, TextWriter error, ConsoleProgress<DigestSummary> progress,
        CancellationToken cancellationToken)
    {
        // While the posts are scanned and the digest planned, the other core loads the code that renders a message.
        var messages = services.GetRequiredService<DigestMessages>();
        var warmUp = Task.Run(() => messages.WarmUp(TimeProvider.System.GetUtcNow()), CancellationToken.None);
        services.GetRequiredService<PostCatalog>().Scan();
        var digests = services.GetRequiredService<DigestService>();
        // A digest a stopped process left unfinished goes first, once its claims' lease ran out; it is named, with progress,
        // so that its sending (retries of 4xx answers included) is not taken for a hang.
        var resumed = await digests.ResumeAsync(services.GetRequiredService<IOptions<DigestOptions>>().Value.ClaimLease, cancellationToken, progress,
            digestId =>
            {
                progress.Complete();
                return output.WriteLineAsync($"Digest {digestId} was left unfinished by a sender that stopped; sending the rest first.");
            });
        progress.Complete();
        var pending = 0;
        foreach (var earlier in resumed)
        {
            await ReportAsync(earlier, output, error);
            pending += earlier.Pending;
        }

        var run = await digests.SendNowAsync("send-now", progress, cancellationToken);
        progress.Complete();
        await warmUp;
        if (run.DigestId is null)
        {
            await output.WriteLineAsync($"No digest: {run.Outcome}.");
            return pending == 0 ? 0 : 1;
        }

        await ReportAsync(run, output, error);
        return run.Pending + pending == 0 ? 0 : 1;
    }

    private static async Task ReportAsync(DigestRun run, TextWriter output, TextWriter error)
    {
        var skipped = run.Skipped == 0 ? "0 skipped" : $"{run.Skipped} skipped (unsubscribed meanwhile)";
        var pending = run.Pending == 0 ? "" : $", {run.Pending} still pending";
        await output.WriteLineAsync($"Digest {run.DigestId}: {run.Sent} sent, {run.Failed} failed, {skipped}{pending}.");
        if (run.Failed > 0)
        {
            await error.WriteLineAsync($"{run.Failed} deliveries failed; `digest show {run.DigestId}` lists them with the server's reply.");
        }
    }
}
