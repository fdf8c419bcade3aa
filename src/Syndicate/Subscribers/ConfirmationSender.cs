using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Syndicate.Subscribers;

/// <summary>
/// While the service runs: sends the confirmation mails the public form queued (<see cref="ConfirmationQueue"/>), one at a
/// time, outside any request. A mail that fails is logged (the subscriber stays pending and may ask again) and the next
/// one is sent; nothing here stops the service.
/// </summary>
/// <remarks>
/// On shutdown the queue takes no more mails and those waiting are sent until the host's shutdown time runs out; then the
/// mail being sent is cancelled and the rest are given up, with a log line. A crash loses the waiting mails: no claim was
/// taken for them, so each person can simply ask again.
/// </remarks>
internal sealed class ConfirmationSender(ConfirmationQueue queue, SubscriptionService subscriptions, ILogger<ConfirmationSender> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var subscriberId in queue.ReadAllAsync(stoppingToken))
            {
                await subscriptions.SendQueuedConfirmationAsync(subscriberId, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The shutdown time ran out (or the service never finished starting): what still waits is given up below.
        }

        if (queue.Count > 0)
        {
            SubscribersLog.ConfirmationsGivenUp(logger, queue.Count);
        }
    }

    /// <summary>
    /// After the host's shutdown time ran out and the mail in flight was cancelled: how long the sender still has to give
    /// that mail's claim back and log what it gives up, so that a stop never waits for a mail server that does not answer.
    /// </summary>
    private static readonly TimeSpan GiveUpTime = TimeSpan.FromSeconds(1);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // No new mails; the waiting ones are sent while the host's shutdown time lasts.
        queue.Complete();
        if (ExecuteTask is { } running)
        {
            try
            {
                await running.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Out of time: base.StopAsync cancels the mail in flight and the rest are given up.
            }
        }

        using var giveUp = new CancellationTokenSource(GiveUpTime);
        await base.StopAsync(giveUp.Token);
    }
}
