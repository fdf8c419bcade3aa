using Syndicate.Subscribers;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Digests;

/// <summary>
/// What a digest carries and to whom, over the post ledger and a real SQLite file: the archive of a new
/// installation is never mailed, every later post goes out exactly once whatever its date, an edit or a new
/// Site:BaseUrl sends nothing again, Digest:MaxPosts holds the rest back, and deliveries are the active
/// subscribers of the moment of planning.
/// </summary>
public sealed class DigestPlanningTests : IDisposable
{
    private readonly DigestHarness _harness = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task PlanAsync_PostsExistingWhenTheDatabaseIsNew_NeverMailed()
    {
        _harness.WritePost("old-one.md", "Old one", "2026-01-10");
        _harness.WritePost("old-two.md", "Old two", "2026-02-20");

        var first = await _harness.PlanAsync();

        Assert.Null(first);
        Assert.Equal(0, await _harness.CountAsync("SELECT COUNT(*) FROM digests"));
        // Both are in the ledger, marked as carried by the baseline (0), so no later digest picks them up.
        Assert.Equal(2, await _harness.CountAsync("SELECT COUNT(*) FROM published_posts WHERE carried_by = 0"));

        _harness.WritePost("new-one.md", "New one", "2026-03-01");
        var next = await _harness.PlanAsync();

        Assert.NotNull(next);
        Assert.Equal(["New one"], await _harness.TitlesAsync(next.Id));
        Assert.Null(await _harness.PlanAsync());
    }

    [Fact]
    public async Task PlanAsync_NewDatabaseWithNoPosts_FirstPostAfterwardsIsMailed()
    {
        // A new installation with an empty posts folder has no archive to hold back: its first post is news.
        Assert.Null(await _harness.PlanAsync());

        _harness.WritePost("first.md", "First", "2026-03-01");
        var digest = await _harness.PlanAsync();

        Assert.NotNull(digest);
        Assert.Equal(["First"], await _harness.TitlesAsync(digest.Id));
    }

    [Fact]
    public async Task PlanAsync_PostAddedLaterWithAnOlderDate_CarriedOnceByTheNextDigest()
    {
        _harness.WritePost("archive.md", "Archive", "2026-01-05");
        Assert.Null(await _harness.PlanAsync());
        _harness.WritePost("march.md", "March", "2026-03-01");
        var first = await _harness.PlanAsync();
        Assert.NotNull(first);
        Assert.Equal(["March"], await _harness.TitlesAsync(first.Id));

        // Written today, dated before every post already carried (a draft finished late, an imported post).
        _harness.WritePost("backdated.md", "Backdated", "2026-01-01");
        var second = await _harness.PlanAsync();

        Assert.NotNull(second);
        Assert.Equal(["Backdated"], await _harness.TitlesAsync(second.Id));
        Assert.Null(await _harness.PlanAsync());
        Assert.Equal(2, await _harness.CountAsync("SELECT COUNT(*) FROM digests"));
    }

    [Fact]
    public async Task PlanAsync_EditedPost_NotSentAgain()
    {
        await _harness.BaselineAsync();
        _harness.WritePost("edited.md", "Before the edit", "2026-03-01", extra: "tags: [a]\n");
        var first = await _harness.PlanAsync();
        Assert.NotNull(first);

        _harness.WritePost("edited.md", "After the edit", "2026-03-01", extra: "tags: [a, b]\n", body: "A rewritten paragraph.");
        var again = await _harness.PlanAsync();

        Assert.Null(again);
        Assert.Equal(1, await _harness.CountAsync("SELECT COUNT(*) FROM published_posts WHERE source_file = 'edited.md'"));
        Assert.Equal(1, await _harness.CountAsync("SELECT COUNT(*) FROM digests"));
    }

    [Fact]
    public async Task PlanAsync_ExplicitIdPostRenamedAndRedated_NotSentAgain()
    {
        await _harness.BaselineAsync();
        _harness.WritePost("with-id.md", "With an id", "2026-03-01", extra: "id: urn:uuid:6f1c0a52-7b44-4a57-9d5e-0d3c2f6a1b11\n");
        Assert.NotNull(await _harness.PlanAsync());

        // The explicit id is the post's identity: a new file name (slug) and date change nothing.
        File.Delete(_harness.Folder.Combine("posts/with-id.md"));
        _harness.WritePost("renamed.md", "With an id, renamed", "2026-03-02", extra: "id: urn:uuid:6f1c0a52-7b44-4a57-9d5e-0d3c2f6a1b11\n");

        Assert.Null(await _harness.PlanAsync());
    }

    [Fact]
    public async Task PlanAsync_PermalinkChangedByANewBaseUrl_NotSentAgain()
    {
        using var folder = new TempFolder();
        long firstId;
        using (var before = new DigestHarness(folder: folder))
        {
            before.WritePost("kept.md", "Kept", "2026-02-01");
            Assert.Null(await before.PlanAsync());
            before.WritePost("sent.md", "Sent", "2026-03-01");
            var first = await before.PlanAsync();
            Assert.NotNull(first);
            firstId = first.Id;
            Assert.StartsWith(DigestHarness.BaseUrl, (await before.Digests.PostsAsync(firstId, Cancel)).Single().Url, StringComparison.Ordinal);
        }

        // The site moves: every permalink (and so every feed id without an explicit id) is new.
        using var after = new DigestHarness(
            new Dictionary<string, string?> { ["Site:BaseUrl"] = "https://moved.example.net/blog/", ["Posts:Permalink"] = "/posts/:slug/" },
            folder: folder);
        var moved = after.Catalog;
        after.Scan();
        Assert.All(moved.Snapshot(after.Time.GetUtcNow()).Posts, post => Assert.StartsWith("https://moved.example.net/blog/posts/", post.Url, StringComparison.Ordinal));

        Assert.Null(await after.PlanAsync());

        after.WritePost("fresh.md", "Fresh", "2026-03-02");
        var next = await after.PlanAsync();
        Assert.NotNull(next);
        var post = Assert.Single(await after.Digests.PostsAsync(next.Id, Cancel));
        Assert.Equal("Fresh", post.Title);
        Assert.Equal("https://moved.example.net/blog/posts/fresh/", post.Url);
    }

    [Fact]
    public async Task PlanAsync_MaxPostsTwoWithThreeNew_TwoNewestThenTheRest()
    {
        using var harness = new DigestHarness(new Dictionary<string, string?> { ["Digest:MaxPosts"] = "2" });
        await harness.BaselineAsync();
        harness.WritePost("a.md", "Oldest", "2026-02-25");
        harness.WritePost("b.md", "Middle", "2026-02-27");
        harness.WritePost("c.md", "Newest", "2026-03-01");

        var first = await harness.PlanAsync();
        var second = await harness.PlanAsync();
        var third = await harness.PlanAsync();

        Assert.NotNull(first);
        Assert.Equal(2, first.Posts);
        Assert.Equal(["Newest", "Middle"], await harness.TitlesAsync(first.Id));
        Assert.NotNull(second);
        Assert.Equal(["Oldest"], await harness.TitlesAsync(second.Id));
        Assert.Null(third);
    }

    [Fact]
    public async Task PlanAsync_NoNewPosts_NoDigestRow()
    {
        await _harness.AddSubscriberAsync("ann@example.org");
        _harness.WritePost("old.md", "Old", "2026-02-01");
        Assert.Null(await _harness.PlanAsync());

        var run = await _harness.Digests.SendNowAsync("test", null, Cancel);

        Assert.Null(run.DigestId);
        Assert.Equal(0, await _harness.CountAsync("SELECT COUNT(*) FROM digests"));
        Assert.Equal(0, await _harness.CountAsync("SELECT COUNT(*) FROM deliveries"));
        Assert.Empty(_harness.Transport.Messages);
    }

    [Fact]
    public async Task PlanAsync_PostRemovedBeforePlanning_NotCarried()
    {
        await _harness.BaselineAsync();
        _harness.WritePost("gone.md", "Gone", "2026-03-01");
        _harness.Scan();
        await _harness.Digests.RecordPublishedAsync(Cancel);
        File.Delete(_harness.Folder.Combine("posts/gone.md"));

        Assert.Null(await _harness.PlanAsync());
    }

    [Fact]
    public async Task PlanAsync_Deliveries_ExactlyTheActiveSubscribersAtPlanning()
    {
        var ann = await _harness.AddSubscriberAsync("ann@example.org");
        var bob = await _harness.AddSubscriberAsync("bob@example.org");
        var pending = await _harness.AddSubscriberAsync("pending@example.org", SubscriberStatus.Pending);
        var gone = await _harness.AddSubscriberAsync("gone@example.org", SubscriberStatus.Unsubscribed);
        await _harness.BaselineAsync();
        _harness.WritePost("news.md", "News", "2026-03-01");

        var digest = await _harness.PlanAsync();
        Assert.NotNull(digest);
        // Confirmed after planning: the next digest is the first one for them.
        await _harness.Subscribers.SetStatusAsync(pending.Id, SubscriberStatus.Active, _harness.Time.GetUtcNow(), Cancel);
        var late = await _harness.AddSubscriberAsync("late@example.org");

        Assert.Equal(2, digest.Deliveries);
        Assert.Equal([(ann.Id, "pending", 0L), (bob.Id, "pending", 0L)], await _harness.DeliveriesAsync(digest.Id));

        Assert.DoesNotContain(await _harness.DeliveriesAsync(digest.Id), row => row.SubscriberId == pending.Id || row.SubscriberId == gone.Id || row.SubscriberId == late.Id);

        var sent = await _harness.SendAsync(digest.Id);

        Assert.Equal((2, 2, 0, 0, 0), (sent.Deliveries, sent.Sent, sent.Failed, sent.Skipped, sent.Pending));
        Assert.Equal(["ann@example.org", "bob@example.org"], _harness.Mails.Select(m => m.To.Mailboxes.Single().Address).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RunScheduledAsync_SlotOlderThanMaxLateness_NoDigestAndPostsWaitForTheNext()
    {
        using var harness = new DigestHarness(new Dictionary<string, string?> { ["Digest:MaxLateness"] = "06:00:00" });
        await harness.AddSubscriberAsync("ann@example.org");
        await harness.BaselineAsync();
        harness.WritePost("waiting.md", "Waiting", "2026-03-01");
        harness.Scan();

        // The service was down over Monday 09:00 and comes back at 15:15 the same day.
        var slot = harness.Time.GetUtcNow();
        harness.Time.Advance(TimeSpan.FromHours(6) + TimeSpan.FromMinutes(1));
        var missed = await harness.Digests.RunScheduledAsync(slot, Cancel);

        Assert.Null(missed.DigestId);
        Assert.Equal(0, await harness.CountAsync("SELECT COUNT(*) FROM digests"));
        Assert.Empty(harness.Transport.Messages);

        var next = await harness.Digests.RunScheduledAsync(harness.Time.GetUtcNow() - TimeSpan.FromMinutes(5), Cancel);

        Assert.NotNull(next.DigestId);
        Assert.Equal(["Waiting"], await harness.TitlesAsync(next.DigestId.Value));
        Assert.Equal((1, 0, 0, 0), (next.Sent, next.Failed, next.Skipped, next.Pending));
        Assert.Single(harness.Transport.Messages);
    }
}
