using Syndicate.IntegrationTests.Digests;

namespace Syndicate.IntegrationTests.Operator;

/// <summary>
/// <c>digest preview</c> as a child process: the text and HTML pages carry the header summary and the new post's
/// title and absolute link (the HTML page its hidden preheader too), nothing is sent or written to the database
/// (every table compared before and after), <c>--send-to</c> sends exactly one "[Preview]" copy, and with nothing new
/// it says so and exits 0.
/// </summary>
public sealed class DigestPreviewCommandTests
{
    private const string PostUrl = "https://blog.example.test/2026/01/15/news/";

    [Fact]
    public async Task Preview_TextAndOutFile_HeadersTitleAndLinkAndNothingRecorded()
    {
        await using var site = await DigestSite.StartAsync();
        await site.SeedAsync(3);
        site.WriteAppSettings();
        var before = OperatorChecks.Dump(site);

        var text = await site.RunAsync("digest", "preview", "--text");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Matches(@"(?m)^From: .*Digest blog.*<news@blog\.example\.test>", text.Output);
        // A sample subscriber, never a real one: no subscriber's address or live unsubscribe link in a page meant to be saved and shown.
        Assert.Matches(@"(?m)^To: Sample Reader <subscriber@example\.org>", text.Output);
        Assert.DoesNotContain("@example.test", text.Output.Replace("news@blog.example.test", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("Subject: Digest blog: News of the week", text.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^List-Unsubscribe: <https://blog\.example\.test/unsubscribe/[^>\s]+>", text.Output);
        Assert.Contains("News of the week", text.Output.Split("\n\n", 2)[1], StringComparison.Ordinal);
        Assert.Contains(PostUrl, text.Output, StringComparison.Ordinal);

        var file = Path.Combine(site.Root, "preview.html");
        // A file there already, readable by all: replaced by one readable by its owner only, as the subscribers export.
        await File.WriteAllTextAsync(file, "old", DigestSite.Cancel);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
        }

        var html = await site.RunAsync("digest", "preview", "--out", "preview.html");
        Assert.True(html.ExitCode == 0, html.ToString());
        Assert.Contains("preview.html", html.Error, StringComparison.Ordinal);
        var page = await File.ReadAllTextAsync(file, DigestSite.Cancel);
        foreach (var header in (string[])["From", "To", "Subject", "List-Unsubscribe"])
        {
            Assert.Contains($"<b>{header}:</b>", page, StringComparison.Ordinal);
        }

        Assert.Contains("news@blog.example.test", page, StringComparison.Ordinal);
        Assert.Contains("News of the week", page, StringComparison.Ordinal);
        Assert.Contains($"href=\"{PostUrl}\"", page, StringComparison.Ordinal);
        // The mail's hidden preheader (the post's excerpt) is in the preview as in the mail, and only in the HTML part.
        Assert.Matches("<div class=\"preheader\" style=\"display: none;[^\"]*\">A paragraph\\.\u034F", page);
        Assert.Equal(-1, text.Output.IndexOf('\u034F', StringComparison.Ordinal));
        Assert.Contains("subscriber@example.org", page, StringComparison.Ordinal);
        Assert.DoesNotContain(DigestSite.Address(1), page, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        Assert.Empty(Directory.GetFiles(site.Root, "*.tmp"));

        Assert.Empty(site.Server.Messages);
        Assert.Equal(0, site.Server.Connections);
        Assert.True(before == OperatorChecks.Dump(site), "preview must not write a digest, delivery or ledger row");

        // The real digest is what the preview showed.
        var sent = await site.RunAsync("digest", "send-now");
        Assert.True(sent.ExitCode == 0, sent.ToString());
        var first = site.Received().Single(m => m.To.Mailboxes.Single().Address == DigestSite.Address(1));
        Assert.Equal("Digest blog: News of the week", first.Subject);

        var nothing = await site.RunAsync("digest", "preview", "--text");
        Assert.True(nothing.ExitCode == 0, nothing.ToString());
        Assert.Contains("No digest to preview", nothing.Output, StringComparison.Ordinal);
        var nothingSent = await site.RunAsync("digest", "preview", "--send-to", "boss@example.test");
        Assert.True(nothingSent.ExitCode == 0, nothingSent.ToString());
        Assert.Contains("No digest to preview", nothingSent.Output, StringComparison.Ordinal);
        Assert.Equal(3, site.Server.Messages.Count);
    }

    [Fact]
    public async Task PreviewSendTo_Address_ExactlyOnePreviewMessageAndNothingRecorded()
    {
        await using var site = await DigestSite.StartAsync();
        await site.SeedAsync(3);
        site.WriteAppSettings();
        var before = OperatorChecks.Dump(site);

        var sent = await site.RunAsync("digest", "preview", "--send-to", "boss@example.test");

        Assert.True(sent.ExitCode == 0, sent.ToString());
        Assert.Contains("boss@example.test", sent.Output, StringComparison.Ordinal);
        var message = Assert.Single(site.Received());
        Assert.Equal("boss@example.test", message.To.Mailboxes.Single().Address);
        Assert.Equal("[Preview] Digest blog: News of the week", message.Subject);
        Assert.Contains(PostUrl, message.HtmlBody, StringComparison.Ordinal);
        Assert.True(before == OperatorChecks.Dump(site), "a test copy must not write a digest, delivery or ledger row");

        var invalid = await site.RunAsync("digest", "preview", "--send-to", "not an address");
        Assert.True(invalid.ExitCode == 1, invalid.ToString());
        Assert.Contains("Not sent", invalid.Error, StringComparison.Ordinal);
        Assert.Single(site.Server.Messages);

        // The server refuses the address: the operator gets its reply, not a stack trace, and a failing exit code.
        site.Server.Reply("bounce@example.test", 550, "5.1.1 No such mailbox");
        var bounced = await site.RunAsync("digest", "preview", "--send-to", "bounce@example.test");
        Assert.True(bounced.ExitCode == 1, bounced.ToString());
        Assert.Contains("Not sent", bounced.Error, StringComparison.Ordinal);
        Assert.Contains("550 5.1.1 No such mailbox", bounced.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", bounced.Error, StringComparison.Ordinal);
        Assert.Single(site.Server.Messages);
        Assert.True(before == OperatorChecks.Dump(site), "a refused test copy must not write a row either");
    }
}
