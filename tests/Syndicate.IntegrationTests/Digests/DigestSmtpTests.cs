using Syndicate.Digests;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.Posts;
using Syndicate.Subscribers;

namespace Syndicate.IntegrationTests.Digests;

/// <summary>
/// Digests delivered by the real sender over SMTP (Mail:Mode Smtp) to an in-process server: each subscriber once
/// over at most Mail:Smtp:MaxConnections connections, 4xx retried with backoff, 5xx failed with the server's
/// reply, dropped connections losing nothing, and an address unsubscribed before its turn skipped.
/// </summary>
public sealed class DigestSmtpTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Send_TwoHundredSubscribers_EachOnceOverAtMostMaxConnections()
    {
        await using var site = await DigestSite.StartAsync();
        var ids = await site.SeedAsync(200);
        using var services = site.Open(new Dictionary<string, string?> { ["Mail:Smtp:MaxConnections"] = "3" });
        services.Get<PostCatalog>().Scan();

        var run = await services.Get<DigestService>().SendNowAsync("test", null, Cancel);

        Assert.NotNull(run.DigestId);
        Assert.Equal((200, 0, 0, 0), (run.Sent, run.Failed, run.Skipped, run.Pending));
        var byRecipient = site.CopiesByRecipient();
        Assert.Equal(Enumerable.Range(1, 200).Select(DigestSite.Address), byRecipient.Keys.Order(StringComparer.Ordinal));
        Assert.All(byRecipient, pair => Assert.Equal(1, pair.Value));
        Assert.Equal(ids.Order(), site.CopiesBySubscriber(run.DigestId.Value).Keys.Order());
        // All three opened ahead, while the content rendered, and each kept for its share of the messages.
        Assert.Equal(3, site.Server.Connections);
        Assert.Equal("News of the week", Assert.Single(await services.Get<DigestService>().PostsAsync(run.DigestId.Value, Cancel)).Title);
    }

    [Fact]
    public async Task Send_FewerSubscribersThanConnections_OpensOnlyAsManyConnections()
    {
        await using var site = await DigestSite.StartAsync();
        await site.SeedAsync(2);
        using var services = site.Open(new Dictionary<string, string?> { ["Mail:Smtp:MaxConnections"] = "8" });
        services.Get<PostCatalog>().Scan();

        var run = await services.Get<DigestService>().SendNowAsync("test", null, Cancel);

        Assert.Equal((2, 0, 0), (run.Sent, run.Failed, run.Pending));
        Assert.InRange(site.Server.Connections, 1, 2);
    }

    [Fact]
    public async Task Send_Recipient450TwiceThenAccepted_DeliveredOnceAfterRetries()
    {
        await using var site = await DigestSite.StartAsync();
        await site.SeedAsync(3);
        var busy = DigestSite.Address(2);
        site.Server.Reply(busy, 450, "Mailbox busy, try later");
        using var services = site.Open();
        services.Get<PostCatalog>().Scan();
        var planned = await services.Get<DigestService>().PlanAsync("test", Cancel);
        Assert.NotNull(planned);

        var sending = services.Get<DigestSender>().SendAsync(planned.Id, null, Cancel);
        // Two 450s (the second after Digest:RetryDelay 0.2 s), then the server takes it before the third try (0.4 s later).
        await Eventually.ValueAsync(() => Task.FromResult(site.Deliveries(planned.Id).Single(d => d.Email == busy)),
            row => row.Attempts >= 2, "two attempts at the busy mailbox");
        site.Accept(busy);
        await sending.WaitAsync(TimeSpan.FromSeconds(20), Cancel);

        var row = site.Deliveries(planned.Id).Single(d => d.Email == busy);
        Assert.Equal(("sent", 3L), (row.Status, row.Attempts));
        Assert.Equal(1, site.CopiesByRecipient()[busy]);
        Assert.All(site.Deliveries(planned.Id), d => Assert.Equal("sent", d.Status));
        Assert.Equal(3, site.Server.Messages.Count);
    }

    [Fact]
    public async Task Send_DroppedConnectionsMidDigest_NothingLost()
    {
        await using var site = await DigestSite.StartAsync();
        await site.SeedAsync(120);
        // Paced so the drop lands half-way through.
        using var services = site.Open(new Dictionary<string, string?> { ["Mail:Smtp:MessagesPerSecond"] = "100" });
        services.Get<PostCatalog>().Scan();

        var sending = services.Get<DigestService>().SendNowAsync("test", null, Cancel);
        await Eventually.UntilAsync(() => site.Server.Messages.Count >= 40, "40 messages received");
        site.Server.DropConnections();
        var run = await sending.WaitAsync(TimeSpan.FromSeconds(30), Cancel);

        Assert.Equal((120, 0, 0), (run.Sent, run.Failed, run.Pending));
        var copies = site.CopiesBySubscriber(run.DigestId!.Value);
        Assert.Equal(120, copies.Count);
        // Only a message the server stored just as its connection went can come twice: one per connection at most.
        Assert.InRange(copies.Values.Count(c => c > 1), 0, 4);
        Assert.True(site.Server.Connections > 4, $"the drop should have forced new connections; saw {site.Server.Connections}");
    }

    [Fact]
    public async Task Send_AddressUnsubscribedBeforeItsTurn_Skipped()
    {
        await using var site = await DigestSite.StartAsync();
        await site.SeedAsync(5);
        using var services = site.Open();
        services.Get<PostCatalog>().Scan();
        var planned = await services.Get<DigestService>().PlanAsync("test", Cancel);
        Assert.NotNull(planned);
        Assert.Equal(5, planned.Deliveries);

        // Planned while active, gone by the time the sender reaches the row.
        Assert.NotNull(await services.Get<SubscriptionService>().RemoveAsync(DigestSite.Address(4), Cancel));
        await services.Get<DigestSender>().SendAsync(planned.Id, null, Cancel);

        var summary = await services.Get<DigestService>().FindAsync(planned.Id, Cancel);
        Assert.Equal((4, 0, 1, 0, "done"), (summary!.Sent, summary.Failed, summary.Skipped, summary.Pending, summary.Status));
        Assert.DoesNotContain(DigestSite.Address(4), site.CopiesByRecipient().Keys);
        Assert.Equal("skipped", site.Deliveries(planned.Id).Single(d => d.Email == DigestSite.Address(4)).Status);
        Assert.Equal(4, site.Server.Messages.Count);
    }

    [Fact]
    public async Task Send_AddressUnsubscribedWhileItsDeliveryIsClaimedAndWaiting_Skipped()
    {
        await using var site = await DigestSite.StartAsync();
        await site.SeedAsync(5);
        // One connection, and the server holds the first message: the other four are claimed (one batch) and wait.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        site.Server.Hold(DigestSite.Address(1), release.Task);
        using var services = site.Open(new Dictionary<string, string?> { ["Mail:Smtp:MaxConnections"] = "1" });
        services.Get<PostCatalog>().Scan();
        var planned = await services.Get<DigestService>().PlanAsync("test", Cancel);
        Assert.NotNull(planned);

        var sending = services.Get<DigestSender>().SendAsync(planned.Id, null, Cancel);
        await Eventually.ValueAsync(() => Task.FromResult(site.Deliveries(planned.Id).Count(d => d.Status == "claimed")),
            claimed => claimed == 5, "all five deliveries claimed while the first is held");
        Assert.NotNull(await services.Get<SubscriptionService>().RemoveAsync(DigestSite.Address(4), Cancel));
        // Long enough for the sender to read the waiting subscribers again.
        await Task.Delay(DigestSender.UnsubscribeCheck * 3, Cancel);
        release.SetResult();
        await sending.WaitAsync(TimeSpan.FromSeconds(20), Cancel);

        Assert.Equal("skipped", site.Deliveries(planned.Id).Single(d => d.Email == DigestSite.Address(4)).Status);
        Assert.DoesNotContain(DigestSite.Address(4), site.CopiesByRecipient().Keys);
        Assert.Equal(4, site.Server.Messages.Count);
    }
}
