using System.Collections.Concurrent;
using Dapper;
using Microsoft.Data.Sqlite;
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
/// A plain host with what the schedule needs and nothing else: Database on a real SQLite file under the
/// content root, the digest options, AddScheduling, and a recording IScheduledDigests in place of
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

    public static async Task<ScheduleHost> StartAsync(string contentRoot, string schedule, string timeZone = "UTC")
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = contentRoot, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = "Data Source=data/syndicate.db",
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

    public static string DatabasePath(string contentRoot) => Path.Combine(contentRoot, "data", "syndicate.db");

    /// <summary>Runs a query on the host's database file with a connection of the test's own.</summary>
    public static async Task<List<T>> QueryAsync<T>(string contentRoot, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath(contentRoot)}");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
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
