using Dapper;
using Syndicate.Subscribers;

namespace Syndicate.Tests.Subscribers;

/// <summary>The subscribers table on a real database (SQLite file or PostgreSQL): inserts, reads, status moves and the case-blind unique key.</summary>
public sealed class SubscriberStoreTests : IDisposable
{
    private readonly SubscribersHarness _harness = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task TryAddAsync_NewAddress_ReadsBackTheSameRowByEmailAndById()
    {
        var added = await _harness.Store.TryAddAsync("Ann.Lee@example.org", "Ann Lee", SubscriberStatus.Pending, "form", SubscribersHarness.Start, Cancel);

        Assert.NotNull(added);
        if (!Syndicate.Testing.TestDatabase.IsPostgres)
        {
            Assert.True(File.Exists(_harness.DatabaseFile), "the database is a file in the test's folder, created with its schema at first open");
        }

        using (var connection = _harness.TestDatabase.Open(readOnly: true))
        {
            // Created with its schema at first open, on either provider.
            Assert.Equal(1L, connection.ExecuteScalar<long>("SELECT COUNT(*) FROM subscribers"));
        }

        var byEmail = await _harness.Store.FindByEmailAsync("Ann.Lee@example.org", Cancel);
        var byId = await _harness.Store.FindAsync(added.Id, Cancel);
        Assert.Equal(added, byEmail);
        Assert.Equal(added, byId);
        Assert.Equal("Ann.Lee@example.org", byEmail!.Email);
        Assert.Equal("Ann Lee", byEmail.Name);
        Assert.Equal(SubscriberStatus.Pending, byEmail.Status);
        Assert.Equal("form", byEmail.Source);
        Assert.Equal(SubscribersHarness.Start, byEmail.CreatedAt);
        Assert.Null(byEmail.ConfirmedAt);
        Assert.Null(byEmail.UnsubscribedAt);
        Assert.Null(byEmail.ConfirmationSentAt);
    }

    [Fact]
    public async Task TryAddAsync_Active_StampsConfirmedAt()
    {
        var added = await _harness.Store.TryAddAsync("bob@example.org", "", SubscriberStatus.Active, "operator", SubscribersHarness.Start, Cancel);

        var row = await _harness.Store.FindAsync(added!.Id, Cancel);
        Assert.Equal(SubscriberStatus.Active, row!.Status);
        Assert.Equal(SubscribersHarness.Start, row.ConfirmedAt);
    }

    [Fact]
    public async Task TryAddAsync_SameAddressInOtherCase_RefusedAndTheFirstRowKept()
    {
        await _harness.Store.TryAddAsync("ann@example.org", "First", SubscriberStatus.Active, "form", SubscribersHarness.Start, Cancel);

        var second = await _harness.Store.TryAddAsync("ANN@Example.ORG", "Second", SubscriberStatus.Pending, "import", SubscribersHarness.Start, Cancel);

        Assert.Null(second);
        Assert.Equal(1, await _harness.CountRowsAsync());
        var row = await _harness.Store.FindByEmailAsync("Ann@EXAMPLE.org", Cancel);
        Assert.Equal("ann@example.org", row!.Email);
        Assert.Equal("First", row.Name);
        Assert.Equal(SubscriberStatus.Active, row.Status);
    }

    [Fact]
    public async Task Insert_SameKeyBehindTheStoresBack_RefusedByTheSchema()
    {
        await _harness.Store.TryAddAsync("ann@example.org", "", SubscriberStatus.Active, "form", SubscribersHarness.Start, Cancel);
        await using var connection = await _harness.Database.OpenAsync(Cancel);

        // The unique key is in the schema, not only in the store's ON CONFLICT: a second writer cannot slip a duplicate in.
        var refused = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync(
            "INSERT INTO subscribers (email, email_key, name, status, source, created_at) VALUES ('ANN@example.org', 'ann@example.org', '', 'pending', 'x', '2026-01-01T00:00:00Z')"));
        // A constraint violation (SQLITE_CONSTRAINT, PostgreSQL's unique_violation), not some other failure.
        Assert.True(refused is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 } or Npgsql.PostgresException { SqlState: "23505" }, refused.ToString());
    }

    [Fact]
    public async Task SetStatusAsync_ActiveThenUnsubscribedThenActive_StampsAndClearsTheDates()
    {
        var added = await _harness.Store.TryAddAsync("ann@example.org", "", SubscriberStatus.Pending, "form", SubscribersHarness.Start, Cancel);
        var confirmedAt = SubscribersHarness.Start.AddMinutes(5);
        var leftAt = SubscribersHarness.Start.AddDays(3);

        Assert.True(await _harness.Store.SetStatusAsync(added!.Id, SubscriberStatus.Active, confirmedAt, Cancel));
        var active = await _harness.Store.FindAsync(added.Id, Cancel);
        Assert.True(await _harness.Store.SetStatusAsync(added.Id, SubscriberStatus.Unsubscribed, leftAt, Cancel));
        var left = await _harness.Store.FindAsync(added.Id, Cancel);
        Assert.True(await _harness.Store.SetStatusAsync(added.Id, SubscriberStatus.Active, leftAt.AddDays(1), Cancel));
        var back = await _harness.Store.FindAsync(added.Id, Cancel);

        Assert.Equal((SubscriberStatus.Active, confirmedAt, (DateTimeOffset?)null), (active!.Status, active.ConfirmedAt!.Value, active.UnsubscribedAt));
        Assert.Equal((SubscriberStatus.Unsubscribed, leftAt), (left!.Status, left.UnsubscribedAt!.Value));
        Assert.Equal(confirmedAt, left.ConfirmedAt);
        Assert.Equal(SubscriberStatus.Active, back!.Status);
        Assert.Null(back.UnsubscribedAt);
        Assert.False(await _harness.Store.SetStatusAsync(9999, SubscriberStatus.Active, leftAt, Cancel));
    }

    [Fact]
    public async Task TryClaimConfirmationAsync_OncePerInterval_AndAgainAfterRelease()
    {
        var added = await _harness.Store.TryAddAsync("ann@example.org", "", SubscriberStatus.Pending, "form", SubscribersHarness.Start, Cancel);
        var t0 = SubscribersHarness.Start;
        var hour = TimeSpan.FromHours(1);

        Assert.True(await _harness.Store.TryClaimConfirmationAsync(added!.Id, t0, t0 - hour, Cancel));
        Assert.False(await _harness.Store.TryClaimConfirmationAsync(added.Id, t0.AddMinutes(59), t0.AddMinutes(59) - hour, Cancel));
        Assert.Equal(t0, (await _harness.Store.FindAsync(added.Id, Cancel))!.ConfirmationSentAt);
        Assert.True(await _harness.Store.TryClaimConfirmationAsync(added.Id, t0.AddMinutes(61), t0.AddMinutes(61) - hour, Cancel));

        await _harness.Store.ReleaseConfirmationAsync(added.Id, Cancel);

        Assert.Null((await _harness.Store.FindAsync(added.Id, Cancel))!.ConfirmationSentAt);
        Assert.True(await _harness.Store.TryClaimConfirmationAsync(added.Id, t0.AddMinutes(62), t0.AddMinutes(62) - hour, Cancel));
    }

    [Fact]
    public async Task ListAsync_ByStatus_InInsertionOrder_AndCounts()
    {
        var now = SubscribersHarness.Start;
        await _harness.Store.TryAddAsync("c@example.org", "", SubscriberStatus.Active, "x", now, Cancel);
        await _harness.Store.TryAddAsync("a@example.org", "", SubscriberStatus.Pending, "x", now, Cancel);
        var b = await _harness.Store.TryAddAsync("b@example.org", "", SubscriberStatus.Active, "x", now, Cancel);
        await _harness.Store.SetStatusAsync(b!.Id, SubscriberStatus.Unsubscribed, now, Cancel);

        Assert.Equal(["c@example.org", "a@example.org", "b@example.org"], (await _harness.Store.ListAsync(null, Cancel)).Select(s => s.Email));
        Assert.Equal(["c@example.org"], (await _harness.Store.ListAsync(SubscriberStatus.Active, Cancel)).Select(s => s.Email));
        Assert.Equal(["b@example.org"], (await _harness.Store.ListAsync(SubscriberStatus.Unsubscribed, Cancel)).Select(s => s.Email));
        var counts = await _harness.Store.CountByStatusAsync(Cancel);
        Assert.Equal(1, counts[SubscriberStatus.Active]);
        Assert.Equal(1, counts[SubscriberStatus.Pending]);
        Assert.Equal(1, counts[SubscriberStatus.Unsubscribed]);
    }

    [Fact]
    public async Task UpdateNameAndDelete_ChangeOnlyThatRow()
    {
        var a = await _harness.Store.TryAddAsync("a@example.org", "A", SubscriberStatus.Active, "x", SubscribersHarness.Start, Cancel);
        var b = await _harness.Store.TryAddAsync("b@example.org", "B", SubscriberStatus.Active, "x", SubscribersHarness.Start, Cancel);

        Assert.True(await _harness.Store.UpdateNameAsync(a!.Id, "Ann 'quoted' \"name\"; DROP TABLE subscribers; --", Cancel));
        Assert.True(await _harness.Store.DeleteAsync(b!.Id, Cancel));

        Assert.Equal("Ann 'quoted' \"name\"; DROP TABLE subscribers; --", (await _harness.Store.FindAsync(a.Id, Cancel))!.Name);
        Assert.Null(await _harness.Store.FindAsync(b.Id, Cancel));
        Assert.Equal(1, await _harness.CountRowsAsync());
    }
}
