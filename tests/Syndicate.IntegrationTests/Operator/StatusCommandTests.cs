using System.Globalization;
using System.Text.Json;
using Syndicate.Digests;
using Syndicate.IntegrationTests.Digests;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.Posts;
using Syndicate.Subscribers;

namespace Syndicate.IntegrationTests.Operator;

/// <summary>
/// <c>status</c> and <c>status --json</c> as child processes: posts published and rejected (with the reason), the
/// feeds and ETags a build wrote (the ones the service serves), subscribers by state, the last digest's counts, the
/// next digest from Digest:Schedule, deliveries pending and failed, and whether the SMTP server answers.
/// </summary>
public sealed class StatusCommandTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Status_AfterBuildAndDigest_ReportsEverySection()
    {
        await using var site = await DigestSite.StartAsync();
        await site.SeedAsync(5);
        site.Site.WritePost("broken.md", "Broken", "someday");
        using (var services = site.Open())
        {
            Assert.NotNull(await services.Get<SubscriberStore>().TryAddAsync("waiting@example.test", "", SubscriberStatus.Pending, "test", DateTimeOffset.UtcNow, Cancel));
            Assert.NotNull(await services.Get<SubscriptionService>().RemoveAsync(DigestSite.Address(5), Cancel));
        }

        site.Server.Reply(DigestSite.Address(2), 550, "5.1.1 No such mailbox");
        // Site:Author set as RunningService would otherwise set it, so the CLI and the service build the same feeds.
        var settings = site.Settings(new Dictionary<string, string?> { ["Digest:Schedule"] = "0 30 7 ? * TUE", ["Site:Author"] = "Ida Tester" });
        site.WriteAppSettings(settings);

        var build = await site.RunAsync("build");
        Assert.True(build.ExitCode != 0, "build must fail on the rejected post\n" + build);
        var sent = await site.RunAsync("digest", "send-now");
        Assert.True(sent.ExitCode == 0, sent.ToString());
        var expectedNext = NextTuesday0730(DateTimeOffset.UtcNow);

        var json = await site.RunAsync("status", "--json");

        Assert.True(json.ExitCode == 0, json.ToString());
        using (var document = JsonDocument.Parse(json.Output))
        {
            var root = document.RootElement;
            var posts = root.GetProperty("posts");
            Assert.Equal(2, posts.GetProperty("published").GetInt32());
            var rejected = Assert.Single(posts.GetProperty("rejected").EnumerateArray());
            Assert.EndsWith("broken.md", rejected.GetProperty("file").GetString(), StringComparison.Ordinal);
            Assert.Contains("'someday' is not a date", rejected.GetProperty("reason").GetString(), StringComparison.Ordinal);

            var feeds = root.GetProperty("feeds").EnumerateArray().ToDictionary(f => f.GetProperty("path").GetString()!, f => f.GetProperty("eTag").GetString());
            Assert.Contains("feed.xml", feeds.Keys);
            Assert.Contains("atom.xml", feeds.Keys);
            Assert.Contains("feed.json", feeds.Keys);
            Assert.All(feeds.Values, etag => Assert.False(string.IsNullOrEmpty(etag)));

            var subscribers = root.GetProperty("subscribers");
            Assert.Equal((1, 4, 1), (subscribers.GetProperty("pending").GetInt32(), subscribers.GetProperty("active").GetInt32(),
                subscribers.GetProperty("unsubscribed").GetInt32()));

            var last = root.GetProperty("lastDigest");
            Assert.Equal((1L, "done", 4, 3, 1, 0), (last.GetProperty("id").GetInt64(), last.GetProperty("status").GetString(),
                last.GetProperty("deliveries").GetInt32(), last.GetProperty("sent").GetInt32(), last.GetProperty("failed").GetInt32(),
                last.GetProperty("pending").GetInt32()));
            Assert.Equal(expectedNext, root.GetProperty("nextDigest").GetDateTimeOffset());
            Assert.Equal((0, 1), (root.GetProperty("deliveriesPending").GetInt32(), root.GetProperty("deliveriesFailed").GetInt32()));

            var mail = root.GetProperty("mail");
            Assert.Equal(("Smtp", $"127.0.0.1:{site.Server.Port}", true), (mail.GetProperty("mode").GetString(), mail.GetProperty("destination").GetString(),
                mail.GetProperty("reachable").GetBoolean()));

            // The ETags status reports from the build's files are the ones the running service serves, and status works while it runs.
            await using var service = await RunningService.StartAsync(site.Site, settings);
            Assert.Equal(feeds["feed.xml"], await service.GetETagAsync("feed.xml"));
            Assert.Equal(feeds["atom.xml"], await service.GetETagAsync("atom.xml"));
            var whileRunning = await site.RunAsync("status");
            Assert.True(whileRunning.ExitCode == 0, whileRunning.ToString());
            Assert.Contains("Subscribers:  4 active, 1 pending, 1 unsubscribed", whileRunning.Output, StringComparison.Ordinal);
        }

        var text = await site.RunAsync("status");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("Posts:        2 published, 0 drafts, 0 scheduled, 1 problem", text.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^ +broken\.md\S*: .*'someday' is not a date", text.Output);
        Assert.Matches(@"(?m)^ +/feed\.xml  ""[^""]+""", text.Output);
        Assert.Contains("Subscribers:  4 active, 1 pending, 1 unsubscribed", text.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^Last digest:  1 planned [0-9: -]+ UTC, done: 3 sent, 1 failed, 0 pending", text.Output);
        Assert.Contains($"Next digest:  {expectedNext.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} +00:00", text.Output, StringComparison.Ordinal);
        Assert.Contains("Deliveries:   0 pending, 1 failed", text.Output, StringComparison.Ordinal);
        Assert.Contains($"Mail:         Smtp 127.0.0.1:{site.Server.Port}: ok", text.Output, StringComparison.Ordinal);

        // A digest planned and not yet sent: its deliveries are pending, and it is the last digest.
        site.Site.WritePost("more.md", "More news", "2026-01-20");
        using (var services = site.Open())
        {
            services.Get<PostCatalog>().Scan();
            Assert.Equal(4, (await services.Get<DigestService>().PlanAsync("test", Cancel))!.Deliveries);
        }

        var planned = await site.RunAsync("status", "--json");
        Assert.True(planned.ExitCode == 0, planned.ToString());
        using var after = JsonDocument.Parse(planned.Output);
        Assert.Equal((2L, 4), (after.RootElement.GetProperty("lastDigest").GetProperty("id").GetInt64(),
            after.RootElement.GetProperty("lastDigest").GetProperty("pending").GetInt32()));
        Assert.Equal((4, 1), (after.RootElement.GetProperty("deliveriesPending").GetInt32(), after.RootElement.GetProperty("deliveriesFailed").GetInt32()));
    }

    [Fact]
    public async Task Status_NothingListensOnSmtpPort_MailNotReachableWithReason()
    {
        await using var site = await DigestSite.StartAsync();
        await site.SeedAsync(1);
        var port = OperatorChecks.ClosedPort();
        site.WriteAppSettings(new Dictionary<string, string?> { ["Mail:Smtp:Port"] = port.ToString(CultureInfo.InvariantCulture) });

        var json = await site.RunAsync("status", "--json");
        var text = await site.RunAsync("status");

        Assert.True(json.ExitCode == 0, json.ToString());
        using var document = JsonDocument.Parse(json.Output);
        var mail = document.RootElement.GetProperty("mail");
        Assert.Equal(($"127.0.0.1:{port}", false), (mail.GetProperty("destination").GetString(), mail.GetProperty("reachable").GetBoolean()));
        Assert.False(string.IsNullOrWhiteSpace(mail.GetProperty("detail").GetString()), "an unreachable server needs a reason");
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("lastDigest").ValueKind);
        Assert.Empty(document.RootElement.GetProperty("feeds").EnumerateArray());

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Matches($@"(?m)^Mail:         Smtp 127\.0\.0\.1:{port}: NOT REACHABLE \(.+\)", text.Output);
        Assert.Contains("Last digest:  none yet", text.Output, StringComparison.Ordinal);
        Assert.Equal(0, site.Server.Connections);
    }

    [Fact]
    public async Task Status_LoginSetAndServerWithoutTls_SaysNoMessageWillGoOutAndWhy()
    {
        await using var site = await DigestSite.StartAsync();
        await site.SeedAsync(1);
        site.WriteAppSettings(new Dictionary<string, string?>
        {
            ["Mail:Smtp:Security"] = "Auto",
            ["Mail:Smtp:UserName"] = "blog",
            ["Mail:Smtp:Password"] = "S3cret-Pa55",
        });

        var text = await site.RunAsync("status");

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Matches($@"(?m)^Mail:         Smtp 127\.0\.0\.1:{site.Server.Port}: NOT REACHABLE \(the SMTP server answers, but no message will go out: " +
            $@"the server at 127\.0\.0\.1:{site.Server.Port} offered no TLS, so the password was not sent\. Set Mail:Smtp:Security", text.Output);
        Assert.DoesNotContain("S3cret", text.Output + text.Error, StringComparison.Ordinal);
    }

    /// <summary>Digest:Schedule 0 30 7 ? * TUE in UTC: the first Tuesday 07:30 after <paramref name="now"/>.</summary>
    private static DateTimeOffset NextTuesday0730(DateTimeOffset now)
    {
        var candidate = new DateTimeOffset(now.UtcDateTime.Date.AddHours(7).AddMinutes(30), TimeSpan.Zero);
        while (candidate.DayOfWeek != DayOfWeek.Tuesday || candidate <= now)
        {
            candidate = candidate.AddDays(1);
        }

        return candidate;
    }
}
