using Quartz;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.Scheduling;

namespace Syndicate.IntegrationTests.Scheduling;

/// <summary>
/// The digest schedule on Quartz's persistent store in the service's database: a fresh SQLite file or PostgreSQL database per test,
/// hosts started and stopped on it as the service would be, IScheduledDigests recorded.
/// </summary>
public sealed class DigestScheduleTests : IDisposable
{
    private const string EveryTwoSeconds = "0/2 * * * * ?";

    private static readonly string[] QuartzTables =
    [
        "QRTZ_BLOB_TRIGGERS", "QRTZ_CALENDARS", "QRTZ_CRON_TRIGGERS", "QRTZ_EXECUTION_HISTORY", "QRTZ_FIRED_TRIGGERS",
        "QRTZ_JOB_DETAILS", "QRTZ_JOB_STATUS", "QRTZ_LOCKS", "QRTZ_MISFIRE_HISTORY", "QRTZ_PAUSED_JOB_GRPS",
        "QRTZ_PAUSED_TRIGGER_GRPS", "QRTZ_SCHEDULER_STATE", "QRTZ_SIMPLE_TRIGGERS", "QRTZ_SIMPROP_TRIGGERS", "QRTZ_TRIGGERS",
    ];

    private readonly TestSite _site = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _site.Dispose();
    }

    [Fact]
    public async Task Start_NewDatabase_CreatesQuartzTablesAndStoresTheCronTrigger()
    {
        await using (var host = await ScheduleHost.StartAsync(_site, "0 0 9 ? * MON", "Europe/Berlin"))
        {
            var ready = Assert.Single(host.Logs.WithId(4501));
            // The next fire time is told in the digest's zone: 09:00 Berlin, whichever offset the date has.
            Assert.Contains("Europe/Berlin", ready.Message, StringComparison.Ordinal);
            Assert.Matches(@"\d{4}-\d\d-\d\d 09:00:00 \+0[12]:00", ready.Message);
        }

        var tables = await ScheduleHost.QueryAsync<string>(_site, Syndicate.Testing.TestDatabase.IsPostgres
            ? "SELECT upper(table_name) AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'qrtz!_%' ESCAPE '!' ORDER BY upper(table_name) COLLATE \"C\""
            : "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'QRTZ!_%' ESCAPE '!' ORDER BY name");
        Assert.Equal(QuartzTables, tables);
        Assert.Contains(3L, await ScheduleHost.QueryAsync<long>(_site, "SELECT version FROM schema_version"));

        var cron = Assert.Single(await ScheduleHost.QueryAsync<(string SchedName, string TriggerName, string Expression, string Zone)>(
            _site, "SELECT SCHED_NAME, TRIGGER_NAME, CRON_EXPRESSION, TIME_ZONE_ID FROM QRTZ_CRON_TRIGGERS"));
        Assert.Equal((SchedulingServices.SchedulerName, DigestJob.TriggerKey.Name, "0 0 9 ? * MON", "Europe/Berlin"), cron);

        var trigger = Assert.Single(await ScheduleHost.QueryAsync<(string JobName, long MisfireInstruction)>(
            _site, "SELECT JOB_NAME, MISFIRE_INSTR FROM QRTZ_TRIGGERS"));
        Assert.Equal(DigestJob.Key.Name, trigger.JobName);
        Assert.Equal((long)CronTriggerMisfireInstruction.FireAndProceed, trigger.MisfireInstruction);
    }

    [Fact]
    public async Task Schedule_EveryTwoSeconds_RunsTheDigestForEachScheduledFireTime()
    {
        await using var host = await ScheduleHost.StartAsync(_site, EveryTwoSeconds);

        var calls = await Eventually.ObservedAsync(() => host.Digests.Calls, calls => calls.Count >= 2, "two scheduled digest runs");

        foreach (var call in calls)
        {
            Assert.True(IsSlot(call.ScheduledFor), $"{call.ScheduledFor:O} is the trigger's fire time, an even second, not the time of the call");
            // Slack for a loaded machine; on time it is a few milliseconds.
            Assert.InRange(call.CalledAt - call.ScheduledFor, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        }

        Assert.Equal(TimeSpan.FromSeconds(2), calls[1].ScheduledFor - calls[0].ScheduledFor);
    }

    [Fact]
    public async Task Restart_AfterThreeMissedSlots_FiresOnceForThemAndKeepsTheSchedule()
    {
        DateTimeOffset stoppedAt;
        await using (var first = await ScheduleHost.StartAsync(_site, EveryTwoSeconds))
        {
            await Eventually.ObservedAsync(() => first.Digests.Calls, calls => calls.Count >= 1, "a run before the stop");
            await first.StopAsync();
            stoppedAt = TimeProvider.System.GetUtcNow();
        }

        // The service is down for three slots: this wait is the scenario, not a wait for a condition.
        await Task.Delay(TimeSpan.FromSeconds(7), TestContext.Current.CancellationToken);
        var restartedAt = TimeProvider.System.GetUtcNow();

        await using var second = await ScheduleHost.StartAsync(_site, EveryTwoSeconds);
        Assert.Single(second.Logs.WithId(4502));
        var calls = await Eventually.ObservedAsync(() => second.Digests.Calls, calls => calls.Count >= 3, "the catch-up run and two on schedule");

        var catchUp = calls[0];
        Assert.InRange(catchUp.ScheduledFor, stoppedAt, restartedAt.AddSeconds(2));
        // The first missed slot is 5 to 7 s before the restart; the latest is at most one period before the run.
        Assert.True(catchUp.CalledAt - catchUp.ScheduledFor < TimeSpan.FromSeconds(4),
            "the catch-up run is for the latest missed slot (the one Digest:MaxLateness is measured from), not the first");
        Assert.True(calls.Count(call => call.ScheduledFor < restartedAt) <= 1,
            $"the slots missed while down fire once, not once each: {string.Join(", ", calls.Select(call => call.ScheduledFor.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture)))}");
        for (var i = 1; i < calls.Count; i++)
        {
            // On schedule again: each run a later slot of the same cron, normally the very next one.
            Assert.True(IsSlot(calls[i].ScheduledFor));
            Assert.True(calls[i].ScheduledFor > calls[i - 1].ScheduledFor, "no slot runs twice");
        }

        Assert.Equal(TimeSpan.FromSeconds(2), calls[1].ScheduledFor - calls[0].ScheduledFor);
    }

    [Fact]
    public async Task Restart_WithChangedSchedule_ReplacesTheStoredTrigger()
    {
        await using (var first = await ScheduleHost.StartAsync(_site, "0 0 9 ? * MON"))
        {
            Assert.Empty(first.Logs.WithId(4503));
        }

        await using (var second = await ScheduleHost.StartAsync(_site, "0 0 9 ? * MON"))
        {
            Assert.Empty(second.Logs.WithId(4503));
        }

        await using (var third = await ScheduleHost.StartAsync(_site, "0 30 7 ? * *", "Europe/Berlin"))
        {
            var replaced = Assert.Single(third.Logs.WithId(4503));
            Assert.Contains("0 0 9 ? * MON", replaced.Message, StringComparison.Ordinal);
            Assert.Matches(@" 07:30:00 \+0[12]:00", Assert.Single(third.Logs.WithId(4501)).Message);
        }

        var cron = Assert.Single(await ScheduleHost.QueryAsync<(string Expression, string Zone)>(
            _site, "SELECT CRON_EXPRESSION, TIME_ZONE_ID FROM QRTZ_CRON_TRIGGERS"));
        Assert.Equal(("0 30 7 ? * *", "Europe/Berlin"), cron);
        Assert.Single(await ScheduleHost.QueryAsync<string>(_site, "SELECT TRIGGER_NAME FROM QRTZ_TRIGGERS"));
    }

    [Fact]
    public void Slot_OnTime_IsTheScheduledFireTime()
    {
        var trigger = Cron(EveryTwoSeconds);
        var scheduled = new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

        Assert.Equal(scheduled, DigestJob.Slot(trigger, scheduled, scheduled.AddMilliseconds(30)));
    }

    [Fact]
    public void Slot_AfterSeveralMissedSlots_IsTheLatestNotAfterTheFiring()
    {
        var trigger = Cron("0 0 9 ? * MON");
        var firstMissed = new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);
        var firedAt = new DateTimeOffset(2026, 6, 22, 10, 15, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 6, 22, 9, 0, 0, TimeSpan.Zero), DigestJob.Slot(trigger, firstMissed, firedAt));
    }

    private static ITrigger Cron(string expression) =>
        TriggerBuilder.Create()
            .WithIdentity("probe")
            .ForJob("probe")
            .StartAt(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
            .WithCronSchedule(expression, cron => cron.InTimeZone(TimeZoneInfo.Utc))
            .Build();

    private static bool IsSlot(DateTimeOffset instant) => instant.Millisecond == 0 && instant.Second % 2 == 0;
}
