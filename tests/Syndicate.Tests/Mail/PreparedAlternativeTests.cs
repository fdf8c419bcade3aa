using System.Text;
using MimeKit;
using MimeKit.Text;
using Syndicate.Mail;

namespace Syndicate.Tests.Mail;

/// <summary>
/// The prepared body must write exactly the bytes MimeKit's own multipart/alternative of two quoted-printable
/// text parts writes, in both line-end formats, and read back as the same two parts.
/// </summary>
public sealed class PreparedAlternativeTests
{
    private const string Boundary = "=_test+/Boundary0123";

    public static TheoryData<string, string> Cases => new()
    {
        { "Hello Ann,\nyour digest.\n", "<p>Hello <b>Ann</b></p>\n<p>Leave: <a href=\"https://e.org/u?a=1&b=2\">here</a></p>\n" },
        { "no line end at the end, = and ünïcode 😀 " + new string('x', 200), "<p>" + new string('y', 300) + "</p>" },
        { ".\n.. starts with dots\r\nand a CRLF\n", "" },
        { "", "<html>\n<body>\n</body>\n</html>\n" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task WriteTo_SameBytesAsMimeKitsMultipart_InBothLineEndFormats(string text, string html)
    {
        var (qpText, qpHtml) = (Encode(text), Encode(html));
        foreach (var format in new[] { NewLineFormat.Dos, NewLineFormat.Unix })
        {
            var options = FormatOptions.Default.Clone();
            options.NewLineFormat = format;

            var expected = await WriteAsync(Message(MimeKitAlternative(qpText, qpHtml)), options);
            var actual = await WriteAsync(Message(QuotedPrintableTesting.Prepared(Boundary, qpText, qpHtml)), options);

            Assert.Equal(Encoding.ASCII.GetString(expected), Encoding.ASCII.GetString(actual));
            var syncWritten = new MemoryStream();
            Message(QuotedPrintableTesting.Prepared(Boundary, qpText, qpHtml)).WriteTo(options, syncWritten, TestContext.Current.CancellationToken);
            Assert.Equal(expected, syncWritten.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Parsed_HasTheTextAndHtmlParts(string text, string html)
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        var bytes = await WriteAsync(Message(QuotedPrintableTesting.Prepared(Boundary, Encode(text), Encode(html))), options);

        var parsed = await MimeMessage.LoadAsync(new MemoryStream(bytes), TestContext.Current.CancellationToken);

        var alternative = Assert.IsType<MultipartAlternative>(parsed.Body);
        Assert.Equal(Boundary, alternative.Boundary);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(part => part.ContentType.MimeType));
        Assert.Equal(Crlf(text), Crlf(parsed.TextBody ?? ""));
        Assert.Equal(Crlf(html), Crlf(parsed.HtmlBody ?? ""));
    }

    [Fact]
    public void Constructor_BoundaryThatQuotedPrintableCouldHold_Refused() =>
        Assert.Throws<ArgumentException>(() => QuotedPrintableTesting.Prepared("plainboundary", [], []));

    private static byte[] Encode(string text)
    {
        var template = new QuotedPrintableTemplate(text, []);
        return template.Fill([]);
    }

    private static string Crlf(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>What MailComposer built before: MimeKit's multipart of two parts holding the encoded bytes as they are.</summary>
    private static MultipartAlternative MimeKitAlternative(byte[] qpText, byte[] qpHtml)
    {
        var alternative = new MultipartAlternative { Boundary = Boundary };
        alternative.Add(Part(TextFormat.Plain, qpText));
        alternative.Add(Part(TextFormat.Html, qpHtml));
        return alternative;
    }

    private static TextPart Part(TextFormat format, byte[] quotedPrintable)
    {
        var part = new TextPart(format)
        {
            ContentTransferEncoding = ContentEncoding.QuotedPrintable,
            Content = new MimeContent(new MemoryStream(quotedPrintable, writable: false), ContentEncoding.QuotedPrintable),
        };
        part.ContentType.Charset = "utf-8";
        return part;
    }

    private static MimeMessage Message(MimeEntity body)
    {
        var message = new MimeMessage(Array.Empty<object>());
        message.From.Add(new MailboxAddress("Blog", "news@blog.example.org"));
        message.To.Add(new MailboxAddress("Ann", "ann@example.org"));
        message.Subject = "A digest";
        message.MessageId = "digest-1.1@blog.example.org";
        message.Date = new DateTimeOffset(2026, 11, 30, 6, 0, 0, TimeSpan.Zero);
        message.Body = body;
        return message;
    }

    private static async Task<byte[]> WriteAsync(MimeMessage message, FormatOptions options)
    {
        var stream = new MemoryStream();
        await message.WriteToAsync(options, stream, TestContext.Current.CancellationToken);
        return stream.ToArray();
    }
}
