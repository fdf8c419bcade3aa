using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;
using Syndicate.Digests;
using Syndicate.Site;
using Syndicate.Storage;

namespace Syndicate.Scheduling;

/// <summary>
/// Readies the digest schedule before Quartz's hosted service starts the scheduler: the database is
/// migrated (Quartz checks its tables when the scheduler is built), the job is stored, and the trigger is
/// created, or replaced when Digest:Schedule or Digest:TimeZone differ from the stored one. An unchanged
/// trigger is left alone, so a slot missed while the service was down is still due and fires once at start.
/// </summary>
internal sealed class DigestScheduleStartup(
    Database database,
    ISchedulerFactory schedulers,
    IOptions<DigestOptions> options,
    TimeProvider time,
    ILogger<DigestScheduleStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Idempotent, and cheap once done: DatabaseStartup may run before or after this one.
        await database.MigrateAsync(cancellationToken);

        var digest = options.Value;
        SiteOptionsValidator.TryFindTimeZone(digest.TimeZone, out var zone);
        var scheduler = await schedulers.GetScheduler(cancellationToken);

        var job = JobBuilder.Create<DigestJob>()
            .WithIdentity(DigestJob.Key)
            .WithDescription("Plans and sends the digest of the posts no digest has carried yet.")
            .StoreDurably()
            .Build();
        await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);

        var trigger = TriggerBuilder.Create(time)
            .WithIdentity(DigestJob.TriggerKey)
            .ForJob(DigestJob.Key)
            .WithDescription("Digest:Schedule in Digest:TimeZone.")
            .WithCronSchedule(digest.Schedule, cron => cron
                .InTimeZone(zone)
                .WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .Build();

        var stored = await scheduler.GetTrigger(DigestJob.TriggerKey, cancellationToken) as ICronTrigger;
        if (stored is null)
        {
            try
            {
                await scheduler.ScheduleJob(trigger, cancellationToken: cancellationToken);
            }
            catch (ObjectAlreadyExistsException)
            {
                // Another node of the cluster, starting at the same moment, stored it first: one trigger for all.
            }
        }
        else if (stored.CronExpressionString != digest.Schedule || stored.TimeZone.Id != zone.Id)
        {
            SchedulingLog.ScheduleReplaced(logger, stored.CronExpressionString ?? "", stored.TimeZone.Id, digest.Schedule, zone.Id);
            await scheduler.RescheduleJob(DigestJob.TriggerKey, trigger, cancellationToken);
        }

        var current = await scheduler.GetTrigger(DigestJob.TriggerKey, cancellationToken);
        if (current?.NextFireTimeUtc is not { } next)
        {
            SchedulingLog.ScheduleNeverFires(logger, digest.Schedule, zone.Id);
        }
        else if (next < time.GetUtcNow())
        {
            SchedulingLog.ScheduleMissed(logger, digest.Schedule, zone.Id, InZone(next, zone));
        }
        else
        {
            SchedulingLog.ScheduleReady(logger, digest.Schedule, zone.Id, InZone(next, zone));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string InZone(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);
}
