using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Syndicate.Mail;
using Syndicate.Subscribers;
using Syndicate.Tests.Support;
using Syndicate.Tests.Templates;

namespace Syndicate.Tests.Digests;

/// <summary>
/// One digest message as it goes on the wire, read back with MimeKit: the envelope headers, a Message-ID stable
/// per digest and subscriber, List-Id and the RFC 8058 one-click unsubscribe headers, the text part first, only
/// absolute links, and no markup from names or titles.
/// </summary>
public sealed partial class DigestMessagesTests : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        foreach (var item in _owned)
        {
            item.Dispose();
        }
    }

    [Fact]
    public async Task Build_OnePost_EnvelopeAndListHeaders()
    {
        var harness = Harness();
        var ann = await harness.AddSubscriberAsync("ann@example.org", name: "Ann Lee");
        await harness.BaselineAsync();
        harness.WritePost("hello.md", "Hello again", "2026-03-01");

        var (digestId, mail, raw) = await SendOneAsync(harness);

        Assert.Equal("\"Unit Blog\" <news@blog.example.org>", mail.From.ToString());
        Assert.Equal(new MailboxAddress("Ann Lee", "ann@example.org"), Assert.Single(mail.To.Mailboxes));
        Assert.Equal("Unit Blog: Hello again", mail.Subject);
        Assert.Equal(DigestHarness.Start, mail.Date);
        Assert.Equal($"digest-{digestId}.{ann.Id}@blog.example.org", mail.MessageId);
        Assert.Equal("Unit Blog <digest.blog.example.org>", mail.Headers[HeaderId.ListId]);
        var unsubscribe = Header(mail, HeaderId.ListUnsubscribe);
        Assert.Matches(@"^<https://blog\.example\.org/unsubscribe/[A-Za-z0-9_-]+>$", unsubscribe);
        Assert.Equal("List-Unsubscribe=One-Click", mail.Headers["List-Unsubscribe-Post"]);
        Assert.Contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", raw, StringComparison.Ordinal);
        // The same link is in both parts' footers.
        var url = unsubscribe.Trim('<', '>');
        Assert.Contains(url, Text(mail), StringComparison.Ordinal);
        Assert.Contains($"href=\"{url}\"", Html(mail), StringComparison.Ordinal);
        // One post: no headline list.
        Assert.DoesNotContain("In this issue", Html(mail), StringComparison.Ordinal);
        Assert.DoesNotContain("In this issue", Text(mail), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_UnsubscribeMailtoSet_BothInListUnsubscribe()
    {
        var harness = Harness(new() { ["Mail:UnsubscribeMailto"] = "leave@blog.example.org" });
        var ann = await harness.AddSubscriberAsync("ann@example.org");
        await harness.BaselineAsync();
        harness.WritePost("hello.md", "Hello", "2026-03-01");

        var (_, mail, _) = await SendOneAsync(harness);

        var values = Header(mail, HeaderId.ListUnsubscribe).Split(", ");
        Assert.Equal(2, values.Length);
        Assert.Matches(@"^<https://blog\.example\.org/unsubscribe/[A-Za-z0-9_-]+>$", values[0]);
        Assert.Equal($"<mailto:leave@blog.example.org?subject=unsubscribe%20{ann.Id}>", values[1]);
        Assert.Equal("List-Unsubscribe=One-Click", mail.Headers["List-Unsubscribe-Post"]);
    }

    [Theory]
    [InlineData("Unsubscribe <leave@blog.example.org>", "leave@blog.example.org")]
    [InlineData("leave@bücher.example", "leave@xn--bcher-kva.example")]
    [InlineData("\"Leave, please\" <leave+list@bücher.example>", "leave+list@xn--bcher-kva.example")]
    public async Task Build_UnsubscribeMailtoWithANameOrAnInternationalDomain_MailtoIsTheBareAsciiAddress(string setting, string address)
    {
        var harness = Harness(new() { ["Mail:UnsubscribeMailto"] = setting });
        var ann = await harness.AddSubscriberAsync("ann@example.org");
        await harness.BaselineAsync();
        harness.WritePost("hello.md", "Hello", "2026-03-01");

        var (_, mail, raw) = await SendOneAsync(harness);

        var values = Header(mail, HeaderId.ListUnsubscribe).Split(", ");
        Assert.Equal(2, values.Length);
        Assert.Equal($"<mailto:{address}?subject=unsubscribe%20{ann.Id}>", values[1]);
        Assert.True(Uri.TryCreate(values[1].Trim('<', '>'), UriKind.Absolute, out var mailto) && mailto.Scheme == "mailto", values[1]);
        var headerBlock = raw[..raw.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.True(headerBlock.All(c => c < 128), "the header block has raw non-ASCII characters:\n" + headerBlock);
    }

    [Fact]
    public void MailtoAddress_CharactersAUriCannotCarry_PercentEncoded()
    {
        Assert.Equal("%22a%20b%22@example.org", Syndicate.Digests.DigestMessages.MailtoAddress("\"a b\"@example.org"));
        Assert.Equal("j%C3%B6rg@example.org", Syndicate.Digests.DigestMessages.MailtoAddress("jörg@example.org"));
        Assert.Null(Syndicate.Digests.DigestMessages.MailtoAddress(" "));
    }

    [Fact]
    public async Task Build_NonAsciiSiteTitle_SubjectEncodedOnTheWire()
    {
        var harness = Harness(new() { ["Site:Title"] = "Café Ünïcode — Notizen" });
        await harness.AddSubscriberAsync("ann@example.org");
        await harness.BaselineAsync();
        harness.WritePost("gruss.md", "Grüße", "2026-03-01");

        var (_, mail, raw) = await SendOneAsync(harness);

        Assert.Equal("Café Ünïcode — Notizen: Grüße", mail.Subject);
        var headerBlock = raw[..raw.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.True(headerBlock.All(c => c < 128), "the header block has raw non-ASCII characters:\n" + headerBlock);
        Assert.Matches(@"(?m)^Subject: =\?utf-8\?", headerBlock);
        Assert.Equal("Café Ünïcode — Notizen <digest.blog.example.org>", mail.Headers[HeaderId.ListId]);
    }

    [Fact]
    public async Task Build_TitleWithQuotesAndAngleBrackets_ListIdIsAPhraseFollowedByTheAsciiId()
    {
        var harness = Harness(new() { ["Site:Title"] = "Zoë's \"Blog\", <weekly> & more" });
        await harness.AddSubscriberAsync("ann@example.org");
        await harness.BaselineAsync();
        harness.WritePost("hello.md", "Hello", "2026-03-01");

        var (_, _, raw) = await SendOneAsync(harness);

        var line = Assert.Single(raw.Split("\r\n"), text => text.StartsWith("List-Id:", StringComparison.Ordinal));
        // The title is a phrase (encoded words, then a quoted string), so the only <...> outside quotes is the id.
        Assert.Equal("List-Id: =?utf-8?b?Wm/Dqydz?= \"\\\"Blog\\\", <weekly> & more\" <digest.blog.example.org>", line);
        var parsed = MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(raw)), Cancel);
        Assert.EndsWith("<digest.blog.example.org>", parsed.Headers[HeaderId.ListId], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_InternationalizedSenderDomain_MessageIdAndListIdInPunycode()
    {
        var harness = Harness(new() { ["Mail:From"] = "Blog <news@bücher.example>" });
        var ann = await harness.AddSubscriberAsync("ann@example.org");
        await harness.BaselineAsync();
        harness.WritePost("hello.md", "Hello", "2026-03-01");

        var (digestId, mail, raw) = await SendOneAsync(harness);

        Assert.Equal($"digest-{digestId}.{ann.Id}@xn--bcher-kva.example", mail.MessageId);
        Assert.Equal("Unit Blog <digest.xn--bcher-kva.example>", mail.Headers[HeaderId.ListId]);
        var headerBlock = raw[..raw.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.True(headerBlock.All(c => c < 128), "the header block has raw non-ASCII characters:\n" + headerBlock);
    }

    [Fact]
    public async Task Build_SiteOnPlainHttp_NoOneClickHeaderBesideAnHttpLink()
    {
        var harness = Harness(new() { ["Site:BaseUrl"] = "http://blog.example.org/" });
        await harness.AddSubscriberAsync("ann@example.org");
        await harness.BaselineAsync();
        harness.WritePost("hello.md", "Hello", "2026-03-01");

        var (_, mail, _) = await SendOneAsync(harness);

        Assert.Matches(@"^<http://blog\.example\.org/unsubscribe/[A-Za-z0-9_-]+>$", Header(mail, HeaderId.ListUnsubscribe));
        Assert.Null(mail.Headers["List-Unsubscribe-Post"]);
    }

    [Fact]
    public async Task Build_PostWithStyleScriptFrameAndForm_NoneOfThemReachesTheMail()
    {
        var harness = Harness();
        await harness.AddSubscriberAsync("ann@example.org");
        await harness.BaselineAsync();
        harness.WritePost("raw.md", "Raw HTML", "2026-03-01", body: """
            <style>.content { color: red !important; } body { display: none; }</style>
            <script>alert(1)</script>

            Intro with a [bad link](javascript:alert(1)) and <a href="https://example.org/ok" onclick="evil()">a good one</a>.

            <iframe src="https://www.youtube.com/embed/abc"></iframe>

            <form action="/subscribe"><input name="email"><button>Go</button></form>

            <p style="position: fixed; top: 0; color: #336699">Styled</p>

            <!--more-->

            The rest.
            """);

        var (_, mail, _) = await SendOneAsync(harness);

        var html = Html(mail);
        // The hidden preheader aside (its own display: none), no rule of the post's style reaches an element.
        HiddenPreheader.Read(html);
        var body = PreheaderElement().Replace(html[html.IndexOf("<body", StringComparison.Ordinal)..], "", 1);
        Assert.DoesNotContain("display: none", body, StringComparison.Ordinal);
        Assert.DoesNotContain("color: red", body, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<form", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onclick", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("position", body, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://example.org/ok\"", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://www.youtube.com/embed/abc\"", html, StringComparison.Ordinal);
        Assert.Contains("Styled</p>", html, StringComparison.Ordinal);
        var text = Text(mail);
        Assert.DoesNotContain("alert(", text, StringComparison.Ordinal);
        Assert.DoesNotContain("display", text, StringComparison.Ordinal);
        Assert.Contains("Intro with a bad link and a good one.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_OnePost_HiddenPreheaderWithTheExcerptIsTheFirstTextOfTheBody()
    {
        var harness = Harness();
        await harness.AddSubscriberAsync("ann@example.org", name: "Ann Lee");
        await harness.BaselineAsync();
        harness.WritePost("hello.md", "Hello again", "2026-03-01", body: "The garden in March, and what *survived* the frost.\n\n<!--more-->\n\nThe rest.");

        var (_, mail, raw) = await SendOneAsync(harness);

        var (style, _, text) = HiddenPreheader.Read(Html(mail));
        Assert.Equal("The garden in March, and what survived the frost.", text);
        Assert.All(HiddenPreheader.Hiding, declaration => Assert.Contains(declaration, style));
        // The HTML part travels quoted-printable (7-bit): the invisible characters come back whole, parsed above.
        Assert.Matches("(?m)^Content-Transfer-Encoding: quoted-printable", raw);
        Assert.True(raw.All(c => c < 128), "the message on the wire is 7-bit");
        // The text part has no preheader: it starts with the title, as before, and carries no invisible character.
        var plain = Text(mail);
        Assert.StartsWith("Hello again\n", plain.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(-1, plain.IndexOfAny(['\u034F', '\u200C', '\u00A0']));
    }

    [Fact]
    public async Task Build_SeveralPosts_PreheaderNamesTheTitlesAndTheHeadlineListStays()
    {
        var harness = Harness();
        await harness.AddSubscriberAsync("ann@example.org");
        await harness.BaselineAsync();
        for (var i = 1; i <= 4; i++)
        {
            harness.WritePost($"p{i}.md", $"Post number {i} with a title of some forty chars", $"2026-02-2{i}");
        }

        var (_, mail, _) = await SendOneAsync(harness);

        var html = Html(mail);
        var (style, _, text) = HiddenPreheader.Read(html);
        Assert.Equal("Post number 4 with a title of some forty chars · Post number 3 with a title of some forty chars · and 2 more", text);
        Assert.All(HiddenPreheader.Hiding, declaration => Assert.Contains(declaration, style));
        var headlines = Regex.Match(html, "In this issue.*?<ul[^>]*>(?<list>.*?)</ul>", RegexOptions.Singleline);
        Assert.True(headlines.Success, "no headline list in the HTML part:\n" + html);
        Assert.Equal(4, Regex.Count(headlines.Groups["list"].Value, "<li>"));
        var plain = Text(mail).ReplaceLineEndings("\n");
        Assert.DoesNotContain(" · and 2 more", plain, StringComparison.Ordinal);
        Assert.StartsWith("4 new posts from Unit Blog\n", plain, StringComparison.Ordinal);
        Assert.Contains("In this issue:\n- Post number 4", plain, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_LongExcerpt_PreheaderCutAtAWordBoundaryWithAnEllipsis()
    {
        var harness = Harness();
        await harness.AddSubscriberAsync("ann@example.org");
        await harness.BaselineAsync();
        harness.WritePost("long.md", "Long", "2026-03-01", body: string.Join(' ', Enumerable.Range(1, 60).Select(i => $"word{i:00}")));

        var (_, mail, _) = await SendOneAsync(harness);

        // Each word and its space is 7 characters: twenty words are 139, the ellipsis makes 140.
        Assert.Equal(string.Join(' ', Enumerable.Range(1, 20).Select(i => $"word{i:00}")) + "…", HiddenPreheader.Read(Html(mail)).Text);
        Assert.Contains("word60", Html(mail), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_MarkupQuotesAndLineBreaksInTheExcerpt_PreheaderEncodedOnOneLine()
    {
        var harness = Harness();
        await harness.AddSubscriberAsync("ann@example.org");
        await harness.BaselineAsync();
        harness.WritePost("fish.md", "Fish", "2026-03-01",
            extra: "description: \"Fish & chips <script>alert(1)</script> \\\"quoted\\\" 'single'\\r\\nnext line\"\n");

        var (_, mail, _) = await SendOneAsync(harness);

        var (_, markup, text) = HiddenPreheader.Read(Html(mail));
        Assert.Equal("Fish & chips <script>alert(1)</script> \"quoted\" 'single' next line", text);
        Assert.StartsWith("Fish &amp; chips &lt;script&gt;alert(1)&lt;/script&gt; ", markup, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", Html(mail), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\r', markup);
        Assert.DoesNotContain('\n', markup);
    }

    [Fact]
    public async Task Build_MarkupQuotesAndLineBreaksInTitles_PreheaderEncodedOnOneLine()
    {
        var harness = Harness();
        await harness.AddSubscriberAsync("ann@example.org");
        await harness.BaselineAsync();
        harness.WritePost("one.md", "Tips & <script>alert(1)</script>", "2026-03-01");
        harness.WritePost("two.md", "\\\"Quoted\\\" 'title'\\r\\nwith a break", "2026-02-28");

        var (_, mail, _) = await SendOneAsync(harness);

        var (_, markup, text) = HiddenPreheader.Read(Html(mail));
        Assert.Equal("Tips & <script>alert(1)</script> · \"Quoted\" 'title' with a break", text);
        Assert.StartsWith("Tips &amp; &lt;script&gt;alert(1)&lt;/script&gt; · ", markup, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", Html(mail), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', markup);
    }

    [Fact]
    public async Task Build_TwoBuildsOfOneDelivery_SameMessageId()
    {
        var harness = Harness();
        var ann = await harness.AddSubscriberAsync("ann@example.org");
        await harness.BaselineAsync();
        harness.WritePost("hello.md", "Hello", "2026-03-01");
        var planned = await harness.PlanAsync();
        Assert.NotNull(planned);
        var posts = await harness.Digests.PostsAsync(planned.Id, Cancel);

        var first = harness.Messages.Build(harness.Messages.Content(planned.Id, DigestHarness.Start, posts, harness.Time.GetUtcNow()), ann);
        harness.Time.Advance(TimeSpan.FromMinutes(7));
        var second = harness.Messages.Build(harness.Messages.Content(planned.Id, DigestHarness.Start, posts, harness.Time.GetUtcNow()), ann);

        // A copy resent after a crash is recognisably the same message.
        Assert.Equal($"digest-{planned.Id}.{ann.Id}@blog.example.org", first.MessageId);
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(Header(first, HeaderId.ListUnsubscribe), Header(second, HeaderId.ListUnsubscribe));
    }

    [Fact]
    public async Task Build_PartsEncodedOncePerDigest_DkimSignatureOverTheWireBytesVerifies()
    {
        var harness = Harness();
        var ann = await harness.AddSubscriberAsync("ann@example.org", name: "Ann Lee");
        await harness.BaselineAsync();
        harness.WritePost("hello.md", "Hello again", "2026-03-01");
        var planned = await harness.PlanAsync();
        Assert.NotNull(planned);
        var content = harness.Messages.Content(planned.Id, DigestHarness.Start, await harness.Digests.PostsAsync(planned.Id, Cancel), harness.Time.GetUtcNow());
        using var rsa = RSA.Create(2048);
        var folder = new TempFolder();
        _owned.Add(folder);
        folder.Write("dkim.pem", rsa.ExportRSAPrivateKeyPem());
        var options = new MailOptions();
        options.Dkim.Domain = "blog.example.org";
        options.Dkim.Selector = "mail";
        options.Dkim.PrivateKeyFile = "dkim.pem";
        var signer = new MailSigner(Options.Create(options), new TestHostEnvironment(folder.Path));

        // The second message copies the digest's pre-encoded parts: the signature must cover exactly what is sent.
        harness.Messages.Build(content, ann);
        var message = harness.Messages.Build(content, ann);
        signer.Sign(message);
        var wire = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await message.WriteToAsync(format, wire, Cancel);
        wire.Position = 0;
        var parsed = await MimeMessage.LoadAsync(wire, Cancel);

        var signature = parsed.Headers[parsed.Headers.IndexOf(HeaderId.DkimSignature)];
        var verifier = new DkimVerifier(new OneKeyLocator(PublicKeyFactory.CreateKey(rsa.ExportSubjectPublicKeyInfo())));
        Assert.True(await verifier.VerifyAsync(parsed, signature, Cancel), "the DKIM signature must verify over the bytes on the wire");
        Assert.All(Assert.IsType<MultipartAlternative>(parsed.Body).OfType<TextPart>(),
            part => Assert.Equal(ContentEncoding.QuotedPrintable, part.ContentTransferEncoding));
        var url = Header(parsed, HeaderId.ListUnsubscribe).Trim('<', '>');
        Assert.Contains($"href=\"{url}\"", Html(parsed), StringComparison.Ordinal);
        Assert.Contains(url, Text(parsed), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_SeveralPosts_MultipartAlternativeTextFirstHeadlinesAndOnlyAbsoluteLinks()
    {
        var harness = Harness();
        await harness.AddSubscriberAsync("ann@example.org");
        await harness.BaselineAsync();
        harness.WritePost("first.md", "First post", "2026-02-27", body: "See [the about page](/about/) and ![a chart](images/chart.png).");
        harness.WritePost("second.md", "Second post", "2026-03-01", extra: "image: /images/cover.jpg\n",
            body: "A [relative link](../first/) and [another site](https://example.com/x).");

        var (_, mail, _) = await SendOneAsync(harness);

        Assert.Equal("2 new posts from Unit Blog", mail.Subject);
        var alternative = Assert.IsType<MultipartAlternative>(mail.Body);
        Assert.Equal(2, alternative.Count);
        Assert.Equal("text/plain", alternative[0].ContentType.MimeType);
        Assert.Equal("text/html", alternative[1].ContentType.MimeType);
        Assert.Equal("utf-8", alternative[0].ContentType.Charset, ignoreCase: true);

        var html = Html(mail);
        var headlines = Regex.Match(html, "In this issue.*?<ul[^>]*>(?<list>.*?)</ul>", RegexOptions.Singleline);
        Assert.True(headlines.Success, "no headline list in the HTML part:\n" + html);
        Assert.Equal(["Second post", "First post"], Regex.Matches(headlines.Groups["list"].Value, "<a[^>]*>(?<t>[^<]*)</a>").Select(m => m.Groups["t"].Value));
        var text = Text(mail);
        Assert.Contains("In this issue:\n- Second post\n- First post\n", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        var links = LinkAttribute().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.NotEmpty(links);
        Assert.All(links, link => Assert.True(
            Uri.TryCreate(System.Net.WebUtility.HtmlDecode(link), UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http",
            $"'{link}' is not an absolute http(s) address; mail clients have no base to resolve it against"));
        Assert.Contains("https://blog.example.org/2026/03/01/second/", links);
    }

    [Fact]
    public async Task Build_LongUrlAndLongCodeLineInTheExcerpt_WrapInsteadOfWideningTheMail()
    {
        var harness = Harness();
        await harness.AddSubscriberAsync("ann@example.org");
        await harness.BaselineAsync();
        var url = "https://example.org/" + new string('a', 150);
        harness.WritePost("long.md", "Long lines", "2026-03-01",
            body: $"See {url} for more.\n\n```\nvar line = \"{new string('x', 150)}\";\n```\n\n<!--more-->\n\nThe rest.");

        var (_, mail, _) = await SendOneAsync(harness);

        var html = Html(mail);
        Assert.Contains($"<a href=\"{url}\"", html, StringComparison.Ordinal);
        // A word or address wider than the card breaks where it must (the cell's min-content width no longer grows with it),
        // and a long line of code wraps; otherwise the 600px card, and on a phone the whole mail, grows sideways.
        var content = Regex.Match(html, "<td class=\"content\" style=\"(?<style>[^\"]*)\"");
        Assert.True(content.Success, "no content cell:\n" + html);
        Assert.Contains("overflow-wrap: anywhere", content.Groups["style"].Value, StringComparison.Ordinal);
        Assert.Contains("word-break: break-word", content.Groups["style"].Value, StringComparison.Ordinal);
        Assert.Matches("<pre style=\"[^\"]*white-space: pre-wrap", html);
    }

    [Fact]
    public async Task Build_MarkupInNameAndTitle_EncodedEverywhere()
    {
        var harness = Harness();
        var eve = await harness.AddSubscriberAsync("eve@example.org", name: "Eve <script>alert(1)</script> \"Q\" & Co");
        await harness.BaselineAsync();
        harness.WritePost("tags.md", "Tips & <b>tricks</b>", "2026-03-01");

        var (_, mail, raw) = await SendOneAsync(harness);

        Assert.Equal("Eve <script>alert(1)</script> \"Q\" & Co", Assert.Single(mail.To.Mailboxes).Name);
        Assert.Equal("eve@example.org", mail.To.Mailboxes.Single().Address);
        Assert.DoesNotContain("<script>", Html(mail), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>tricks</b>", Html(mail), StringComparison.Ordinal);
        Assert.Contains("Tips &amp; &lt;b&gt;tricks&lt;/b&gt;", Html(mail), StringComparison.Ordinal);
        Assert.Equal("Unit Blog: Tips & <b>tricks</b>", mail.Subject);
        Assert.Single(Regex.Matches(raw, "(?m)^To: "));
    }

    [Fact]
    public async Task Build_OperatorTemplateShowsTheName_NameHtmlEncoded()
    {
        // An operator's digest.html beside the shipped defaults, greeting the subscriber by name.
        var folder = new TempFolder();
        _owned.Add(folder);
        folder.Write("mytemplates/digest.html", "<p>Hello {{ subscriber.name }}</p>{% for post in posts %}<p>{{ post.title }}</p>{% endfor %}");
        var withTemplate = new DigestHarness(new Dictionary<string, string?> { ["Digest:TemplatesFolder"] = "mytemplates" }, folder);
        _owned.Insert(0, withTemplate);
        await withTemplate.AddSubscriberAsync("eve@example.org", name: "Eve <img src=x onerror=alert(1)> & \"Co\"");
        await withTemplate.BaselineAsync();
        withTemplate.WritePost("hello.md", "Hello", "2026-03-01");

        var (_, mail, _) = await SendOneAsync(withTemplate);

        // Quotes may come out as they are (text re-serialised by the CSS inliner) or as &quot; (the
        // per-subscriber values put into a digest rendered once): both are inert in text and attributes.
        Assert.Matches("Hello Eve &lt;img src=x onerror=alert\\(1\\)&gt; &amp; (\"|&quot;)Co(\"|&quot;)</p>", Html(mail));
        Assert.DoesNotContain("<img src=x", Html(mail), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsubscribeLink_WorksWithSubscriptionService_AndTheNextDigestSkipsTheAddress()
    {
        var harness = Harness();
        var ann = await harness.AddSubscriberAsync("ann@example.org");
        await harness.AddSubscriberAsync("bob@example.org");
        await harness.BaselineAsync();
        harness.WritePost("one.md", "One", "2026-03-01");
        harness.Scan();
        var run = await harness.Digests.SendNowAsync("test", null, Cancel);
        var annMail = harness.Mails.Single(m => m.To.Mailboxes.Single().Address == "ann@example.org");
        var url = Header(annMail, HeaderId.ListUnsubscribe).Trim('<', '>');
        Assert.Contains(url, Html(annMail), StringComparison.Ordinal);
        var token = url[(url.LastIndexOf('/') + 1)..];

        var outcome = await harness.Subscriptions.UnsubscribeAsync(token, Cancel);

        Assert.Equal(LinkOutcome.Done, outcome);
        Assert.Equal(SubscriberStatus.Unsubscribed, (await harness.Subscribers.FindAsync(ann.Id, Cancel))!.Status);
        Assert.NotNull(run.DigestId);

        harness.WritePost("two.md", "Two", "2026-03-02");
        harness.Scan();
        var next = await harness.Digests.SendNowAsync("test", null, Cancel);

        Assert.Equal(1, next.Sent);
        Assert.Equal(["ann@example.org", "bob@example.org", "bob@example.org"],
            harness.Mails.Select(m => m.To.Mailboxes.Single().Address).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WarmUp_BeforeTheRealDigest_SendsAndRecordsNothingAndTheDigestIsTheSame()
    {
        var harness = Harness();
        await harness.AddSubscriberAsync("ann@example.org", name: "Ann Lee");
        await harness.BaselineAsync();
        harness.WritePost("hello.md", "Hello again", "2026-03-01");

        Assert.True(harness.Messages.WarmUp(DigestHarness.Start), "the sample message is made");
        Assert.Empty(harness.Transport.Messages);
        Assert.Equal(0, await harness.CountAsync("SELECT COUNT(*) FROM digests"));

        var (_, mail, _) = await SendOneAsync(harness);
        Assert.Equal("Unit Blog: Hello again", mail.Subject);
        Assert.Contains("Hello again", Html(mail), StringComparison.Ordinal);
        Assert.DoesNotContain("warm-up", Html(mail), StringComparison.OrdinalIgnoreCase);
    }

    private DigestHarness Harness(Dictionary<string, string?>? settings = null)
    {
        var harness = new DigestHarness(settings);
        _owned.Add(harness);
        return harness;
    }

    /// <summary>Plans and sends a digest to the one subscriber; the message parsed and as raw text.</summary>
    private static async Task<(long DigestId, MimeMessage Mail, string Raw)> SendOneAsync(DigestHarness harness)
    {
        harness.Scan();
        var run = await harness.Digests.SendNowAsync("test", null, Cancel);
        Assert.NotNull(run.DigestId);
        Assert.Equal(0, run.Pending);
        var bytes = Assert.Single(harness.Transport.Messages);
        return (run.DigestId.Value, MimeMessage.Load(new MemoryStream(bytes)), Encoding.UTF8.GetString(bytes));
    }

    private static string Html(MimeMessage mail) => mail.HtmlBody ?? throw new Xunit.Sdk.XunitException("no HTML part");

    private static string Text(MimeMessage mail) => mail.TextBody ?? throw new Xunit.Sdk.XunitException("no text part");

    private static string Header(MimeMessage mail, HeaderId id) => mail.Headers[id] ?? throw new Xunit.Sdk.XunitException($"no {id} header");

    private sealed class OneKeyLocator(AsymmetricKeyParameter key) : IDkimPublicKeyLocator
    {
        public AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) => key;

        public Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(key);
    }

    [GeneratedRegex("(?:href|src)=\"(?<url>[^\"]*)\"")]
    private static partial Regex LinkAttribute();

    [GeneratedRegex("<div class=\"preheader\"[^>]*>[^<]*</div>")]
    private static partial Regex PreheaderElement();
}
