using Microsoft.Extensions.Logging;

namespace Syndicate.Storage;

/// <summary>Storage events, EventId band 7xxx.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(7001, LogLevel.Information, "Database migration {Version} ({Migration}) applied to {Database}")]
    public static partial void MigrationApplied(ILogger logger, int version, string migration, string database);
}
