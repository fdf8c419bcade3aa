using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Quartz;
using Syndicate.Storage;

namespace Syndicate.Scheduling;

/// <summary>
/// Quartz.NET for the digest schedule: a persistent ADO job store in the service's own database (tables
/// from migration 0003), so the trigger and its misfires survive restarts. On PostgreSQL the store is
/// clustered: every node runs a scheduler, Quartz's row locks let exactly one of them fire each slot, and
/// the others recover a dead node's firings after its check-ins stop.
/// </summary>
internal static class SchedulingServices
{
    /// <summary>SCHED_NAME in the QRTZ_ tables.</summary>
    public const string SchedulerName = "Syndicate";

    /// <summary>
    /// INSTANCE_NAME in the QRTZ_ tables on SQLite. Fixed rather than generated: the store is not clustered
    /// (Quartz refuses clustering on SQLite), and a fixed id lets a restarted service, on another host name
    /// or container, recover the firings the previous run left in flight. On PostgreSQL each node gets a
    /// generated id (host name and start time), as clustering requires.
    /// </summary>
    public const string InstanceId = "syndicate";

    /// <summary>How often a clustered node records in the database that it is alive.</summary>
    public static readonly TimeSpan CheckinInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long past a missed check-in the other nodes wait before they recover a node's firings.</summary>
    public static readonly TimeSpan CheckinMisfireThreshold = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How late a slot may fire before Quartz treats it as misfired. Short on purpose: a misfire of the
    /// digest trigger fires once now (FireAndProceed), so every slot missed while the service was down,
    /// however close together, collapses into one firing; with Quartz's default of a minute the slots
    /// missed in the last minute would each fire in turn.
    /// </summary>
    public static readonly TimeSpan MisfireThreshold = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often Quartz looks for triggers that became overdue while running (blocked behind a digest
    /// still sending, say); at start it looks once anyway. Slower than the threshold so the database is
    /// not polled every second for a schedule that is usually weekly.
    /// </summary>
    public static readonly TimeSpan MisfireScanInterval = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Registers Quartz, the digest job and trigger, and the hosted services that start them. Expects
    /// Database, TimeProvider, DigestOptions and an IScheduledDigests to be registered by their areas.
    /// </summary>
    public static IServiceCollection AddScheduling(this IServiceCollection services, IConfiguration configuration)
    {
        // Known before the container is built: Quartz's store is configured at registration.
        var postgres = StorageOptions.Postgres.Equals(configuration[$"{StorageOptions.Section}:{nameof(StorageOptions.Provider)}"],
            StringComparison.OrdinalIgnoreCase);
        // Before Quartz's hosted service, which builds the scheduler in its StartAsync (and with it checks the
        // QRTZ_ tables): hosted services start in registration order, so the database is migrated and the
        // trigger in place before the scheduler starts firing.
        services.AddHostedService<DigestScheduleStartup>();

        services.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = SchedulerName;
                if (!postgres)
                {
                    scheduler.InstanceId = InstanceId;
                }

                // Quartz cancels a running job's token at shutdown only when told to (the default is Never). Without it a
                // digest waiting for a 4xx retry (Digest:RetryDelay, doubling) kept the stop waiting until the host's 30 s
                // ShutdownTimeout ran out, and Quartz warned that it gave up. Asked to stop, the digest gives up the messages
                // in flight, records the outcomes it knows and ends; the rest stays in the ledger for the next start (DigestResumer).
                scheduler.ShutdownJobInterruption = ShutdownJobInterruption.WhenWaitingForJobs;
            });
            quartz.UsePersistentStore(store =>
            {
                // The same database and connection string as Database (for SQLite: foreign keys on, the path
                // resolved against the content root), built once the container is.
                if (postgres)
                {
                    store.UsePostgres(source => source.DataSourceFactory = services =>
                        NpgsqlDataSource.Create(services.GetRequiredService<Database>().ConnectionString));
                    store.UseClustering(cluster =>
                    {
                        cluster.CheckinInterval = CheckinInterval;
                        cluster.CheckinMisfireThreshold = CheckinMisfireThreshold;
                    });
                }
                else
                {
                    store.UseSqlite(source => source.DataSourceFactory = services =>
                        SqliteFactory.Instance.CreateDataSource(services.GetRequiredService<Database>().ConnectionString));
                }

                store.UseSystemTextJsonSerializer();
                store.ConfigureStore(ado =>
                {
                    // PostgreSQL folds unquoted names to lower case, and its tables were made lower case.
                    ado.TablePrefix = postgres ? "qrtz_" : "QRTZ_";
                    ado.MisfireThreshold = MisfireThreshold;
                    ado.MisfireHandlerFrequency = MisfireScanInterval;
                });
            });
        });

        // Shutdown asks a digest still sending to stop (above) and waits for it to record what it sent, so the store
        // is not closed under it and no outcome already known is lost.
        services.AddQuartzHostedService(hosted => hosted.WaitForJobsToComplete = true);
        return services;
    }
}
