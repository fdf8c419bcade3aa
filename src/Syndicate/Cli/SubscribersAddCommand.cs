using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Syndicate.Subscribers;

namespace Syndicate.Cli;

/// <summary>
/// <c>subscribers add EMAIL [--name N] [--confirmed]</c>: without --confirmed the address gets a confirmation mail, and
/// when that mail cannot be sent the command says so, with the reason and what to do, and exits 1. For an address
/// already pending it mails the confirmation again, or with --confirmed makes it active.
/// </summary>
internal static class SubscribersAddCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string email, string? name, bool confirmed, TextWriter output,
        TextWriter error, CancellationToken cancellationToken)
    {
        var outcome = await services.GetRequiredService<SubscriptionService>().AddAsync(email, name, confirmed, cancellationToken);
        var subscriber = outcome.Subscriber;
        switch (outcome.Result)
        {
            case AddResult.Added when outcome.Mail == ConfirmationMail.Failed:
                await error.WriteLineAsync(
                    $"Added {subscriber!.Email} (id {subscriber.Id}) as pending, but the confirmation mail could not be sent: {outcome.MailError}.");
                await error.WriteLineAsync(WhatToDo(subscriber.Email));
                return 1;
            case AddResult.Added:
                await output.WriteLineAsync(confirmed
                    ? $"Added {subscriber!.Email} (id {subscriber.Id}) as active."
                    : $"Added {subscriber!.Email} (id {subscriber.Id}) as pending; a confirmation mail was sent.");
                return 0;
            case AddResult.Activated:
                await output.WriteLineAsync($"{subscriber!.Email} (id {subscriber.Id}) was pending and is now active.");
                return 0;
            case AddResult.Known when outcome.Mail == ConfirmationMail.Failed:
                await error.WriteLineAsync(
                    $"{subscriber!.Email} is already known (id {subscriber.Id}, pending), but the confirmation mail could not be sent: {outcome.MailError}.");
                await error.WriteLineAsync(WhatToDo(subscriber.Email));
                return 1;
            case AddResult.Known when outcome.Mail == ConfirmationMail.Sent:
                await output.WriteLineAsync($"{subscriber!.Email} is already known (id {subscriber.Id}, pending); a confirmation mail was sent again.");
                return 0;
            case AddResult.Known when outcome.Mail == ConfirmationMail.RecentlySent:
                var interval = services.GetRequiredService<IOptions<SubscribersOptions>>().Value.ConfirmationInterval;
                await output.WriteLineAsync(
                    $"{subscriber!.Email} is already known (id {subscriber.Id}, pending); a confirmation mail went out less than {interval:c} ago "
                    + "(Subscribers:ConfirmationInterval), so no other was sent. Add it with --confirmed if the person already agreed.");
                return 0;
            case AddResult.Known:
                await output.WriteLineAsync($"{subscriber!.Email} is already known (id {subscriber.Id}, {SubscriberStore.StatusText(subscriber.Status)}); nothing changed.");
                return 0;
            case AddResult.Unsubscribed:
                await error.WriteLineAsync($"{subscriber!.Email} unsubscribed earlier and is kept as a suppression; it can come back only by subscribing again through the form.");
                return 1;
            default:
                await error.WriteLineAsync($"Not added: {outcome.Error}.");
                return 1;
        }
    }

    private static string WhatToDo(string email) =>
        "The subscriber stays pending and gets no digest until confirmed. Fix the Mail settings (Mail:Mode; for Smtp, Mail:Smtp:Host, "
        + "Port, Security and the login; `status` tells whether the mail server answers), then run "
        + $"`subscribers add {email}` again to send the confirmation mail, or `subscribers add {email} --confirmed` if the person "
        + "already agreed to receive the digest. The subscriber can also ask again through the subscribe form.";
}
