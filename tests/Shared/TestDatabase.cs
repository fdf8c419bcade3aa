using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Syndicate.Testing;

/// <summary>
/// The database one test site uses, on the provider the suite runs against: a SQLite file under the
/// site's content root by default, or a new database of its own on the PostgreSQL server named by the
/// environment variable SYNDICATE_TEST_POSTGRES (an Npgsql connection string without a database, e.g.
/// Host=127.0.0.1;Username=postgres;Password=postgres), which .ci/run sets for the second pass of the
/// suite. Dropped again when the site is disposed.
/// </summary>
internal sealed class TestDatabase : IDisposable
{
    public const string ServerVariable = "SYNDICATE_TEST_POSTGRES";

    private readonly string _sqliteFile;

    private TestDatabase(string provider, string connectionString, string sqliteFile, string? postgresName)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _sqliteFile = sqliteFile;
        PostgresName = postgresName;
    }

    /// <summary>The PostgreSQL server the suite runs against, or null for SQLite.</summary>
    public static string? PostgresServer => Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } server ? server : null;

    public static bool IsPostgres => PostgresServer is not null;

    /// <summary>Storage:Provider for the site's configuration.</summary>
    public string Provider { get; }

    /// <summary>Storage:ConnectionString for the site's configuration (a SQLite path relative to the content root).</summary>
    public string ConnectionString { get; }

    /// <summary>The PostgreSQL database's name, null on SQLite.</summary>
    public string? PostgresName { get; }

    /// <summary>Storage:Provider and Storage:ConnectionString, to merge into a site's settings.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Storage:Provider"] = Provider,
        ["Storage:ConnectionString"] = ConnectionString,
    };

    /// <summary>
    /// A database for a site rooted at <paramref name="root"/>; on SQLite the file
    /// <paramref name="relativeFile"/> (e.g. data/d.db) under it.
    /// </summary>
    public static TestDatabase Create(string root, string relativeFile = "data/syndicate.db")
    {
        var sqliteFile = Path.Combine(root, relativeFile.Replace('/', Path.DirectorySeparatorChar));
        if (PostgresServer is not { } server)
        {
            return new TestDatabase("Sqlite", "Data Source=" + relativeFile, sqliteFile, null);
        }

        var name = "syndicate_test_" + Guid.NewGuid().ToString("N");
        using (var connection = new NpgsqlConnection(server))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = $"CREATE DATABASE {name}";
            create.ExecuteNonQuery();
        }

        return new TestDatabase("Postgres", new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString, sqliteFile, name);
    }

    /// <summary>
    /// A connection for a test to look at or change rows directly (not pooled on SQLite, so no handle
    /// stays open on the file). The SQL a test runs through it must read the same on both providers.
    /// </summary>
    public DbConnection Open(bool readOnly = false)
    {
        DbConnection connection = PostgresName is null
            ? new SqliteConnection($"Data Source={_sqliteFile};Pooling=False" + (readOnly ? ";Mode=ReadOnly" : ""))
            : new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        connection.Open();
        return connection;
    }

    public void Dispose()
    {
        if (PostgresName is null || PostgresServer is not { } server)
        {
            return;
        }

        try
        {
            using var connection = new NpgsqlConnection(server);
            connection.Open();
            using var drop = connection.CreateCommand();
            // FORCE ends the site's own pooled connections, which are still open.
            drop.CommandText = $"DROP DATABASE IF EXISTS {PostgresName} WITH (FORCE)";
            drop.ExecuteNonQuery();
        }
        catch (NpgsqlException)
        {
            // A database left behind on a test server is harmless; its name is unique.
        }
    }
}
