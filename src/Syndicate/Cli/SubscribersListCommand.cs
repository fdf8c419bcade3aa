using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Syndicate.Hosting;
using Syndicate.Subscribers;

namespace Syndicate.Cli;

/// <summary><c>subscribers list [--status S] [--json]</c>.</summary>
internal static class SubscribersListCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string? status, bool json, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        SubscriberStatus? filter = null;
        if (status is not null)
        {
            if (!SubscriberStore.TryParseStatus(status, out var parsed))
            {
                await error.WriteLineAsync($"Unknown status '{status}'; use pending, active or unsubscribed.");
                return 2;
            }

            filter = parsed;
        }

        var subscribers = await services.GetRequiredService<SubscriberStore>().ListAsync(filter, cancellationToken);
        if (json)
        {
            await output.WriteLineAsync(JsonOutput.Serialize(subscribers.Select(s => s.ToJson()), JsonOutput.Plain));
            return 0;
        }

        await output.WriteLineAsync($"{"ID",6}  {"STATUS",-12}  {"SINCE",-10}  EMAIL (NAME)");
        foreach (var s in subscribers)
        {
            var since = (s.UnsubscribedAt ?? s.ConfirmedAt ?? s.CreatedAt).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var name = s.Name.Length > 0 ? $" ({s.Name})" : "";
            await output.WriteLineAsync($"{s.Id,6}  {SubscriberStore.StatusText(s.Status),-12}  {since,-10}  {s.Email}{name}");
        }

        await output.WriteLineAsync($"{Counted.Of(subscribers.Count, "subscriber")}.");
        return 0;
    }
}
