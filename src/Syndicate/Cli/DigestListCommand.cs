using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Syndicate.Digests;

using Syndicate.Hosting;

namespace Syndicate.Cli;

/// <summary><c>digest list [--json]</c>: every digest with counts of sent, failed and pending deliveries.</summary>
internal static class DigestListCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        var digests = await services.GetRequiredService<DigestService>().ListAsync(cancellationToken);
        if (json)
        {
            await output.WriteLineAsync(JsonOutput.Serialize(digests.Select(DigestShowCommand.Json), JsonOutput.Plain));
            return 0;
        }

        await output.WriteLineAsync($"{"ID",5}  {"PLANNED",-16}  {"STATUS",-8}  {"POSTS",5}  {"SENT",6}  {"FAILED",6}  {"SKIPPED",7}  {"PENDING",7}");
        foreach (var d in digests)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{d.Id,5}  {d.PlannedAt.UtcDateTime,-16:yyyy-MM-dd HH:mm}  {d.Status,-8}  {d.Posts,5}  {d.Sent,6}  {d.Failed,6}  {d.Skipped,7}  {d.Pending,7}"));
        }

        await output.WriteLineAsync($"{Counted.Of(digests.Count, "digest")}.");
        return 0;
    }
}
