using Microsoft.Extensions.DependencyInjection;
using Syndicate.Subscribers;

namespace Syndicate.Cli;

/// <summary><c>subscribers remove EMAIL</c>: the address is kept as unsubscribed, so it gets no mail and no import brings it back.</summary>
internal static class SubscribersRemoveCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string email, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        var removed = await services.GetRequiredService<SubscriptionService>().RemoveAsync(email, cancellationToken);
        if (removed is null)
        {
            await error.WriteLineAsync($"No subscriber with the address '{email.Trim()}'.");
            return 1;
        }

        await output.WriteLineAsync($"{removed.Email} (id {removed.Id}) is unsubscribed and will receive nothing more.");
        return 0;
    }
}
