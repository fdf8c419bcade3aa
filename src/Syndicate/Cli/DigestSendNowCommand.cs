using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Syndicate.Digests;
using Syndicate.Posts;

namespace Syndicate.Cli;

/// <summary><c>digest send-now</c>: plan a digest of the posts not yet sent and deliver it, with progress; exit 0 when every delivery ended.</summary>
internal static class DigestSendNowCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        // While the posts are scanned and the digest planned, the other core loads the code that renders a message.
        var messages = services.GetRequiredService<DigestMessages>();
        var warmUp = Task.Run(() => messages.WarmUp(TimeProvider.System.GetUtcNow()), CancellationToken.None);
        services.GetRequiredService<PostCatalog>().Scan();
        var digests = services.GetRequiredService<DigestService>();
        var progress = ConsoleProgress.ForDigests(output);
        // A digest a stopped process left unfinished goes first, once its claims' lease ran out.
        await digests.ResumeAsync(services.GetRequiredService<IOptions<DigestOptions>>().Value.ClaimLease, cancellationToken);
        var run = await digests.SendNowAsync("send-now", progress, cancellationToken);
        await warmUp;
        if (run.DigestId is null)
        {
            await output.WriteLineAsync($"No digest: {run.Outcome}.");
            return 0;
        }

        await output.WriteLineAsync($"Digest {run.DigestId}: {run.Sent} sent, {run.Failed} failed, {run.Skipped} skipped (unsubscribed meanwhile).");
        if (run.Failed > 0)
        {
            await error.WriteLineAsync($"{run.Failed} deliveries failed; `digest show {run.DigestId}` lists them with the server's reply.");
        }

        return run.Pending == 0 ? 0 : 1;
    }
}
