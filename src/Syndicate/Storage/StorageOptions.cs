using Microsoft.Extensions.Options;

namespace Syndicate.Storage;

/// <summary>The database that holds subscribers, digests, deliveries and the schedule.</summary>
internal sealed class StorageOptions
{
    public const string Section = "Storage";

    public const string Sqlite = "Sqlite";

    public const string Postgres = "Postgres";

    /// <summary>Storage:Provider, Sqlite (the embedded default) or Postgres.</summary>
    public string Provider { get; set; } = "Sqlite";

    /// <summary>
    /// Storage:ConnectionString; a SQLite file path is relative to the content root. For PostgreSQL an Npgsql
    /// connection string, e.g. Host=db.internal;Database=syndicate;Username=syndicate;Password=...
    /// </summary>
    public string ConnectionString { get; set; } = "Data Source=data/syndicate.db";

    /// <summary>Hides the connection string, which may hold a password.</summary>
    public override string ToString() => $"Storage {{ Provider = {Provider} }}";
}

internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public static readonly string[] Providers = [StorageOptions.Sqlite, StorageOptions.Postgres];

    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        if (!Providers.Contains(options.Provider, StringComparer.OrdinalIgnoreCase))
        {
            failures.Add($"Storage:Provider '{options.Provider}' is not known; use Sqlite (the default, nothing to install) or Postgres.");
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add("Storage:ConnectionString is empty; for SQLite use for example Data Source=data/syndicate.db.");
        }
        else if (options.Provider.Equals(StorageOptions.Postgres, StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var builder = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.Host))
                {
                    failures.Add("Storage:ConnectionString names no Host; for PostgreSQL use for example Host=127.0.0.1;Database=syndicate;Username=syndicate;Password=...");
                }
            }
            catch (ArgumentException ex)
            {
                // Only the parser's reason: the value itself may hold a password.
                failures.Add($"Storage:ConnectionString is not a PostgreSQL connection string ({ex.Message.TrimEnd('.')}); use for example Host=127.0.0.1;Database=syndicate;Username=syndicate;Password=...");
            }
        }
        else if (options.Provider.Equals(StorageOptions.Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                _ = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException ex)
            {
                // The value itself may hold a password: only the parser's reason is shown.
                failures.Add($"Storage:ConnectionString is not a SQLite connection string ({ex.Message.TrimEnd('.')}); use for example Data Source=data/syndicate.db.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
