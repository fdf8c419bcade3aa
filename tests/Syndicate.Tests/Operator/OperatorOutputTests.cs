using MimeKit;
using Syndicate.Cli;
using Syndicate.Digests;

namespace Syndicate.Tests.Operator;

/// <summary>
/// What the operator verbs print: digest progress as whole lines when the output is not a terminal, and the preview
/// pages with the headers summarised (HTML-encoded) above the body.
/// </summary>
public sealed class OperatorOutputTests
{
    [Fact]
    public void ForDigests_WriterNotTheConsole_PlainLinesWithoutCarriageReturns()
    {
        using var output = new StringWriter { NewLine = "\n" };
        var progress = ConsoleProgress.ForDigests(output);

        progress.Report(Summary(pending: 7));
        progress.Report(Summary(pending: 0));

        Assert.Equal(
            "  digest 4: 3 sent, 1 failed, 0 skipped, 7 to go of 11\n  digest 4: 3 sent, 1 failed, 0 skipped, 0 to go of 11\n",
            output.ToString());
    }

    [Fact]
    public void ForRows_Terminal_CompleteEndsTheRedrawnLineSoTheSummaryStartsOnItsOwn()
    {
        using var output = new StringWriter { NewLine = "\n" };
        var progress = ConsoleProgress.ForRows(output, terminal: true);

        progress.Report(1000);
        progress.Report(2500);
        progress.Complete();
        output.WriteLine("2500 added");
        progress.Complete();

        Assert.Equal("\r  1000 rows read\r  2500 rows read\n2500 added\n", output.ToString());
    }

    [Fact]
    public void ForDigests_Terminal_BarEndsItsLineWhenDoneOrWhenCompletedWithDeliveriesStillPending()
    {
        using var done = new StringWriter { NewLine = "\n" };
        var finished = ConsoleProgress.ForDigests(done, terminal: true);
        finished.Report(Summary(pending: 7));
        finished.Report(Summary(pending: 0));
        finished.Complete();
        Assert.Equal(2, done.ToString().Count(c => c == '\r'));
        Assert.EndsWith("] 11/11: 3 sent, 1 failed \n", done.ToString(), StringComparison.Ordinal);

        // Deliveries left for a retry: the bar never reaches the end, and Complete ends its line.
        using var waiting = new StringWriter { NewLine = "\n" };
        var unfinished = ConsoleProgress.ForDigests(waiting, terminal: true);
        unfinished.Report(Summary(pending: 7));
        unfinished.Complete();
        waiting.WriteLine("Digest 4: 3 sent");
        Assert.EndsWith("] 4/11: 3 sent, 1 failed \nDigest 4: 3 sent\n", waiting.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Complete_NotATerminal_WritesNothing()
    {
        using var output = new StringWriter { NewLine = "\n" };
        var progress = ConsoleProgress.ForRows(output, terminal: false);

        progress.Report(1000);
        progress.Complete();

        Assert.Equal("  1000 rows read\n", output.ToString());
    }

    [Fact]
    public void HtmlPage_HeadersWithMarkup_SummarisedEncodedAfterBodyTag()
    {
        var message = Message("<b>Bold</b> & news", "<html><head></head><body class=\"x\"><p>Post</p></body></html>");

        var page = DigestPreview.HtmlPage(message);

        var body = page.IndexOf("<body class=\"x\">", StringComparison.Ordinal);
        var summary = page.IndexOf("<b>Subject:</b> &lt;b&gt;Bold&lt;/b&gt; &amp; news", StringComparison.Ordinal);
        Assert.True(body >= 0 && summary > body && summary < page.IndexOf("<p>Post</p>", StringComparison.Ordinal), page);
        Assert.Contains("<b>List-Unsubscribe:</b> &lt;https://blog.example.test/unsubscribe/t&gt;", page, StringComparison.Ordinal);
        Assert.Contains("nothing was sent or recorded", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>Bold</b> &", page, StringComparison.Ordinal);
    }

    [Fact]
    public void TextPage_Message_HeadersThenBlankLineThenText()
    {
        var message = Message("Weekly", "<html><body>x</body></html>");

        var page = DigestPreview.TextPage(message);

        var lines = page.Split(Environment.NewLine);
        Assert.StartsWith("From: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, line => line == "Subject: Weekly");
        Assert.Contains(lines, line => line == "List-Unsubscribe: <https://blog.example.test/unsubscribe/t>");
        Assert.EndsWith(Environment.NewLine + Environment.NewLine + "The text part.", page, StringComparison.Ordinal);
    }

    private static DigestSummary Summary(int pending) =>
        new(4, "test", pending == 0 ? "done" : "sending", DateTimeOffset.UnixEpoch, null, 1, 11, 3, 1, 0, pending);

    private static MimeMessage Message(string subject, string html)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Blog", "news@blog.example.test"));
        message.To.Add(new MailboxAddress("Reader", "reader@example.test"));
        message.Subject = subject;
        message.MessageId = "digest-0.0@blog.example.test";
        message.Headers.Add(HeaderId.ListUnsubscribe, "<https://blog.example.test/unsubscribe/t>");
        message.Body = new BodyBuilder { HtmlBody = html, TextBody = "The text part." }.ToMessageBody();
        return message;
    }
}
