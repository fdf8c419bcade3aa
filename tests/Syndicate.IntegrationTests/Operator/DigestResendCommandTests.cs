using System.Text.Json;
using Syndicate.IntegrationTests.Digests;

namespace Syndicate.IntegrationTests.Operator;

/// <summary>
/// <c>digest resend</c> as a child process over SMTP: the issue's scenario (three 550s, fixed, resent to exactly
/// those three, dry run first, a repeated request id a no-op), one copy to one address with refusals for unknown and
/// unsubscribed addresses unless forced, and a resend to everyone still active; each recorded for <c>digest show</c>.
/// </summary>
public sealed class DigestResendCommandTests
{
    [Fact]
    public async Task ResendFailedOnly_ThreeRejectedThenAccepted_ExactlyThoseThreeOnceAndRepeatSendsNothing()
    {
        await using var site = await DigestSite.StartAsync();
        var ids = await site.SeedAsync(20);
        int[] rejectedIndexes = [3, 11, 17];
        var rejected = rejectedIndexes.Select(DigestSite.Address).ToArray();
        foreach (var address in rejected)
        {
            site.Server.Reply(address, 550, "5.1.1 Mailbox unavailable");
        }

        site.WriteAppSettings();

        var sent = await site.RunAsync("digest", "send-now");
        Assert.True(sent.ExitCode == 0, sent.ToString());
        Assert.Equal(17, site.Server.Messages.Count);

        var show = await site.RunAsync("digest", "show", "1");
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("Deliveries: 20 in all, 17 sent, 3 failed, 0 skipped, 0 pending.", show.Output, StringComparison.Ordinal);
        var failedLines = show.Output.Split('\n').SkipWhile(line => line.TrimEnd() != "Failed:").Skip(1)
            .Where(line => line.StartsWith("  ", StringComparison.Ordinal)).Select(line => line.Trim()).ToList();
        // The server's reply as it gave it (the SmtpServer package appends how many RCPT retries the session has left).
        Assert.Equal(3, failedLines.Count);
        Assert.All(rejected.Zip(failedLines), pair =>
            Assert.StartsWith($"{pair.First} after 1 attempt: 550 5.1.1 Mailbox unavailable", pair.Second, StringComparison.Ordinal));

        // The operator fixes the cause (the mailboxes exist again).
        foreach (var address in rejected)
        {
            site.Accept(address);
        }

        var beforeDry = OperatorChecks.Dump(site);
        var dry = await site.RunAsync("digest", "resend", "1", "--failed-only", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("Would send 3 copies of digest 1:", dry.Output, StringComparison.Ordinal);
        var listed = dry.Output.Split('\n').Where(line => line.StartsWith("  ", StringComparison.Ordinal)).Select(line => line.Trim()).ToList();
        Assert.Equal(rejected, listed);
        Assert.Equal(17, site.Server.Messages.Count);
        Assert.True(beforeDry == OperatorChecks.Dump(site), "a dry run must not write a resend or delivery row");

        var resend = await site.RunAsync("digest", "resend", "1", "--failed-only", "--request-id", "fix-550");
        Assert.True(resend.ExitCode == 0, resend.ToString());
        Assert.Contains("Resend 1 of digest 1: 3 copies queued", resend.Output, StringComparison.Ordinal);
        OperatorChecks.AssertPlainProgress(resend, 1);

        var copies = OperatorChecks.Copies(site);
        Assert.Equal(20, copies.Count);
        // Every subscriber at the server exactly once: the 17 from the digest and the 3 from the resend, nobody twice.
        Assert.Equal(Enumerable.Range(1, 20).Select(DigestSite.Address), copies.Select(c => c.To).Order(StringComparer.Ordinal));
        var resent = copies.Where(c => c.ResendId != 0).OrderBy(c => c.SubscriberId).ToList();
        Assert.Equal(rejected, resent.Select(c => c.To));
        Assert.Equal(rejectedIndexes.Select(i => $"digest-1.{ids[i - 1]}.r1@blog.example.test"), resent.Select(c => c.MessageId));
        Assert.Equal(3, OperatorChecks.Scalar(site, "SELECT COUNT(*) FROM deliveries WHERE resend_id = 1 AND status = 'sent'"));

        var repeat = await site.RunAsync("digest", "resend", "1", "--failed-only", "--request-id", "fix-550");
        Assert.True(repeat.ExitCode == 0, repeat.ToString());
        Assert.Contains("Request fix-550 was already carried out as resend 1; nothing more was sent.", repeat.Output, StringComparison.Ordinal);
        Assert.Equal(20, site.Server.Messages.Count);
        Assert.Equal(1, OperatorChecks.Scalar(site, "SELECT COUNT(*) FROM resends"));
        Assert.Equal(23, OperatorChecks.Scalar(site, "SELECT COUNT(*) FROM deliveries"));

        // Their latest delivery succeeded: another failed-only request would reach nobody.
        var none = await site.RunAsync("digest", "resend", "1", "--failed-only", "--dry-run");
        Assert.True(none.ExitCode == 0, none.ToString());
        Assert.Contains("Would send 0 copies of digest 1:", none.Output, StringComparison.Ordinal);

        // Done for real: nothing to send, so nothing is recorded, and the command says so.
        var nothing = await site.RunAsync("digest", "resend", "1", "--failed-only");
        Assert.True(nothing.ExitCode == 0, nothing.ToString());
        Assert.Equal("Nothing to resend for digest 1: no subscriber still active has a failed delivery of it; nothing was recorded.",
            nothing.Output.Trim());
        Assert.Equal(1, OperatorChecks.Scalar(site, "SELECT COUNT(*) FROM resends"));
        Assert.Equal(23, OperatorChecks.Scalar(site, "SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task ResendTo_KnownUnknownUnsubscribedForced_OneCopyOrClearRefusalAndRecorded()
    {
        await using var site = await DigestSite.StartAsync();
        var ids = await site.SeedAsync(6);
        site.WriteAppSettings();
        var sent = await site.RunAsync("digest", "send-now");
        Assert.True(sent.ExitCode == 0, sent.ToString());
        Assert.Equal(6, site.Server.Messages.Count);

        var one = await site.RunAsync("digest", "resend", "1", "--to", DigestSite.Address(2));
        Assert.True(one.ExitCode == 0, one.ToString());
        var copy = Assert.Single(OperatorChecks.Copies(site).Skip(6));
        Assert.Equal((DigestSite.Address(2), $"digest-1.{ids[1]}.r1@blog.example.test"), (copy.To, copy.MessageId));
        Assert.NotEqual(OperatorChecks.Copies(site).Single(c => c.To == DigestSite.Address(2) && c.ResendId == 0).MessageId, copy.MessageId);

        var unknown = await site.RunAsync("digest", "resend", "1", "--to", "nobody@example.test");
        Assert.True(unknown.ExitCode == 1, unknown.ToString());
        Assert.Equal("Not resent: nobody@example.test is not a subscriber; add it first with `subscribers add nobody@example.test`.", unknown.Error.Trim());

        var removed = await site.RunAsync("subscribers", "remove", DigestSite.Address(5));
        Assert.True(removed.ExitCode == 0, removed.ToString());
        var refused = await site.RunAsync("digest", "resend", "1", "--to", DigestSite.Address(5));
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains($"Not resent: {DigestSite.Address(5)} unsubscribed and receives nothing more", refused.Error, StringComparison.Ordinal);
        var forcedToUnsubscribed = await site.RunAsync("digest", "resend", "1", "--to", DigestSite.Address(5), "--force");
        Assert.True(forcedToUnsubscribed.ExitCode == 1, forcedToUnsubscribed.ToString());
        Assert.Contains($"Not resent: {DigestSite.Address(5)} unsubscribed and receives nothing more", forcedToUnsubscribed.Error, StringComparison.Ordinal);
        Assert.Equal(7, site.Server.Messages.Count);

        var both = await site.RunAsync("digest", "resend", "1", "--failed-only", "--to", DigestSite.Address(1));
        Assert.True(both.ExitCode == 2, both.ToString());
        Assert.Equal(7, site.Server.Messages.Count);

        // Usage mistakes (exit 2), the same rules as the API's: a request id of 1 to 200 characters, --force only with --to.
        var emptyId = await site.RunAsync("digest", "resend", "1", "--failed-only", "--request-id", "");
        Assert.True(emptyId.ExitCode == 2, emptyId.ToString());
        Assert.Equal("Not resent: --request-id is 1 to 200 characters.", emptyId.Error.Trim());
        var longId = await site.RunAsync("digest", "resend", "1", "--to", DigestSite.Address(1), "--request-id", new string('x', 201));
        Assert.True(longId.ExitCode == 2, longId.ToString());
        var forceAll = await site.RunAsync("digest", "resend", "1", "--force", "--dry-run");
        Assert.True(forceAll.ExitCode == 2, forceAll.ToString());
        Assert.Contains("Not resent: --force applies only to one address (--to EMAIL)", forceAll.Error, StringComparison.Ordinal);
        Assert.Equal("", forceAll.Output);
        var forceFailed = await site.RunAsync("digest", "resend", "1", "--failed-only", "--force");
        Assert.True(forceFailed.ExitCode == 2, forceFailed.ToString());
        Assert.Equal(1, OperatorChecks.Scalar(site, "SELECT COUNT(*) FROM resends"));
        Assert.Equal(7, site.Server.Messages.Count);

        var noDigest = await site.RunAsync("digest", "resend", "9", "--to", DigestSite.Address(1));
        Assert.True(noDigest.ExitCode == 1, noDigest.ToString());
        Assert.Contains("Not resent: there is no digest 9", noDigest.Error, StringComparison.Ordinal);

        // A pending address only with --force; the address as the operator types it: case and spaces do not matter.
        // Imported without --confirmed: pending, and no confirmation mail to count.
        File.WriteAllText(Path.Combine(site.Root, "pending.csv"), "email\npending@example.test\n");
        var pending = await site.RunAsync("subscribers", "import", "pending.csv");
        Assert.True(pending.ExitCode == 0, pending.ToString());
        var unforced = await site.RunAsync("digest", "resend", "1", "--to", "pending@example.test");
        Assert.True(unforced.ExitCode == 1, unforced.ToString());
        Assert.Equal("Not resent: pending@example.test is pending; add --force to send it a copy anyway.", unforced.Error.Trim());
        var forced = await site.RunAsync("digest", "resend", "1", "--to", " Pending@Example.TEST ", "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        var forcedCopy = Assert.Single(OperatorChecks.Copies(site).Skip(7), copy => copy.ResendId != 0 && copy.To == "pending@example.test");
        Assert.Matches(@"^digest-1\.\d+\.r2@blog\.example\.test$", forcedCopy.MessageId);

        // Everyone: the subscribers of digest 1 still active; not the two who left since, not one who joined after it.
        Assert.True((await site.RunAsync("subscribers", "remove", DigestSite.Address(4))).ExitCode == 0);
        var late = await site.RunAsync("subscribers", "add", "late@example.test", "--confirmed");
        Assert.True(late.ExitCode == 0, late.ToString());
        var everyone = await site.RunAsync("digest", "resend", "1", "--request-id", "again-all");
        Assert.True(everyone.ExitCode == 0, everyone.ToString());
        Assert.Contains("Resend 3 of digest 1: 4 copies queued", everyone.Output, StringComparison.Ordinal);
        var third = OperatorChecks.Copies(site).Skip(8).ToList();
        Assert.Equal(new[] { 1, 2, 3, 6 }.Select(DigestSite.Address), third.Select(c => c.To).Order(StringComparer.Ordinal));
        Assert.All(third, c => Assert.Equal($"digest-1.{c.SubscriberId}.r3@blog.example.test", c.MessageId));
        Assert.Equal(12, site.Server.Messages.Count);

        var show = await site.RunAsync("digest", "show", "1", "--json");
        Assert.True(show.ExitCode == 0, show.ToString());
        using var document = JsonDocument.Parse(show.Output);
        var resends = document.RootElement.GetProperty("resends").EnumerateArray()
            .Select(r => (r.GetProperty("id").GetInt64(), r.GetProperty("mode").GetString(), r.GetProperty("target").GetString(),
                r.GetProperty("deliveries").GetInt32()))
            .ToList();
        Assert.Equal(
            [(1L, "to", DigestSite.Address(2), 1), (2L, "to", "pending@example.test", 1), (3L, "everyone", "", 4)],
            resends);
        Assert.All(document.RootElement.GetProperty("resends").EnumerateArray(),
            r => Assert.StartsWith("cli:", r.GetProperty("requestedBy").GetString(), StringComparison.Ordinal));

        var text = await site.RunAsync("digest", "show", "1");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Matches($@"Resend 1 \(to {DigestSite.Address(2)}\) by cli:\S* at [0-9: -]+ UTC: 1 copy\.", text.Output);
        Assert.Matches(@"Resend 3 \(everyone\) by cli:\S* at [0-9: -]+ UTC: 4 copies\.", text.Output);
    }
}
