using System.Data.Common;
using Dapper;
using Syndicate.Storage;

namespace Syndicate.Subscribers;

/// <summary>The subscribers table. SQL sits beside the method that runs it; every value goes in as a parameter.</summary>
internal sealed class SubscriberStore(Database database)
{
    private const string Columns =
        "id, email, name, status, source, created_at, confirmed_at, unsubscribed_at, confirmation_sent_at";

    public async Task<Subscriber?> FindByEmailAsync(string email, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(
            $"SELECT {Columns} FROM subscribers WHERE email_key = @key", new { key = EmailAddressRule.Key(email) });
        return row?.ToSubscriber();
    }

    public async Task<Subscriber?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM subscribers WHERE id = @id", new { id });
        return row?.ToSubscriber();
    }

    /// <summary>The subscribers with these ids, by id (one query for a batch of deliveries).</summary>
    public async Task<IReadOnlyDictionary<long, Subscriber>> FindManyAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(database.IsPostgres
            // Npgsql takes the array as one parameter; Dapper spells a list out for SQLite.
            ? $"SELECT {Columns} FROM subscribers WHERE id = ANY(@ids)"
            : $"SELECT {Columns} FROM subscribers WHERE id IN @ids", new { ids = ids.ToArray() });
        return rows.Select(row => row.ToSubscriber()).ToDictionary(subscriber => subscriber.Id);
    }

    public async Task<IReadOnlyList<Subscriber>> ListAsync(SubscriberStatus? status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(
            $"SELECT {Columns} FROM subscribers WHERE (@status IS NULL OR status = @status) ORDER BY id",
            new { status = status is null ? null : StatusText(status.Value) });
        return rows.Select(row => row.ToSubscriber()).ToList();
    }

    public async Task<IReadOnlyDictionary<SubscriberStatus, int>> CountByStatusAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<StatusCount>("SELECT status AS Status, COUNT(*) AS Count FROM subscribers GROUP BY status");
        return rows.ToDictionary(row => ParseStatus(row.Status), row => (int)row.Count);
    }

    /// <summary>Inserts a new address; null when the address (in any case) is already known.</summary>
    public async Task<Subscriber?> TryAddAsync(string email, string name, SubscriberStatus status, string source, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await TryAddAsync(connection, null, email, name, status, source, now);
    }

    public static async Task<Subscriber?> TryAddAsync(DbConnection connection, DbTransaction? transaction, string email, string name,
        SubscriberStatus status, string source, DateTimeOffset now)
    {
        var at = DbTime.Text(now);
        var id = await connection.ExecuteScalarAsync<long?>(
            """
            INSERT INTO subscribers (email, email_key, name, status, source, created_at, confirmed_at, unsubscribed_at)
            VALUES (@email, @key, @name, @status, @source, @at, CASE WHEN @status = 'active' THEN @at END,
                    CASE WHEN @status = 'unsubscribed' THEN @at END)
            ON CONFLICT (email_key) DO NOTHING
            RETURNING id
            """,
            new { email, key = EmailAddressRule.Key(email), name, status = StatusText(status), source, at }, transaction);
        return id is null
            ? null
            : new Subscriber(id.Value, email, name, status, source, now, status == SubscriberStatus.Active ? now : null,
                status == SubscriberStatus.Unsubscribed ? now : null, null);
    }

    /// <summary>Moves a subscriber to a status, stamping the matching date; false when there is no such subscriber.</summary>
    public async Task<bool> SetStatusAsync(long id, SubscriberStatus status, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(
            """
            UPDATE subscribers SET
                status = @status,
                confirmed_at = CASE WHEN @status = 'active' THEN COALESCE(confirmed_at, @at) ELSE confirmed_at END,
                unsubscribed_at = CASE WHEN @status = 'unsubscribed' THEN @at WHEN @status = 'active' THEN NULL ELSE unsubscribed_at END
            WHERE id = @id
            """,
            new { id, status = StatusText(status), at = DbTime.Text(now) });
        return changed == 1;
    }

    /// <summary>Claims the right to send a confirmation mail: true (and stamped) when none went out since <paramref name="notSince"/>.</summary>
    public async Task<bool> TryClaimConfirmationAsync(long id, DateTimeOffset now, DateTimeOffset notSince, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(
            """
            UPDATE subscribers SET confirmation_sent_at = @at
            WHERE id = @id AND (confirmation_sent_at IS NULL OR confirmation_sent_at <= @notSince)
            """,
            new { id, at = DbTime.Text(now), notSince = DbTime.Text(notSince) });
        return changed == 1;
    }

    /// <summary>Gives back a claim whose mail could not be sent, so the next request may try again.</summary>
    public async Task ReleaseConfirmationAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE subscribers SET confirmation_sent_at = NULL WHERE id = @id", new { id });
    }

    public async Task<bool> UpdateNameAsync(long id, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("UPDATE subscribers SET name = @name WHERE id = @id", new { id, name }) == 1;
    }

    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("DELETE FROM subscribers WHERE id = @id", new { id }) == 1;
    }

    public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => database.OpenAsync(cancellationToken);

    internal static string StatusText(SubscriberStatus status) => status switch
    {
        SubscriberStatus.Active => "active",
        SubscriberStatus.Unsubscribed => "unsubscribed",
        _ => "pending",
    };

    /// <summary>A status by its name (pending, active, unsubscribed; any case), as the CLI and the admin API take it.</summary>
    public static bool TryParseStatus(string? text, out SubscriberStatus status)
    {
        (var known, status) = (text ?? "").Trim().ToLowerInvariant() switch
        {
            "pending" => (true, SubscriberStatus.Pending),
            "active" => (true, SubscriberStatus.Active),
            "unsubscribed" => (true, SubscriberStatus.Unsubscribed),
            _ => (false, SubscriberStatus.Pending),
        };
        return known;
    }

    private static SubscriberStatus ParseStatus(string text) => text switch
    {
        "active" => SubscriberStatus.Active,
        "unsubscribed" => SubscriberStatus.Unsubscribed,
        _ => SubscriberStatus.Pending,
    };

    internal sealed class Row
    {
        public long Id { get; init; }

        public string Email { get; init; } = "";

        public string Name { get; init; } = "";

        public string Status { get; init; } = "";

        public string Source { get; init; } = "";

        public string Created_At { get; init; } = "";

        public string? Confirmed_At { get; init; }

        public string? Unsubscribed_At { get; init; }

        public string? Confirmation_Sent_At { get; init; }

        public Subscriber ToSubscriber() => new(
            Id, Email, Name, ParseStatus(Status), Source, DbTime.Parse(Created_At), DbTime.ParseOrNull(Confirmed_At),
            DbTime.ParseOrNull(Unsubscribed_At), DbTime.ParseOrNull(Confirmation_Sent_At));
    }

    internal sealed class StatusCount
    {
        public string Status { get; init; } = "";

        public long Count { get; init; }
    }
}
