using System.Collections.Concurrent;
using Dapper;
using Syndicate.Storage;

namespace Syndicate.Posts;

/// <summary>
/// The item ledger: every published post recorded once, under a key that survives a change of
/// Site:BaseUrl or Posts:Permalink (its explicit id, else date and slug), with the feed id it was
/// first published under. Feeds keep that id, so moving the site never re-announces old posts;
/// digests carry posts by this ledger, not by date, so a post added late with an old date is still
/// sent once and an edited post is not sent again.
/// </summary>
internal sealed class PostLedger(Database database, TimeProvider time) : IDisposable
{
    /// <summary>The settings row that marks the ledger's baseline (the posts published when the database was new).</summary>
    public const string BaselineKey = "ledger_baseline";
    private readonly ConcurrentDictionary<string, string> _feedIds = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _loaded;
    private bool _baselineDone;

    public void Dispose() => _gate.Dispose();

    /// <summary>The post's key in the ledger (<see cref="Post.LedgerKey"/>).</summary>
    public static string KeyOf(Post post) => post.LedgerKey;

    /// <summary>Whether the ledger has been read from the database at least once in this process.</summary>
    public bool IsLoaded => Volatile.Read(ref _loaded);

    /// <summary>The id a post was first published under; its own id when it is not in the ledger yet.</summary>
    public string FeedIdOf(Post post) => Lookup(post) ?? post.Id;

    /// <summary>The post's id in the ledger, remembered on the post once found; null when it is not recorded.</summary>
    private string? Lookup(Post post)
    {
        if (post.RecordedFeedId(this) is { } known)
        {
            return known;
        }

        if (!_feedIds.TryGetValue(post.LedgerKey, out var id))
        {
            return null;
        }

        post.Recorded(this, id);
        return id;
    }

    /// <summary>
    /// Records the posts not yet in the ledger. The first call on a new database marks every post as
    /// already carried, so a new installation does not mail its archive.
    /// </summary>
    public async Task<LedgerUpdate> RecordAsync(IReadOnlyList<Post> posts, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_loaded)
            {
                await LoadAsync(cancellationToken);
            }

            // Every publish looks at every post: one pass, and the database only when there is something to record.
            var fresh = new List<Post>();
            foreach (var post in posts)
            {
                if (Lookup(post) is null)
                {
                    fresh.Add(post);
                }
            }

            if (fresh.Count > 0 || !_baselineDone)
            {
                // Also with no posts at all: the baseline is the moment the database first saw the folder,
                // so the first post of an empty blog is mailed like any later one.
                await using var connection = await database.OpenAsync(cancellationToken);
                await InsertAsync(connection, fresh, cancellationToken);
                _baselineDone = true;
            }

            // A post whose own id differs from its ledger id was moved by a change of Site:BaseUrl,
            // scheme or Posts:Permalink; feeds keep announcing it under its first id.
            var moved = 0;
            foreach (var post in posts)
            {
                if (Lookup(post) is { } id && id != post.Id)
                {
                    moved++;
                }
            }

            return new LedgerUpdate(fresh.Count, moved);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Reads the ledger ahead of the first <see cref="RecordAsync"/>, so that a <c>build</c> can read it on one core while
    /// it lists the posts folder on the other. A failure is left for <see cref="RecordAsync"/>, which reads again and reports it.
    /// </summary>
    public async Task PreloadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_loaded)
            {
                await LoadAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or InvalidOperationException)
        {
            // Not loaded: RecordAsync meets the same error and reports it.
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Every recorded post's feed id, and whether the baseline is set: one read of the whole ledger per process.</summary>
    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // Plain commands: every `build` and start runs these once, and a mapper made for one query costs more than the read.
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT post_key, feed_id FROM published_posts";
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                _feedIds[reader.GetString(0)] = reader.GetString(1);
            }
        }

        command.CommandText = "SELECT COUNT(*) FROM settings WHERE key = @key";
        var key = command.CreateParameter();
        key.ParameterName = "key";
        key.Value = BaselineKey;
        command.Parameters.Add(key);
        _baselineDone = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0;
        _loaded = true;
    }

    private async Task InsertAsync(System.Data.Common.DbConnection connection, List<Post> fresh, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = DbTime.Text(time.GetUtcNow());
        var baselineDone = await connection.ExecuteScalarAsync<string?>(
            "SELECT value FROM settings WHERE key = @key", new { key = BaselineKey }, transaction) is not null;
        var recorded = new List<(string Key, string FeedId)>();
        foreach (var post in fresh)
        {
            var key = KeyOf(post);
            // Another process may have recorded the post meanwhile: its feed id wins, read back below.
            await connection.ExecuteAsync(
                """
                INSERT INTO published_posts (post_key, feed_id, url, source_file, title, post_date, first_seen_at, carried_by)
                VALUES (@key, @feedId, @url, @file, @title, @date, @now, @carried)
                ON CONFLICT (post_key) DO NOTHING
                """,
                new
                {
                    key,
                    feedId = post.Id,
                    url = post.Url,
                    file = post.File,
                    title = post.Title,
                    date = DbTime.Text(post.Date),
                    now,
                    carried = baselineDone ? (long?)null : 0L,
                },
                transaction);
            recorded.Add((key, await connection.ExecuteScalarAsync<string>(
                "SELECT feed_id FROM published_posts WHERE post_key = @key", new { key }, transaction) ?? post.Id));
        }

        if (!baselineDone)
        {
            await connection.ExecuteAsync("INSERT INTO settings (key, value) VALUES (@key, @now) ON CONFLICT (key) DO NOTHING",
                new { key = BaselineKey, now }, transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        foreach (var (key, feedId) in recorded)
        {
            _feedIds[key] = feedId;
        }
    }
}

/// <summary>What one recording did: posts new to the ledger, and published posts whose address moved since they were first published.</summary>
internal sealed record LedgerUpdate(int Added, int Moved);
