using System.Data.Common;
using System.Reflection;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Syndicate.Storage;

/// <summary>
/// The one seam to the database: opens connections for the configured provider and brings the
/// schema up to date (numbered migrations per provider, each in a transaction, recorded in
/// schema_version) the first time a connection is asked for.
/// </summary>
internal sealed class Database : IDisposable
{
    private readonly SemaphoreSlim _migrateGate = new(1, 1);
    private readonly ILogger<Database> _logger;
    private readonly TimeProvider _time;
    private volatile bool _migrated;

    public Database(IOptions<StorageOptions> options, IHostEnvironment environment, TimeProvider time, ILogger<Database> logger)
    {
        _logger = logger;
        _time = time;
        Provider = options.Value.Provider;
        var builder = new SqliteConnectionStringBuilder(options.Value.ConnectionString) { ForeignKeys = true };
        if (builder.DataSource is { Length: > 0 } file && file != ":memory:" && !file.StartsWith("file:", StringComparison.Ordinal))
        {
            builder.DataSource = Path.GetFullPath(file, environment.ContentRootPath);
            Location = builder.DataSource;
        }
        else
        {
            Location = builder.DataSource;
        }

        ConnectionString = builder.ToString();
    }

    public string Provider { get; }

    /// <summary>Where the data lives (the SQLite file), for start-up messages. Never the connection string, which may hold a password.</summary>
    public string Location { get; }

    /// <summary>The full connection string, for Quartz's job store in the same database. Never log it.</summary>
    internal string ConnectionString { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_migrated)
        {
            await MigrateAsync(cancellationToken);
        }

        return await OpenRawAsync(cancellationToken);
    }

    /// <summary>Applies the migrations not yet applied; returns the schema version.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await _migrateGate.WaitAsync(cancellationToken);
        try
        {
            if (Path.GetDirectoryName(Location) is { Length: > 0 } directory)
            {
                Directory.CreateDirectory(directory);
            }

            await using var connection = await OpenRawAsync(cancellationToken);
            // WAL lets the service read while a CLI verb writes; it is a property of the file, set once.
            await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
            await connection.ExecuteAsync(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);");
            var applied = (await connection.QueryAsync<long>("SELECT version FROM schema_version")).Select(v => (int)v).ToHashSet();
            var current = applied.Count == 0 ? 0 : applied.Max();
            foreach (var (version, name, sql) in Migrations())
            {
                if (applied.Contains(version))
                {
                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(sql, transaction: transaction);
                await connection.ExecuteAsync(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (@version, @name, @at)",
                    new { version, name, at = _time.GetUtcNow().ToString("O") }, transaction);
                await transaction.CommitAsync(cancellationToken);
                StorageLog.MigrationApplied(_logger, version, name, Location);
                current = version;
            }

            _migrated = true;
            return current;
        }
        finally
        {
            _migrateGate.Release();
        }
    }

    public void Dispose() => _migrateGate.Dispose();

    private async Task<DbConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        // With WAL, NORMAL syncs at checkpoints instead of at every commit: a power cut may lose the last
        // commits, a crash of the process loses nothing. One fsync per delivery row cost ~7 ms a message.
        await connection.ExecuteAsync("PRAGMA synchronous = NORMAL;");
        return connection;
    }

    private static IEnumerable<(int Version, string Name, string Sql)> Migrations()
    {
        var assembly = Assembly.GetExecutingAssembly();
        const string prefix = "Syndicate.Storage.Migrations.sqlite.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[prefix.Length..^".sql".Length];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            yield return (version, name, reader.ReadToEnd());
        }
    }
}
