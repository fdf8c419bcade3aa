using Microsoft.Extensions.DependencyInjection;
using Syndicate.Digests;
using Syndicate.Posts;

namespace Syndicate.Cli;

/// <summary>
/// <c>digest resend ID [--failed-only | --to EMAIL [--force]] [--dry-run] [--request-id ID]</c>: one new
/// copy to those whose delivery failed, to one address, or to every subscriber of the digest still active.
/// </summary>
internal static class DigestResendCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, long digestId, bool failedOnly, string? to, bool force, bool dryRun,
        string? requestId, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (failedOnly && to is not null)
        {
            await error.WriteLineAsync("Give --failed-only or --to EMAIL, not both.");
            return 2;
        }

        var mode = failedOnly ? ResendMode.FailedOnly : to is not null ? ResendMode.To : ResendMode.Everyone;
        var request = new ResendRequest(digestId, mode, to, force, dryRun, requestId ?? Guid.NewGuid().ToString("N"),
            RequestedBy: $"cli:{Environment.UserName}");
        if (DigestResender.Check(request) is { } invalid)
        {
            await error.WriteLineAsync(Refusal(invalid));
            return 2;
        }

        services.GetRequiredService<PostCatalog>().Scan();
        var progress = ConsoleProgress.ForDigests(output);
        var outcome = await services.GetRequiredService<DigestResender>().ResendAsync(request, progress, cancellationToken);
        progress.Complete();
        if (outcome.Refusal is not null)
        {
            await error.WriteLineAsync(Refusal(outcome));
            return 1;
        }

        if (outcome.Repeated)
        {
            await output.WriteLineAsync($"Request {request.RequestId} was already carried out as resend {outcome.ResendId}; nothing more was sent.");
            return 0;
        }

        if (dryRun)
        {
            await output.WriteLineAsync($"Would send {Counted.Of(outcome.Recipients.Count, "copy", "copies")} of digest {digestId}:");
            foreach (var recipient in outcome.Recipients)
            {
                await output.WriteLineAsync("  " + recipient);
            }

            return 0;
        }

        if (outcome.Recipients.Count == 0)
        {
            var nobody = mode == ResendMode.FailedOnly
                ? "no subscriber still active has a failed delivery of it"
                : "none of its subscribers is still active";
            await output.WriteLineAsync($"Nothing to resend for digest {digestId}: {nobody}; nothing was recorded.");
            return 0;
        }

        var summary = await services.GetRequiredService<DigestService>().FindAsync(digestId, cancellationToken);
        await output.WriteLineAsync($"Resend {outcome.ResendId} of digest {digestId}: {Counted.Of(outcome.Recipients.Count, "copy", "copies")} queued; " +
            $"the digest now stands at {summary?.Sent} sent, {summary?.Failed} failed, {summary?.Pending} pending.");
        return summary?.Pending > 0 ? 1 : 0;
    }

    /// <summary>The resender's reason, with what to do next in this verb's options.</summary>
    private static string Refusal(ResendOutcome outcome) => outcome.RefusalKind switch
    {
        ResendRefusal.RequestId => $"Not resent: --request-id is 1 to {DigestResender.MaxRequestIdLength} characters.",
        ResendRefusal.ForceWithoutAddress => "Not resent: --force applies only to one address (--to EMAIL), which it lets reach an address still pending.",
        ResendRefusal.NotSubscriber => $"Not resent: {outcome.Refusal}; add it first with `subscribers add {outcome.RefusedAddress}`.",
        ResendRefusal.NeedsForce => $"Not resent: {outcome.Refusal}; add --force to send it a copy anyway.",
        _ => $"Not resent: {outcome.Refusal}.",
    };
}
