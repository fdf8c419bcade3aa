using System.Text.Json;

namespace Syndicate.IntegrationTests.Digests;

/// <summary>
/// The digest verbs as child processes over SMTP: send-now prints progress and exits 0, a 550 recipient ends
/// failed with the server's reply in show, list and show --json count right, and a send-now killed half-way is
/// resumed by the next one without losing a subscriber.
/// </summary>
public sealed class DigestCommandTests
{
    [Fact]
    public async Task SendNow_DigestSmallerThanABatchAtASlowServer_ShowsProgressBeforeItEnds()
    {
        await using var site = await DigestSite.StartAsync();
        await site.SeedAsync(10);
        // The server holds the first message for two seconds from its RCPT: all ten deliveries are claimed at once (one batch), and the
        // progress has to come from the sending, not from claiming.
        site.Server.Hold(DigestSite.Address(1), TimeSpan.FromSeconds(2));
        site.WriteAppSettings(new Dictionary<string, string?> { ["Mail:Smtp:MaxConnections"] = "1" });

        var sent = await site.RunAsync("digest", "send-now");

        Assert.True(sent.ExitCode == 0, sent.ToString());
        Assert.Matches(@"(?m)^  digest 1: [1-9] sent, 0 failed, 0 skipped, [1-9] to go of 10$", sent.Output);
        Assert.Contains("Digest 1: 10 sent, 0 failed, 0 skipped.", sent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendNow_ChildProcess_ProgressExitZeroAndListShowCount()
    {
        await using var site = await DigestSite.StartAsync();
        await site.SeedAsync(60);
        var rejected = DigestSite.Address(7);
        site.Server.Reply(rejected, 550, "5.1.1 No such mailbox here");
        site.WriteAppSettings(new Dictionary<string, string?> { ["Digest:BatchSize"] = "20" });

        var sent = await site.RunAsync("digest", "send-now");

        Assert.True(sent.ExitCode == 0, sent.ToString());
        Assert.Matches(@"digest 1: \d+ sent, \d+ failed, 0 skipped, \d+ to go of 60", sent.Output);
        Assert.Contains("  digest 1: 59 sent, 1 failed, 0 skipped, 0 to go of 60", sent.Output, StringComparison.Ordinal);
        Assert.Contains("Digest 1: 59 sent, 1 failed, 0 skipped", sent.Output, StringComparison.Ordinal);
        Assert.Contains("digest show 1", sent.Error, StringComparison.Ordinal);
        Assert.Equal(59, site.Server.Messages.Count);
        Assert.DoesNotContain(rejected, site.CopiesByRecipient().Keys);

        var show = await site.RunAsync("digest", "show", "1");
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("Deliveries: 60 in all, 59 sent, 1 failed, 0 skipped, 0 pending.", show.Output, StringComparison.Ordinal);
        Assert.Contains($"{rejected} after 1 attempt: 550 5.1.1 No such mailbox here", show.Output, StringComparison.Ordinal);

        var showJson = await site.RunAsync("digest", "show", "1", "--json");
        Assert.True(showJson.ExitCode == 0, showJson.ToString());
        using (var document = JsonDocument.Parse(showJson.Output))
        {
            var digest = document.RootElement.GetProperty("digest");
            Assert.Equal((1, "done", 1, 60, 59, 1, 0, 0), (digest.GetProperty("id").GetInt64(), digest.GetProperty("status").GetString(),
                digest.GetProperty("posts").GetInt32(), digest.GetProperty("deliveries").GetInt32(), digest.GetProperty("sent").GetInt32(),
                digest.GetProperty("failed").GetInt32(), digest.GetProperty("skipped").GetInt32(), digest.GetProperty("pending").GetInt32()));
            var post = Assert.Single(document.RootElement.GetProperty("posts").EnumerateArray());
            Assert.Equal("News of the week", post.GetProperty("title").GetString());
            // Each post's date, as GET /admin/digests/{id} has it.
            Assert.StartsWith("2026-01-15", post.GetProperty("date").GetString(), StringComparison.Ordinal);
            var failure = Assert.Single(document.RootElement.GetProperty("failures").EnumerateArray());
            Assert.Equal(rejected, failure.GetProperty("email").GetString());
            Assert.Equal(1, failure.GetProperty("attempts").GetInt32());
            Assert.StartsWith("550 5.1.1 No such mailbox here", failure.GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        // Nothing new: no second digest, exit 0.
        var again = await site.RunAsync("digest", "send-now");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("No digest", again.Output, StringComparison.Ordinal);

        var list = await site.RunAsync("digest", "list", "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        using var listed = JsonDocument.Parse(list.Output);
        var only = Assert.Single(listed.RootElement.EnumerateArray());
        Assert.Equal((1, 60, 59, 1, 0), (only.GetProperty("id").GetInt64(), only.GetProperty("deliveries").GetInt32(),
            only.GetProperty("sent").GetInt32(), only.GetProperty("failed").GetInt32(), only.GetProperty("pending").GetInt32()));
    }

    [Theory]
    [InlineData("show", "abc")]
    [InlineData("show", "-3")]
    [InlineData("resend", "0")]
    public async Task DigestIdNotANumber_OneSentenceAndExitTwo(string verb, string id)
    {
        await using var site = await DigestSite.StartAsync();

        var result = await site.RunAsync("digest", verb, id);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"'{id}' is not a digest id: give the number `digest list` shows, such as 1.", result.Output + result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.Int64", result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendNow_KilledHalfWay_NextRunResumesEveryoneAtMostInFlightTwice()
    {
        const int Subscribers = 2000;
        // The test server answers each message after a few round trips of latency (not CPU): more connections, less waiting.
        const int MaxConnections = 16;
        await using var site = await DigestSite.StartAsync();
        var ids = await site.SeedAsync(Subscribers);
        // A short lease, so the second run may take over the killed one's claims.
        site.WriteAppSettings(new Dictionary<string, string?>
        {
            ["Mail:Smtp:MaxConnections"] = MaxConnections.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Digest:ClaimLease"] = "00:00:02",
        });

        long beforeKill;
        using (var first = site.Start("digest", "send-now"))
        {
            await Infrastructure.Eventually.UntilAsync(() => site.Server.Messages.Count >= 400 || first.HasExited, "400 messages received",
                TimeSpan.FromSeconds(30));
            Assert.False(first.HasExited, "send-now finished before it could be killed:\n" + first.Output + first.Error);
            await first.KillAsync();
            beforeKill = site.Server.Messages.Count;
        }

        Assert.InRange(beforeKill, 400, Subscribers - 1);
        var killedAt = DateTimeOffset.UtcNow;
        // The claims of the killed process must be older than Digest:ClaimLease before the next run may take them.
        await Task.Delay(TimeSpan.FromSeconds(2.5) - (DateTimeOffset.UtcNow - killedAt), DigestSite.Cancel);

        var second = await site.RunAsync("digest", "send-now");

        Assert.True(second.ExitCode == 0, second.ToString());
        // The resumed digest is named before its sending and reported after it; nothing new was planned.
        Assert.Contains("Digest 1 was left unfinished by a sender that stopped; sending the rest first.", second.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^Digest 1: \d+ sent, 0 failed, 0 skipped\.$", second.Output);
        Assert.Contains("No digest: no new posts since the last digest.", second.Output, StringComparison.Ordinal);
        var copies = site.CopiesBySubscriber(1);
        var missing = ids.Count(id => !copies.ContainsKey(id));
        var twice = copies.Values.Count(c => c > 1);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"crash test: {beforeKill} received before the kill, {site.Server.Messages.Count} in all, {copies.Count} of {Subscribers} subscribers reached, {missing} missing, {twice} received twice");
        Console.WriteLine($"crash test: {beforeKill} received before the kill, {missing} missing, {twice} received twice (at most {MaxConnections})");
        Assert.Equal(0, missing);
        Assert.InRange(twice, 0, MaxConnections);
        Assert.DoesNotContain(copies.Values, c => c > 2);
        Assert.All(site.Deliveries(1), d => Assert.Equal("sent", d.Status));

        var list = await site.RunAsync("digest", "list", "--json");
        using var listed = JsonDocument.Parse(list.Output);
        var only = Assert.Single(listed.RootElement.EnumerateArray());
        Assert.Equal(("done", Subscribers, 0), (only.GetProperty("status").GetString(), only.GetProperty("sent").GetInt32(), only.GetProperty("pending").GetInt32()));
    }
}
