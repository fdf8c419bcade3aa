using Microsoft.Extensions.DependencyInjection;
using Syndicate.Subscribers;

namespace Syndicate.Cli;

/// <summary><c>subscribers add EMAIL [--name N] [--confirmed]</c>: without --confirmed the address gets a confirmation mail.</summary>
internal static class SubscribersAddCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string email, string? name, bool confirmed, TextWriter output,
        TextWriter error, CancellationToken cancellationToken)
    {
        var outcome = await services.GetRequiredService<SubscriptionService>().AddAsync(email, name, confirmed, cancellationToken);
        switch (outcome.Result)
        {
            case AddResult.Added:
                await output.WriteLineAsync(confirmed
                    ? $"Added {outcome.Subscriber!.Email} (id {outcome.Subscriber.Id}) as active."
                    : $"Added {outcome.Subscriber!.Email} (id {outcome.Subscriber.Id}) as pending; a confirmation mail was sent.");
                return 0;
            case AddResult.Known:
                await output.WriteLineAsync($"{outcome.Subscriber!.Email} is already known (id {outcome.Subscriber.Id}, {SubscriberStore.StatusText(outcome.Subscriber.Status)}); nothing changed.");
                return 0;
            case AddResult.Unsubscribed:
                await error.WriteLineAsync($"{outcome.Subscriber!.Email} unsubscribed earlier and is kept as a suppression; it can come back only by subscribing again through the form.");
                return 1;
            default:
                await error.WriteLineAsync($"Not added: {outcome.Error}.");
                return 1;
        }
    }
}
