using System.Data;
using System.Data.Common;
using Dapper;
using Syndicate.Storage;

namespace Syndicate.Digests;

/// <summary>Digests, the posts they carry and their delivery rows. SQL beside the method that runs it.</summary>
internal sealed class DigestStore(Database database) : IDisposable
{
    // One writer at a time in this process on SQLite: it takes one writer anyway, and concurrent senders
    // that meet its lock back off in sleeps; queueing here instead made 4 connections 4x faster.
    // PostgreSQL locks rows, not the file: its writers need no queue.
    private readonly SemaphoreSlim _writes = new(1, 1);

    public void Dispose() => _writes.Dispose();

    private async Task<T> WriteAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken)
    {
        if (database.IsPostgres)
        {
            return await write();
        }

        await _writes.WaitAsync(cancellationToken);
        try
        {
            return await write();
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>
    /// Plans a digest in one write transaction: the uncarried posts among <paramref name="publishedKeys"/>
    /// (newest first, at most <paramref name="maxPosts"/>), marked as carried, and one delivery per
    /// subscriber active now. Null when there is nothing new.
    /// </summary>
    public async Task<PlannedDigest?> PlanAsync(string trigger, IReadOnlySet<string> publishedKeys, int maxPosts, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // Two planners (the schedule and a CLI verb, or two nodes) take turns instead of both reading the same
        // uncarried posts: Microsoft.Data.Sqlite begins IMMEDIATE, which takes the file's write lock; on
        // PostgreSQL the uncarried rows are locked, and a second planner waiting on them finds them carried.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var candidates = await connection.QueryAsync<CandidateRow>(
            "SELECT id AS Id, post_key AS Key FROM published_posts WHERE carried_by IS NULL ORDER BY post_date DESC, id DESC"
            + (database.IsPostgres ? " FOR UPDATE" : ""), transaction: transaction);
        var posts = candidates.Where(c => publishedKeys.Contains(c.Key)).Take(maxPosts).Select(c => c.Id).ToList();
        if (posts.Count == 0)
        {
            return null;
        }

        var at = DbTime.Text(now);
        var digestId = await connection.ExecuteScalarAsync<long>(
            "INSERT INTO digests (trigger, status, planned_at) VALUES (@trigger, 'sending', @at) RETURNING id", new { trigger, at }, transaction);
        for (var i = 0; i < posts.Count; i++)
        {
            await connection.ExecuteAsync("INSERT INTO digest_posts (digest_id, post_id, position) VALUES (@digestId, @postId, @i)",
                new { digestId, postId = posts[i], i }, transaction);
        }

        await connection.ExecuteAsync("UPDATE published_posts SET carried_by = @digestId WHERE id IN (SELECT post_id FROM digest_posts WHERE digest_id = @digestId)",
            new { digestId }, transaction);
        var deliveries = await connection.ExecuteAsync(
            """
            INSERT INTO deliveries (digest_id, subscriber_id, status, next_attempt_at)
            SELECT @digestId, id, 'pending', @at FROM subscribers WHERE status = 'active' ORDER BY id
            """,
            new { digestId, at }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return new PlannedDigest(digestId, posts.Count, deliveries);
    }

    /// <summary>The ledger rows of a digest's posts, in digest order.</summary>
    public async Task<IReadOnlyList<LedgerPost>> PostsAsync(long digestId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<LedgerPost>(
            """
            SELECT p.id AS Id, p.post_key AS PostKey, p.feed_id AS FeedId, p.url AS Url, p.title AS Title, p.post_date AS PostDate
            FROM digest_posts d JOIN published_posts p ON p.id = d.post_id
            WHERE d.digest_id = @digestId ORDER BY d.position
            """,
            new { digestId });
        return rows.ToList();
    }

    /// <summary>Claims up to <paramref name="count"/> due deliveries for this sender; a claim is a lease, taken over when it expires.</summary>
    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(long digestId, string sender, int count, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // The oldest due first (then handed out in id order). (next_attempt_at, id) is the order of the index (SQLite keeps the rowid last in every
        // index; PostgreSQL's index names it): the batch is read from the index, not sorted out of every pending row.
        // On PostgreSQL, rows another node is claiming at this moment are passed over, not waited for:
        // each node takes its own batch.
        var claimed = await WriteAsync(() => connection.QueryAsync<ClaimedDelivery>(
            $"""
            UPDATE deliveries SET status = 'claimed', claimed_by = @sender, claimed_at = @at
            WHERE id IN (
                SELECT id FROM deliveries
                WHERE digest_id = @digestId AND status = 'pending' AND next_attempt_at <= @at
                ORDER BY next_attempt_at, id LIMIT @count{(database.IsPostgres ? " FOR UPDATE SKIP LOCKED" : "")})
            RETURNING id AS Id, subscriber_id AS SubscriberId, attempts AS Attempts, resend_id AS ResendId, forced AS Forced
            """,
            new { digestId, sender, at = DbTime.Text(now), count }), cancellationToken);
        return claimed.OrderBy(row => row.Id).ToList();
    }

    /// <summary>Gives claims older than <paramref name="expiredBefore"/> back (their sender died); returns how many.</summary>
    public async Task<int> ReleaseExpiredClaimsAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_at = NULL WHERE status = 'claimed' AND claimed_at < @before",
            new { before = DbTime.Text(expiredBefore) });
    }

    /// <summary>
    /// Gives back this sender's claims on deliveries of <paramref name="digestId"/>, except <paramref name="keep"/> (those
    /// whose outcome it does not know), when it stops: the next start sends them at once instead of after their lease.
    /// Returns how many.
    /// </summary>
    public async Task<int> HandBackClaimsAsync(long digestId, string sender, IReadOnlyCollection<long> keep, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var ids = keep.ToArray();
        return await WriteAsync(() => connection.ExecuteAsync(
            $"""
            UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_at = NULL
            WHERE digest_id = @digestId AND status = 'claimed' AND claimed_by = @sender AND {(database.IsPostgres ? "id <> ALL(@ids)" : "id NOT IN @ids")}
            """,
            new { digestId, sender, ids },
            // The statement itself takes no token (the overload Dapper.AOT generates has none): the time limit the sender
            // gives the whole hand-back bounds it instead, so a locked database cannot hold up the stop.
            commandTimeout: (int)Math.Ceiling(DigestSender.HandBackLimit.TotalSeconds)), cancellationToken);
    }

    /// <summary>Extends this sender's claim on a delivery; false when the claim was taken over (its lease ran out).</summary>
    public async Task<bool> RenewClaimAsync(long deliveryId, string sender, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await WriteAsync(() => connection.ExecuteAsync(
            "UPDATE deliveries SET claimed_at = @at WHERE id = @deliveryId AND status = 'claimed' AND claimed_by = @sender",
            new { deliveryId, sender, at = DbTime.Text(now) }), cancellationToken) == 1;
    }

    /// <summary>
    /// Extends this sender's claims on deliveries it is still sending; returns how many it renewed. On PostgreSQL a
    /// row whose outcome is being recorded at that moment is passed over (it is leaving its claim anyway), so the
    /// renewal never waits for, or deadlocks with, a commit of outcomes holding several rows.
    /// </summary>
    public async Task<int> RenewClaimsAsync(IReadOnlyCollection<long> deliveryIds, string sender, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var ids = deliveryIds.ToArray();
        return await WriteAsync(() => connection.ExecuteAsync(
            database.IsPostgres
                ? """
                  UPDATE deliveries SET claimed_at = @at WHERE id IN (
                      SELECT id FROM deliveries WHERE id = ANY(@ids) AND status = 'claimed' AND claimed_by = @sender FOR UPDATE SKIP LOCKED)
                  """
                : "UPDATE deliveries SET claimed_at = @at WHERE id IN @ids AND status = 'claimed' AND claimed_by = @sender",
            new { ids, sender, at = DbTime.Text(now) }), cancellationToken);
    }

    /// <summary>A writer of delivery outcomes for <paramref name="sender"/>, on a connection of its own; dispose it when the sending ends.</summary>
    public MarkWriter Marks(string sender) => new(this, database, sender);

    /// <summary>
    /// Records delivery outcomes, each only while its sender still holds the claim, several in one transaction.
    /// It keeps one connection and one prepared statement for all its commits (a sender records an outcome
    /// for every message); a connection that failed is dropped and the next write opens another.
    /// </summary>
    internal sealed class MarkWriter(DigestStore store, Database database, string sender) : IAsyncDisposable
    {
        private DbConnection? _connection;
        private DbCommand? _update;

        public async Task<int> WriteAsync(IReadOnlyList<DeliveryMark> marks, CancellationToken cancellationToken) =>
            await store.WriteAsync(async () =>
            {
                try
                {
                    var update = _update ?? await PrepareAsync(cancellationToken);
                    await using var transaction = await _connection!.BeginTransactionAsync(cancellationToken);
                    update.Transaction = transaction;
                    var rows = 0;
                    // In id order: two writers locking several rows always take them in the same order.
                    foreach (var mark in marks.OrderBy(mark => mark.DeliveryId))
                    {
                        update.Parameters["deliveryId"].Value = mark.DeliveryId;
                        update.Parameters["status"].Value = StateText(mark.State);
                        update.Parameters["attempts"].Value = mark.Attempts;
                        update.Parameters["at"].Value = DbTime.Text(mark.At);
                        update.Parameters["retryAt"].Value = mark.RetryAt is { } retryAt ? DbTime.Text(retryAt) : DBNull.Value;
                        update.Parameters["error"].Value = (object?)mark.Error ?? DBNull.Value;
                        rows += await update.ExecuteNonQueryAsync(cancellationToken);
                    }

                    await transaction.CommitAsync(cancellationToken);
                    return rows;
                }
                catch
                {
                    await DropAsync();
                    throw;
                }
            }, cancellationToken);

        public async ValueTask DisposeAsync() => await DropAsync();

        private async Task<DbCommand> PrepareAsync(CancellationToken cancellationToken)
        {
            _connection = await database.OpenAsync(cancellationToken);
            var update = _connection.CreateCommand();
            update.CommandText =
                """
                UPDATE deliveries SET status = @status, attempts = @attempts, claimed_by = NULL, claimed_at = NULL,
                    next_attempt_at = COALESCE(@retryAt, next_attempt_at),
                    finished_at = CASE WHEN @status IN ('sent', 'failed', 'skipped') THEN @at END,
                    last_error = @error
                WHERE id = @deliveryId AND status = 'claimed' AND claimed_by = @sender
                """;
            foreach (var (name, type) in new[]
                     {
                         ("deliveryId", DbType.Int64), ("status", DbType.String), ("attempts", DbType.Int32), ("at", DbType.String),
                         ("retryAt", DbType.String), ("error", DbType.String), ("sender", DbType.String),
                     })
            {
                var parameter = update.CreateParameter();
                parameter.ParameterName = name;
                parameter.DbType = type;
                update.Parameters.Add(parameter);
            }

            update.Parameters["sender"].Value = sender;
            _update = update;
            return update;
        }

        private async Task DropAsync()
        {
            if (_update is not null)
            {
                await _update.DisposeAsync();
                _update = null;
            }

            if (_connection is not null)
            {
                await _connection.DisposeAsync();
                _connection = null;
            }
        }
    }

    /// <summary>When the next pending delivery is due; null when none is pending or claimed.</summary>
    public async Task<(bool Open, DateTimeOffset? NextDue)> OpenWorkAsync(long digestId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleAsync<OpenRow>(
            """
            SELECT COUNT(*) AS Open, MIN(CASE WHEN status = 'pending' THEN next_attempt_at END) AS Next
            FROM deliveries WHERE digest_id = @digestId AND status IN ('pending', 'claimed')
            """,
            new { digestId });
        return (row.Open > 0, DbTime.ParseOrNull(row.Next));
    }

    public async Task MarkDoneAsync(long digestId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            """
            UPDATE digests SET status = 'done', finished_at = @at
            WHERE id = @digestId AND status = 'sending'
              AND NOT EXISTS (SELECT 1 FROM deliveries WHERE digest_id = @digestId AND status IN ('pending', 'claimed'))
            """,
            new { digestId, at = DbTime.Text(now) });
    }

    public async Task<IReadOnlyList<long>> UnfinishedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<long>("SELECT id FROM digests WHERE status = 'sending' ORDER BY id")).ToList();
    }

    public async Task<IReadOnlyList<DigestSummary>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<SummaryRow>(SummarySql + " GROUP BY d.id ORDER BY d.id DESC");
        return rows.Select(row => row.ToSummary()).ToList();
    }

    public async Task<DigestSummary?> FindAsync(long digestId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<SummaryRow>(SummarySql + " WHERE d.id = @digestId GROUP BY d.id", new { digestId });
        return row?.ToSummary();
    }

    /// <summary>
    /// What a sender needs to start: when the digest was planned, and how many of its deliveries are pending or claimed,
    /// counted up to <paramref name="upTo"/> (how many connections to open). Unlike <see cref="FindAsync"/>, which counts
    /// every delivery by its latest copy, this reads a few index entries, whatever the size of the digest.
    /// </summary>
    public async Task<(DateTimeOffset PlannedAt, int Pending)?> SendingStartAsync(long digestId, int upTo, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<StartRow>(
            """
            SELECT d.planned_at AS PlannedAt, (SELECT COUNT(*) FROM (
                SELECT 1 FROM deliveries x WHERE x.digest_id = d.id AND x.status IN ('pending', 'claimed') LIMIT @upTo) AS due) AS Pending
            FROM digests d WHERE d.id = @digestId
            """,
            new { digestId, upTo });
        return row is null ? null : (DbTime.Parse(row.PlannedAt), (int)row.Pending);
    }

    /// <summary>The failed deliveries of a digest with the server's reply, for <c>digest show</c>.</summary>
    public async Task<IReadOnlyList<(string Email, int Attempts, string? Error)>> FailuresAsync(long digestId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<FailureRow>(
            """
            SELECT s.email AS Email, d.attempts AS Attempts, d.last_error AS Error FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
            WHERE d.digest_id = @digestId AND d.status = 'failed'
              AND d.resend_id = (SELECT MAX(y.resend_id) FROM deliveries y WHERE y.digest_id = d.digest_id AND y.subscriber_id = d.subscriber_id)
            ORDER BY d.id
            """,
            new { digestId });
        return rows.Select(r => (r.Email, (int)r.Attempts, r.Error)).ToList();
    }

    // Counts go by each subscriber's latest copy: once a resend reached someone whose first delivery
    // failed, they count as sent (the failed row stays on record).
    private const string SummarySql =
        """
        SELECT d.id AS Id, d.trigger AS Trigger, d.status AS Status, d.planned_at AS PlannedAt, d.finished_at AS FinishedAt,
               (SELECT COUNT(*) FROM digest_posts p WHERE p.digest_id = d.id) AS Posts,
               COUNT(x.id) AS Deliveries,
               COALESCE(SUM(CASE WHEN x.status = 'sent' THEN 1 ELSE 0 END), 0) AS Sent,
               COALESCE(SUM(CASE WHEN x.status = 'failed' THEN 1 ELSE 0 END), 0) AS Failed,
               COALESCE(SUM(CASE WHEN x.status = 'skipped' THEN 1 ELSE 0 END), 0) AS Skipped,
               COALESCE(SUM(CASE WHEN x.status IN ('pending', 'claimed') THEN 1 ELSE 0 END), 0) AS Pending
        FROM digests d LEFT JOIN deliveries x ON x.digest_id = d.id AND x.resend_id = (
            SELECT MAX(y.resend_id) FROM deliveries y WHERE y.digest_id = x.digest_id AND y.subscriber_id = x.subscriber_id)
        """;

    private static string StateText(DeliveryState state) => state switch
    {
        DeliveryState.Sent => "sent",
        DeliveryState.Failed => "failed",
        DeliveryState.Skipped => "skipped",
        _ => "pending",
    };

    internal sealed class CandidateRow
    {
        public long Id { get; init; }

        public string Key { get; init; } = "";
    }

    internal sealed class OpenRow
    {
        public long Open { get; init; }

        public string? Next { get; init; }
    }

    internal sealed class FailureRow
    {
        public string Email { get; init; } = "";

        public long Attempts { get; init; }

        public string? Error { get; init; }
    }

    internal sealed class StartRow
    {
        public string PlannedAt { get; init; } = "";

        public long Pending { get; init; }
    }

    internal sealed class SummaryRow
    {
        public long Id { get; init; }

        public string Trigger { get; init; } = "";

        public string Status { get; init; } = "";

        public string PlannedAt { get; init; } = "";

        public string? FinishedAt { get; init; }

        public long Posts { get; init; }

        public long Deliveries { get; init; }

        public long Sent { get; init; }

        public long Failed { get; init; }

        public long Skipped { get; init; }

        public long Pending { get; init; }

        public DigestSummary ToSummary() => new(Id, Trigger, Status, DbTime.Parse(PlannedAt), DbTime.ParseOrNull(FinishedAt),
            (int)Posts, (int)Deliveries, (int)Sent, (int)Failed, (int)Skipped, (int)Pending);
    }
}

internal sealed record PlannedDigest(long Id, int Posts, int Deliveries);

internal sealed record LedgerPost(long Id, string PostKey, string FeedId, string Url, string Title, string PostDate)
{
    /// <summary>A digest's post as <c>digest show --json</c> and the admin API show it.</summary>
    public object ToJson() => new { title = Title, url = Url, date = PostDate };
}

internal sealed record ClaimedDelivery(long Id, long SubscriberId, long Attempts, long ResendId, long Forced);

internal sealed record DigestSummary(long Id, string Trigger, string Status, DateTimeOffset PlannedAt, DateTimeOffset? FinishedAt,
    int Posts, int Deliveries, int Sent, int Failed, int Skipped, int Pending);

/// <summary>One delivery's outcome as <see cref="DigestStore.MarkWriter"/> records it.</summary>
internal sealed record DeliveryMark(long DeliveryId, DeliveryState State, int Attempts, DateTimeOffset At, DateTimeOffset? RetryAt, string? Error);

internal enum DeliveryState
{
    Pending,
    Sent,
    Failed,
    Skipped,
}
