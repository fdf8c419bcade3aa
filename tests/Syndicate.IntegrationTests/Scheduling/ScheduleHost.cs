using System.Collections.Concurrent;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Syndicate.Digests;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.Scheduling;
using Syndicate.Storage;

namespace Syndicate.IntegrationTests.Scheduling;

/// <summary>
/// A plain host with what the schedule needs and nothing else: Database on the test site's own database (a
/// SQLite file under the content root or a PostgreSQL database), the digest options, AddScheduling, and a recording IScheduledDigests in place of
/// DigestService. Started and stopped like the service, so a second one on the same folder is a restart.
/// </summary>
internal sealed class ScheduleHost : IAsyncDisposable
{
    private readonly IHost _host;

    private ScheduleHost(IHost host, RecordingDigests digests, LogRecorder logs)
    {
        _host = host;
        Digests = digests;
        Logs = logs;
    }

    public RecordingDigests Digests { get; }

    public LogRecorder Logs { get; }

    public static async Task<ScheduleHost> StartAsync(TestSite site, string schedule, string timeZone = "UTC")
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = site.Root, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(site.Database.Settings)
        {
            ["Digest:Schedule"] = schedule,
            ["Digest:TimeZone"] = timeZone,
        });
        var logs = new LogRecorder();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(logs);

        var digests = new RecordingDigests();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section);
        builder.Services.AddSingleton<Database>();
        builder.Services.AddOptions<DigestOptions>().BindConfiguration(DigestOptions.Section);
        builder.Services.AddSingleton<IScheduledDigests>(digests);
        builder.Services.AddScheduling(builder.Configuration);

        var host = builder.Build();
        try
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new ScheduleHost(host, digests, logs);
    }

    /// <summary>Runs a query on the site's database with a connection of the test's own.</summary>
    public static async Task<List<T>> QueryAsync<T>(TestSite site, string sql)
    {
        await using var connection = site.Database.Open();
        return (await connection.QueryAsync<T>(sql)).AsList();
    }

    public async Task StopAsync() => await _host.StopAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
    }
}

/// <summary>One call of the schedule: the slot it was for and when it came.</summary>
internal sealed record ScheduledCall(DateTimeOffset ScheduledFor, DateTimeOffset CalledAt);

/// <summary>Stands in for DigestService: records each scheduled run and sends nothing.</summary>
internal sealed class RecordingDigests : IScheduledDigests
{
    private readonly ConcurrentQueue<ScheduledCall> _calls = new();

    public IReadOnlyList<ScheduledCall> Calls => _calls.ToArray();

    public Task<DigestRun> RunScheduledAsync(DateTimeOffset scheduledFor, CancellationToken cancellationToken)
    {
        _calls.Enqueue(new ScheduledCall(scheduledFor, TimeProvider.System.GetUtcNow()));
        return Task.FromResult(new DigestRun(null, "recorded", 0, 0, 0, 0));
    }
}
