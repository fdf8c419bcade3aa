using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Syndicate.Digests;

/// <summary>
/// While the service runs: records newly published posts in the ledger at start (on a new database
/// they count as carried), then resumes unfinished digests at start and every minute, taking over
/// claims whose lease (Digest:ClaimLease) ran out because their sender stopped.
/// </summary>
internal sealed class DigestResumer(DigestService digests, IOptions<DigestOptions> options, TimeProvider time, ILogger<DigestResumer> logger)
    : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await digests.RecordPublishedAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), time);
        do
        {
            try
            {
                await digests.ResumeAsync(options.Value.ClaimLease, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database may be away for a moment; the next tick tries again and nothing is lost meanwhile.
                DigestsLog.SendStopped(logger, ex, 0, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
