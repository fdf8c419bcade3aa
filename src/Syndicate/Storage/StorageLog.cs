using Microsoft.Extensions.Logging;

namespace Syndicate.Storage;

/// <summary>Storage events, EventId band 7xxx.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(7001, LogLevel.Information, "Database migration {Version} ({Migration}) applied to {Database}")]
    public static partial void MigrationApplied(ILogger logger, int version, string migration, string database);

    [LoggerMessage(7002, LogLevel.Error,
        "Database unreachable for {Outage} ({Work}: {Reason}; {Failures} failed calls since the last report); work waits and goes on when it is back")]
    public static partial void Unavailable(ILogger logger, TimeSpan outage, string work, string reason, int failures);

    [LoggerMessage(7003, LogLevel.Information, "Database reachable again after {Outage}; waiting work goes on")]
    public static partial void Available(ILogger logger, TimeSpan outage);
}
