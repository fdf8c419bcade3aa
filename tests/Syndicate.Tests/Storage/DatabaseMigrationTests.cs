using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Syndicate.Storage;
using Syndicate.Testing;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Storage;

/// <summary>Migrations on a real database (SQLite, or PostgreSQL in the suite's second pass): applied once, then found up to date.</summary>
public sealed class DatabaseMigrationTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly TestDatabase _database;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));

    public DatabaseMigrationTests() => _database = _folder.Database("data/migrations.db");

    public void Dispose()
    {
        _database.Dispose();
        _folder.Dispose();
    }

    private Database Open() => new(
        Options.Create(new StorageOptions { Provider = _database.Provider, ConnectionString = _database.ConnectionString }),
        new TestHostEnvironment(_folder.Path), _time, NullLogger<Database>.Instance);

    [Fact]
    public async Task Migrate_SqliteWithoutItsDataFolder_CreatesTheFolderOwnerOnly()
    {
        await using var database = Sqlite("Data Source=state/data/syndicate.db");

        await database.MigrateAsync(CancellationToken.None);

        Assert.True(File.Exists(_folder.Combine("state/data/syndicate.db")));
        Assert.Equal(FileModes.OwnerOnlyFolder, FileModes.Of(_folder.Combine("state/data")));
    }

    [Fact]
    public async Task Migrate_SqliteDataFolderExists_KeepsItsMode()
    {
        Directory.CreateDirectory(_folder.Combine("shared"));
        FileModes.Set(_folder.Combine("shared"), FileModes.Shared);
        await using var database = Sqlite("Data Source=shared/syndicate.db");

        await database.MigrateAsync(CancellationToken.None);

        Assert.True(File.Exists(_folder.Combine("shared/syndicate.db")));
        Assert.Equal(FileModes.Shared, FileModes.Of(_folder.Combine("shared")));
    }

    private Database Sqlite(string connectionString) => new(
        Options.Create(new StorageOptions { Provider = "Sqlite", ConnectionString = connectionString }),
        new TestHostEnvironment(_folder.Path), _time, NullLogger<Database>.Instance);

    [Fact]
    public async Task Migrate_NewThenUpToDate_AppliesEachMigrationOnceAndLeavesThemAlone()
    {
        await using var first = Open();
        var version = await first.MigrateAsync(CancellationToken.None);
        await using var connection = await first.OpenAsync(CancellationToken.None);
        var applied = (await connection.QueryAsync<(long Version, string AppliedAt)>("SELECT version, applied_at FROM schema_version ORDER BY version")).ToList();

        Assert.True(version >= 3, $"schema version {version}");
        Assert.Equal(Enumerable.Range(1, version).Select(v => (long)v), applied.Select(row => row.Version));

        // A later start, an hour on: nothing applied again, nothing rewritten.
        _time.Advance(TimeSpan.FromHours(1));
        await using var second = Open();
        Assert.Equal(version, await second.MigrateAsync(CancellationToken.None));
        await using var again = await second.OpenAsync(CancellationToken.None);
        Assert.Equal(applied, await again.QueryAsync<(long Version, string AppliedAt)>("SELECT version, applied_at FROM schema_version ORDER BY version"));
        Assert.Equal(0L, await again.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM subscribers"));
    }

    [Fact]
    public async Task Migrate_LastMigrationMissing_IsAppliedAgain()
    {
        int version;
        await using (var first = Open())
        {
            version = await first.MigrateAsync(CancellationToken.None);
            await using var connection = await first.OpenAsync(CancellationToken.None);
            // Undo the newest migration by hand, as on a database an older Syndicate left.
            if (TestDatabase.IsPostgres)
            {
                await connection.ExecuteAsync("DROP INDEX deliveries_claim; CREATE INDEX deliveries_work ON deliveries (digest_id, status, next_attempt_at);");
            }
            else
            {
                foreach (var table in await connection.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'QRTZ%'"))
                {
                    await connection.ExecuteAsync($"DROP TABLE {table}");
                }
            }

            await connection.ExecuteAsync("DELETE FROM schema_version WHERE version = @version", new { version });
        }

        await using var second = Open();
        Assert.Equal(version, await second.MigrateAsync(CancellationToken.None));
        await using var again = await second.OpenAsync(CancellationToken.None);
        Assert.Equal(1L, await again.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_version WHERE version = @version", new { version }));
        var restored = TestDatabase.IsPostgres
            ? "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'deliveries_claim'"
            : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'QRTZ_LOCKS'";
        Assert.Equal(1L, await again.ExecuteScalarAsync<long>(restored));
    }
}
