using System.Data.Common;
using System.Reflection;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Syndicate.Storage;

/// <summary>
/// The one seam to the database: opens connections for the configured provider (SQLite, the embedded
/// default, or PostgreSQL for several nodes) and brings the schema up to date (numbered migrations per
/// provider, each in a transaction, recorded in schema_version) the first time a connection is asked for.
/// </summary>
internal sealed class Database : IDisposable, IAsyncDisposable
{
    private readonly SemaphoreSlim _migrateGate = new(1, 1);
    private readonly ILogger<Database> _logger;
    private readonly TimeProvider _time;
    private readonly NpgsqlDataSource? _postgres;
    private volatile bool _migrated;
    private int _version;

    public Database(IOptions<StorageOptions> options, IHostEnvironment environment, TimeProvider time, ILogger<Database> logger)
    {
        _logger = logger;
        _time = time;
        Provider = options.Value.Provider;
        IsPostgres = Provider.Equals(StorageOptions.Postgres, StringComparison.OrdinalIgnoreCase);
        if (IsPostgres)
        {
            var builder = new NpgsqlConnectionStringBuilder(options.Value.ConnectionString);
            if (string.IsNullOrEmpty(builder.ApplicationName))
            {
                builder.ApplicationName = "syndicate";
            }

            // The same few statements run once per delivery: prepared on each pooled connection after a few uses,
            // PostgreSQL parses and plans them once. Nothing here changes session state, so a connection going
            // back to the pool needs no DISCARD ALL. Either can be set otherwise in the connection string.
            if (!options.Value.ConnectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
            {
                builder.MaxAutoPrepare = 32;
            }

            if (!options.Value.ConnectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
            {
                builder.NoResetOnClose = true;
            }

            ConnectionString = builder.ConnectionString;
            // Host, port and database only: the connection string may hold a password.
            Location = $"PostgreSQL database {builder.Database ?? builder.Username ?? "(default)"} on {builder.Host}:{builder.Port}";
            _postgres = NpgsqlDataSource.Create(ConnectionString);
            return;
        }

        var sqlite = new SqliteConnectionStringBuilder(options.Value.ConnectionString) { ForeignKeys = true };
        if (sqlite.DataSource is { Length: > 0 } file && file != ":memory:" && !file.StartsWith("file:", StringComparison.Ordinal))
        {
            sqlite.DataSource = Path.GetFullPath(file, environment.ContentRootPath);
        }

        Location = sqlite.DataSource;
        ConnectionString = sqlite.ToString();
    }

    public string Provider { get; }

    /// <summary>PostgreSQL: several processes, on several machines, may share the database and its schedule.</summary>
    public bool IsPostgres { get; }

    /// <summary>Where the data lives (the SQLite file, or PostgreSQL's host and database), for start-up messages. Never the connection string, which may hold a password.</summary>
    public string Location { get; }

    /// <summary>The full connection string, for Quartz's job store in the same database. Never log it.</summary>
    internal string ConnectionString { get; }

    /// <summary>
    /// Whether an error means the database could not be reached or dropped the connection (a restart, a
    /// network cut, a busy SQLite file), so the same work may be tried again later with nothing lost.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.IsTransient || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or System.Net.Sockets.SocketException or TimeoutException,
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6, // SQLITE_BUSY, SQLITE_LOCKED
        InvalidOperationException { InnerException: { } inner } => IsUnavailable(inner),
        _ => false,
    };

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_migrated)
        {
            await MigrateAsync(cancellationToken);
        }

        return await OpenRawAsync(cancellationToken);
    }

    /// <summary>
    /// Applies the migrations not yet applied; returns the schema version. Once per instance: <c>serve</c> migrates before the
    /// host starts, and the host's start-up service then only gets the version.
    /// </summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await _migrateGate.WaitAsync(cancellationToken);
        try
        {
            if (_migrated)
            {
                return _version;
            }

            if (!IsPostgres && Path.GetDirectoryName(Location) is { Length: > 0 } directory)
            {
                // The data folder holds the subscribers: a new one is the owner's only (0700).
                PrivateFiles.CreateFolder(directory);
            }

            await using var connection = await OpenRawAsync(cancellationToken);
            if (!IsPostgres)
            {
                // WAL lets the service read while a CLI verb writes; it is a property of the file, set once.
                await PragmaAsync(connection, "PRAGMA journal_mode = WAL;", cancellationToken);
            }

            var migrations = Migrations(IsPostgres ? "postgres" : "sqlite").ToList();
            if (await AppliedVersionsAsync(connection, cancellationToken) is { } done && migrations.TrueForAll(migration => done.Contains(migration.Version)))
            {
                // Up to date, the common case at every start and CLI verb: two queries, no transaction per migration.
                var newest = 0;
                foreach (var version in done)
                {
                    newest = Math.Max(newest, version);
                }

                _version = newest;
                _migrated = true;
                return newest;
            }

            var current = 0;
            foreach (var (version, name, sql) in migrations)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                if (IsPostgres)
                {
                    // Nodes starting together on a new database take turns here: PostgreSQL's transaction-scoped
                    // advisory lock, released by the commit, so exactly one applies each migration.
                    await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", new { key = MigrationLockKey }, transaction);
                }

                await connection.ExecuteAsync(
                    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);",
                    transaction: transaction);
                var applied = await connection.ExecuteScalarAsync<long>(
                    "SELECT COUNT(*) FROM schema_version WHERE version = @version", new { version }, transaction) > 0;
                if (!applied)
                {
                    await connection.ExecuteAsync(sql, transaction: transaction);
                    await connection.ExecuteAsync(
                        "INSERT INTO schema_version (version, name, applied_at) VALUES (@version, @name, @at)",
                        new { version, name, at = _time.GetUtcNow().ToString("O") }, transaction);
                }

                await transaction.CommitAsync(cancellationToken);
                if (!applied)
                {
                    StorageLog.MigrationApplied(_logger, version, name, Location);
                }

                current = version;
            }

            _version = current;
            _migrated = true;
            return current;
        }
        finally
        {
            _migrateGate.Release();
        }
    }

    public void Dispose()
    {
        _migrateGate.Dispose();
        _postgres?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        _migrateGate.Dispose();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    /// <summary>The migrations applied, or null on a database without Syndicate's schema yet.</summary>
    private async Task<List<int>?> AppliedVersionsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = IsPostgres
            ? "SELECT to_regclass('schema_version') IS NOT NULL"
            : "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";
        if (!Convert.ToBoolean(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture))
        {
            return null;
        }

        command.CommandText = "SELECT version FROM schema_version";
        var applied = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied.Add(Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        }

        return applied;
    }

    /// <summary>The key of the advisory lock migrations take on PostgreSQL ("syndicat" in ASCII).</summary>
    private const long MigrationLockKey = 0x73796E6469636174;

    private async Task<DbConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken);
        }

        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        // With WAL, NORMAL syncs at checkpoints instead of at every commit: a power cut may lose the last
        // commits, a crash of the process loses nothing. One fsync per delivery row cost ~7 ms a message.
        await PragmaAsync(connection, "PRAGMA synchronous = NORMAL;", cancellationToken);
        return connection;
    }

    /// <summary>A pragma as a plain command (not Dapper's ExecuteAsync): what every connection runs first costs no mapper.</summary>
    private static async Task PragmaAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static IEnumerable<Migration> Migrations(string provider)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var prefix = $"Syndicate.Storage.Migrations.{provider}.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[prefix.Length..^".sql".Length];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            yield return new Migration(version, name, reader.ReadToEnd());
        }
    }

    private sealed record Migration(int Version, string Name, string Sql);
}
