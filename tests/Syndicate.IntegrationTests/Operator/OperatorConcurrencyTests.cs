using Syndicate.Digests;
using Syndicate.IntegrationTests.Digests;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.Posts;
using Syndicate.Testing;

namespace Syndicate.IntegrationTests.Operator;

/// <summary>
/// The issue's rule that a CLI verb works whether the service runs or not and never causes a second copy when both
/// act on one digest: the delivery ledger decides. Several processes (and the service) send the same digest while a
/// resend is asked for; every Message-ID arrives once, and each resend copy has an id of its own.
/// </summary>
public sealed class OperatorConcurrencyTests
{
    private const int Subscribers = 300;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SendNowAndResendInParallelProcesses_NoMessageIdTwice()
    {
        await using var site = await DigestSite.StartAsync();
        var ids = await site.SeedAsync(Subscribers);
        // Paced (about 10 s for the digest) so the second and third process join while the first is half-way, even on a
        // loaded machine where a process takes four or five seconds to start: at 150, and once at 60, a second the resend was
        // planned just as the first send-now finished, and that send-now counted the resend's copies as its own pending ones.
        site.WriteAppSettings(new Dictionary<string, string?>
        {
            ["Mail:Smtp:MessagesPerSecond"] = "30",
            ["Mail:Smtp:MaxConnections"] = "3",
            ["Digest:BatchSize"] = "20",
        });

        using var first = site.Start("digest", "send-now");
        await Eventually.UntilAsync(() => site.Server.Messages.Count >= 40 || first.HasExited, "40 messages of the first send-now",
            TimeSpan.FromSeconds(20));
        Assert.False(first.HasExited, "send-now ended before the others could join:\n" + first.Output + first.Error);
        using var resend = site.Start("digest", "resend", "1", "--request-id", "while-sending");
        using var second = site.Start("digest", "send-now");

        var exits = (await first.WaitAsync(TimeSpan.FromSeconds(30)), await resend.WaitAsync(TimeSpan.FromSeconds(30)),
            await second.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.True(exits == (0, 0, 0), $"exit codes {exits}\n--- send-now\n{first.Output}\n{first.Error}\n--- resend\n{resend.Output}\n{resend.Error}\n--- second send-now\n{second.Output}\n{second.Error}");
        AssertOnceEachPlusOneResendCopy(site, ids, resendId: 1);
        Assert.Contains("Resend 1 of digest 1: 300 copies queued", resend.Output, StringComparison.Ordinal);
        Assert.Contains("No digest", second.Output, StringComparison.Ordinal);
        // Redirected output: progress as whole lines.
        Assert.DoesNotContain('\r', first.Output);
        Assert.Matches(@"(?m)^  digest 1: \d+ sent, 0 failed, 0 skipped, \d+ to go of \d+$", first.Output);
    }

    [Fact]
    public async Task ServiceSendingAndCliResend_SameDigest_NoMessageIdTwice()
    {
        await using var site = await DigestSite.StartAsync();
        var ids = await site.SeedAsync(Subscribers);
        var settings = site.Settings(new Dictionary<string, string?>
        {
            ["Mail:Smtp:MessagesPerSecond"] = "150",
            ["Mail:Smtp:MaxConnections"] = "3",
            ["Digest:BatchSize"] = "20",
        });
        site.WriteAppSettings(settings);
        using (var services = site.Open(settings))
        {
            services.Get<PostCatalog>().Scan();
            Assert.Equal(Subscribers, (await services.Get<DigestService>().PlanAsync("test", Cancel))!.Deliveries);
        }

        // The service resumes the planned digest as it starts; the operator asks for a resend from the CLI meanwhile.
        await using (var service = await RunningService.StartAsync(site.Site, settings))
        {
            await Eventually.UntilAsync(() => site.Server.Messages.Count >= 40, "40 messages sent by the service", TimeSpan.FromSeconds(20));
            Assert.True(site.Server.Messages.Count < Subscribers, "the service finished before the CLI could join");
            var resend = await site.RunAsync("digest", "resend", "1", "--request-id", "while-serving");
            Assert.True(resend.ExitCode == 0, resend.ToString());
            Assert.Contains("Resend 1 of digest 1: 300 copies queued", resend.Output, StringComparison.Ordinal);
            await Eventually.UntilAsync(() => site.Server.Messages.Count >= 2 * Subscribers, "every copy received", TimeSpan.FromSeconds(20));
        }

        AssertOnceEachPlusOneResendCopy(site, ids, resendId: 1);
    }

    [Fact]
    public async Task ResendSameRequestIdFromTwoProcessesAtOnce_OneResendOneCopyEach()
    {
        await using var site = await DigestSite.StartAsync();
        var ids = await site.SeedAsync(10);
        site.WriteAppSettings();
        var sent = await site.RunAsync("digest", "send-now");
        Assert.True(sent.ExitCode == 0, sent.ToString());

        // A double click: the same request from two processes at the same moment.
        using var one = site.Start("digest", "resend", "1", "--request-id", "double-click");
        using var two = site.Start("digest", "resend", "1", "--request-id", "double-click");
        var exits = (await one.WaitAsync(TimeSpan.FromSeconds(30)), await two.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.True(exits == (0, 0), $"exit codes {exits}\n--- one\n{one.Output}\n{one.Error}\n--- two\n{two.Output}\n{two.Error}");
        Assert.Equal(1, OperatorChecks.Scalar(site, "SELECT COUNT(*) FROM resends"));
        Assert.Single(new[] { one.Output, two.Output }, output => output.Contains("already carried out as resend 1", StringComparison.Ordinal));
        AssertOnceEachPlusOneResendCopy(site, ids, resendId: 1);
    }

    [Fact]
    public async Task ResendFailedOnlyWithDifferentRequestIdsAtOnce_EachFailedAddressGetsOneCopy()
    {
        await using var site = await DigestSite.StartAsync();
        await site.SeedAsync(10);
        var rejected = new[] { 2, 5, 9 }.Select(DigestSite.Address).ToArray();
        foreach (var address in rejected)
        {
            site.Server.Reply(address, 550, "5.1.1 Mailbox unavailable");
        }

        site.WriteAppSettings();
        var sent = await site.RunAsync("digest", "send-now");
        Assert.True(sent.ExitCode == 0, sent.ToString());
        Assert.Equal(7, site.Server.Messages.Count);
        foreach (var address in rejected)
        {
            site.Accept(address);
        }

        // Two browser tabs, two operators, the page and the CLI: five failed-only resends at the same moment, each with
        // an id of its own. On PostgreSQL the test holds the digest's row until all five are waiting on it, so that
        // they plan together rather than one after another as the processes happen to start.
        using var holder = TestDatabase.IsPostgres ? site.Site.Database.Open() : null;
        using var hold = holder?.BeginTransaction();
        if (holder is not null)
        {
            using var lockRow = holder.CreateCommand();
            lockRow.Transaction = hold;
            lockRow.CommandText = "SELECT id FROM digests WHERE id = 1 FOR UPDATE";
            lockRow.ExecuteScalar();
        }

        var resends = Enumerable.Range(1, 5).Select(i => site.Start("digest", "resend", "1", "--failed-only", "--request-id", $"tab-{i}")).ToList();
        try
        {
            if (hold is not null)
            {
                await Eventually.ValueAsync(() => Task.FromResult(OperatorChecks.Scalar(site,
                        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")),
                    waiting => waiting == 5, "five resends waiting on the digest's row", TimeSpan.FromSeconds(60));
                hold.Commit();
            }

            var exits = new List<int>();
            foreach (var resend in resends)
            {
                exits.Add(await resend.WaitAsync(TimeSpan.FromSeconds(60)));
            }

            Assert.True(exits.TrueForAll(exit => exit == 0),
                string.Join("\n", resends.Select((r, i) => $"--- resend {i + 1}: exit {exits[i]}\n{r.Output}\n{r.Error}")));
        }
        finally
        {
            foreach (var resend in resends)
            {
                resend.Dispose();
            }
        }

        var copies = OperatorChecks.Copies(site);
        Assert.Equal(rejected, copies.Where(c => c.ResendId != 0).Select(c => c.To).Order(StringComparer.Ordinal));
        Assert.Equal(10, copies.Count);
        Assert.Equal(3, OperatorChecks.Scalar(site, "SELECT COUNT(*) FROM deliveries WHERE resend_id <> 0"));
        // One resend recorded; the other four found nobody left to send to and recorded nothing.
        Assert.Equal(1, OperatorChecks.Scalar(site, "SELECT COUNT(*) FROM resends"));
        var outputs = resends.Select(r => r.Output).ToList();
        Assert.Single(outputs, output => output.Contains("3 copies queued", StringComparison.Ordinal));
        Assert.Equal(4, outputs.Count(output => output.Contains("Nothing to resend for digest 1", StringComparison.Ordinal)));
    }

    /// <summary>Each subscriber got the digest's copy once and the resend's copy once; no Message-ID arrived twice.</summary>
    private static void AssertOnceEachPlusOneResendCopy(DigestSite site, IReadOnlyList<long> ids, long resendId)
    {
        var copies = OperatorChecks.Copies(site);
        var repeated = copies.GroupBy(c => c.MessageId, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"{g.Key} x{g.Count()}").ToList();
        Assert.True(repeated.Count == 0, "Message-IDs received more than once: " + string.Join(", ", repeated));
        Assert.Equal(ids.Order(), copies.Where(c => c.ResendId == 0).Select(c => c.SubscriberId).Order());
        Assert.Equal(ids.Order(), copies.Where(c => c.ResendId == resendId).Select(c => c.SubscriberId).Order());
        Assert.Equal(2 * ids.Count, copies.Count);
        Assert.All(site.Deliveries(1), d => Assert.Equal("sent", d.Status));
    }
}
