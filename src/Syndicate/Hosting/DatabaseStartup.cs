using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Syndicate.Storage;

namespace Syndicate.Hosting;

/// <summary>Brings the database schema up to date before anything else starts.</summary>
internal sealed class DatabaseStartup(Database database, ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var version = await database.MigrateAsync(cancellationToken);
        HostingLog.DatabaseReady(logger, database.Location, version);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
