using Dapper;
using Syndicate.Posts;
using Syndicate.Storage;

namespace Syndicate.Digests;

/// <summary>
/// Every published post recorded once, under a key that survives a change of Site:BaseUrl or
/// Posts:Permalink (the explicit id, else date and slug), with the feed id and address it first
/// had. Digests carry posts by this ledger, not by date: a post added late with an old date is
/// still sent once, and an edited post is not sent again.
/// </summary>
internal sealed class PostLedger(Database database, TimeProvider time)
{
    private const string BaselineKey = "ledger_baseline";

    public static string KeyOf(Post post) =>
        post.Id != post.Url ? "id:" + post.Id : $"post:{post.Date.UtcDateTime:yyyy-MM-dd}/{post.Slug}";

    /// <summary>
    /// Records the posts not yet in the ledger; returns how many were new. The first call on a new
    /// database marks every post as already carried, so a new installation does not mail the archive.
    /// </summary>
    public async Task<int> RecordAsync(IReadOnlyList<Post> posts, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = DbTime.Text(time.GetUtcNow());
        var baselineDone = await connection.ExecuteScalarAsync<string?>(
            "SELECT value FROM settings WHERE key = @key", new { key = BaselineKey }, transaction) is not null;
        var added = 0;
        foreach (var post in posts)
        {
            added += await connection.ExecuteAsync(
                """
                INSERT INTO published_posts (post_key, feed_id, url, source_file, title, post_date, first_seen_at, carried_by)
                VALUES (@key, @feedId, @url, @file, @title, @date, @now, @carried)
                ON CONFLICT (post_key) DO NOTHING
                """,
                new
                {
                    key = KeyOf(post),
                    feedId = post.Id,
                    url = post.Url,
                    file = post.File,
                    title = post.Title,
                    date = DbTime.Text(post.Date),
                    now,
                    carried = baselineDone ? (long?)null : 0L,
                },
                transaction);
        }

        if (!baselineDone)
        {
            await connection.ExecuteAsync("INSERT INTO settings (key, value) VALUES (@key, @now)", new { key = BaselineKey, now }, transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        return added;
    }
}
