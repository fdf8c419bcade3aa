using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Syndicate.Mail;
using Syndicate.Site;
using Syndicate.Subscribers;
using Syndicate.Tests.Templates;

namespace Syndicate.Tests.Mail;

public sealed class ConfirmationMailerTests
{
    private const string ConfirmUrl = "https://blog.example.org/confirm/tok3n?a=1&b=2";
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task SendAsync_BuildsTheHeaders()
    {
        var (message, raw) = await SendAsync("ann@example.com", "Ann Example");

        Assert.Equal("\"Blog\" <news@blog.example.org>", message.From.ToString());
        Assert.Equal("\"Ann Example\" <ann@example.com>", message.To.ToString());
        Assert.Equal("Confirm your subscription to Test Blog", message.Subject);
        Assert.Equal(Now, message.Date);
        Assert.EndsWith("@blog.example.org", message.MessageId, StringComparison.Ordinal);
        Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);
        Assert.Contains("\r\nMIME-Version: 1.0\r\n", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_NonAsciiSiteTitle_IsEncodedInTheSubject()
    {
        var (message, raw) = await SendAsync("ann@example.com", "", title: "Café Ünïcode — 日本");

        Assert.Equal("Confirm your subscription to Café Ünïcode — 日本", message.Subject);
        var subjectHeader = Regex.Match(raw, @"\r\nSubject:[^\r\n]*(\r\n[ \t][^\r\n]*)*").Value;
        Assert.Contains("=?utf-8?", subjectHeader, StringComparison.OrdinalIgnoreCase);
        Assert.True(raw.All(c => c < 128), "the message on the wire is 7-bit: headers RFC 2047-encoded, bodies quoted-printable");
    }

    [Fact]
    public async Task SendAsync_TextPartFirstAndTheLinkInBoth()
    {
        var (message, _) = await SendAsync("ann@example.com", "Ann");

        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal(2, alternative.Count);
        Assert.Equal("text/plain", alternative[0].ContentType.MimeType);
        Assert.Equal("text/html", alternative[1].ContentType.MimeType);
        Assert.Equal("utf-8", alternative[0].ContentType.Charset, ignoreCase: true);
        Assert.Contains(ConfirmUrl, message.TextBody, StringComparison.Ordinal);
        Assert.Contains($"href=\"{ConfirmUrl.Replace("&", "&amp;", StringComparison.Ordinal)}\"", message.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_HeaderInjectionInName_StaysInTheDisplayName()
    {
        var (message, raw) = await SendAsync("eve@example.com", "Eve\r\nBcc: x@y.z");

        Assert.Empty(message.Bcc);
        Assert.Equal(-1, message.Headers.IndexOf(HeaderId.Bcc));
        var headers = raw[..raw.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.DoesNotContain("\r\nBcc:", headers, StringComparison.OrdinalIgnoreCase);
        var to = Assert.Single(message.To.Mailboxes);
        Assert.Equal("eve@example.com", to.Address);
        Assert.Equal("Eve Bcc: x@y.z", to.Name);
        Assert.Contains("Hello,", message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_NameGivenOnTheForm_IsNotInTheBody()
    {
        // Anyone may type any address and name into the public form: a name in the body would let them put their own
        // words into a mail signed by the blog's domain and sent to somebody else.
        var (message, _) = await SendAsync("victim@example.com", "<script>alert(1)</script> Win a prize at https://spam.example/");

        Assert.DoesNotContain("alert(1)", message.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("spam.example", message.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("spam.example", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Hello,", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Confirm", message.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_PreheaderAsksToConfirmOnTheSite_HiddenAndOnlyInTheHtmlPart()
    {
        var (message, raw) = await SendAsync("ann@example.com", "Ann", title: "Zoë's <Notes> & \"More\"");

        var (style, markup, text) = HiddenPreheader.Read(message.HtmlBody ?? "");
        Assert.Equal("Confirm your subscription to Zoë's <Notes> & \"More\"", text);
        Assert.Contains("&lt;Notes&gt; &amp;", markup, StringComparison.Ordinal);
        Assert.All(HiddenPreheader.Hiding, declaration => Assert.Contains(declaration, style));
        Assert.True(raw.All(c => c < 128), "the message on the wire is 7-bit");
        Assert.Equal(-1, (message.TextBody ?? "").IndexOfAny(['\u034F', '\u200C', '\u00A0']));
    }

    [Fact]
    public async Task SendAsync_InvalidAddress_Throws()
    {
        await Assert.ThrowsAsync<ParseException>(() => SendAsync("eve@example.com\r\nBcc: x@y.z", "Eve"));
    }

    private static async Task<(MimeMessage Message, string Raw)> SendAsync(string email, string name, string title = "Test Blog")
    {
        var transport = new RecordingTransport();
        var mail = Options.Create(new MailOptions { From = "Blog <news@blog.example.org>" });
        var site = Options.Create(new SiteOptions { Title = title, BaseUrl = "https://blog.example.org/", Description = "About things" });
        var mailer = new ConfirmationMailer(TemplateFolders.ShippedSet(), new MailComposer(mail, new FakeTimeProvider(Now)), transport, site);

        await mailer.SendAsync(email, name, ConfirmUrl, TestContext.Current.CancellationToken);

        var bytes = Assert.Single(transport.Messages);
        return (MimeMessage.Load(new MemoryStream(bytes), TestContext.Current.CancellationToken), Encoding.UTF8.GetString(bytes));
    }
}
