using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Syndicate.Storage;

namespace Syndicate.Digests;

/// <summary>
/// While the service runs: records newly published posts in the ledger at start (on a new database
/// they count as carried), then resumes unfinished digests at start and every Digest:ResumeInterval,
/// taking over claims whose lease (Digest:ClaimLease) ran out because their sender stopped. With
/// several nodes on one database, this is how the others join a digest one of them planned.
/// </summary>
internal sealed class DigestResumer(DigestService digests, DatabaseOutage outage, IOptions<DigestOptions> options, TimeProvider time,
    ILogger<DigestResumer> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await digests.RecordPublishedAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ResumeInterval, time);
        try
        {
            do
            {
                try
                {
                    await digests.ResumeAsync(options.Value.ClaimLease, stoppingToken);
                    outage.Recovered();
                }
                catch (Exception ex) when (Database.IsUnavailable(ex))
                {
                    // The database is away for a moment; the next tick tries again and nothing is lost meanwhile.
                    outage.Failed("resuming unfinished digests", ex);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    DigestsLog.SendStopped(logger, ex, 0, ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The service stops, or never finished starting (the host then cancels without stopping first): not a failure.
        }
    }
}
