using Microsoft.Extensions.Options;
using Syndicate.Site;

namespace Syndicate.Digests;

/// <summary>When digests go out and what they hold.</summary>
internal sealed class DigestOptions
{
    public const string Section = "Digest";

    /// <summary>Digest:Schedule, a Quartz cron expression (seconds first), e.g. 0 0 9 ? * MON for Mondays at 09:00.</summary>
    public string Schedule { get; set; } = "0 0 9 ? * MON";

    /// <summary>Digest:TimeZone, the zone the schedule is read in (IANA name).</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Digest:MaxPosts, the most posts in one digest, newest first; the rest wait for the next one.</summary>
    public int MaxPosts { get; set; } = 10;

    /// <summary>Digest:MaxLateness, how late a digest missed while the service was down may still go out.</summary>
    public TimeSpan MaxLateness { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Digest:MaxAttempts, tries per delivery when the mail server answers 4xx or the connection drops.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Digest:RetryDelay, the wait before the first retry; each further retry waits twice as long.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Digest:ClaimLease, how long a claimed delivery stays with its sender before another takes it over (the sender stopped).</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Digest:BatchSize, deliveries claimed at a time by one sender.</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>
    /// Digest:ResumeInterval, how often the service looks for unfinished digests: those a stopped sender
    /// left, and, with several nodes on one database, those another node planned, which this one then
    /// helps to send.
    /// </summary>
    public TimeSpan ResumeInterval { get; set; } = TimeSpan.FromSeconds(30);
}

internal sealed class DigestOptionsValidator : IValidateOptions<DigestOptions>
{
    public ValidateOptionsResult Validate(string? name, DigestOptions options)
    {
        var failures = new List<string>();
        if (!IsCron(options.Schedule))
        {
            failures.Add($"Digest:Schedule '{options.Schedule}' is not a Quartz cron expression; write seconds first, e.g. 0 0 9 ? * MON for Mondays at 09:00.");
        }

        if (!SiteOptionsValidator.TryFindTimeZone(options.TimeZone, out _))
        {
            failures.Add($"Digest:TimeZone '{options.TimeZone}' is not a known time zone; use an IANA name such as UTC or Europe/Berlin.");
        }

        if (options.MaxPosts < 1)
        {
            failures.Add($"Digest:MaxPosts {options.MaxPosts} must be at least 1.");
        }

        if (options.MaxLateness < TimeSpan.Zero)
        {
            failures.Add($"Digest:MaxLateness {options.MaxLateness} must not be negative; use for example 06:00:00.");
        }

        if (options.ResumeInterval < TimeSpan.FromMilliseconds(100) || options.ResumeInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"Digest:ResumeInterval {options.ResumeInterval} must be between 00:00:00.1 and 01:00:00; use for example 00:00:30.");
        }

        if (options.ClaimLease < TimeSpan.FromSeconds(1) || options.ClaimLease > TimeSpan.FromDays(1))
        {
            // The sender renews its claims every third of the lease: at zero it would renew without pause, below zero fail.
            failures.Add($"Digest:ClaimLease {options.ClaimLease} must be between 00:00:01 and 1.00:00:00; use for example 00:05:00.");
        }

        if (options.MaxAttempts < 1 || options.RetryDelay < TimeSpan.Zero || options.BatchSize < 1)
        {
            failures.Add("Digest:MaxAttempts and Digest:BatchSize must be at least 1 and Digest:RetryDelay not negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsCron(string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            return false;
        }

        try
        {
            _ = new Quartz.CronExpression(expression);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
