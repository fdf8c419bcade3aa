using System.Net;
using System.Net.Http.Json;
using System.Text;
using AngleSharp.Html.Parser;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.Subscribers;

namespace Syndicate.IntegrationTests.Subscribers;

/// <summary>
/// The subscription pages over Kestrel with the real host: the form, double opt-in through the .eml in the pickup
/// folder, no enumeration, the rate limit, RFC 8058 one-click unsubscribe, and tokens that cannot be misused.
/// </summary>
public sealed class SubscriptionEndpointsTests : IDisposable
{
    private readonly SubscriberSite _site = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task GetSubscribe_AccessibleFormWithALabelForEachInput()
    {
        await using var service = await _site.StartAsync();

        using var response = await service.GetAsync("/subscribe");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var document = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("en", document.DocumentElement.GetAttribute("lang"));
        Assert.False(string.IsNullOrWhiteSpace(document.Title));
        var form = Assert.Single(document.Forms);
        Assert.Equal("post", form.Method, ignoreCase: true);
        // Under Site:BaseUrl, which may carry a path a proxy takes off: a root-relative /subscribe would leave the blog.
        Assert.Equal(TestSite.BaseUrl + "/subscribe", form.GetAttribute("action"));
        var inputs = form.QuerySelectorAll("input, select, textarea")
            .Where(input => input.GetAttribute("type") is not ("hidden" or "submit" or "button"))
            .ToList();
        Assert.Equal(["email", "name"], inputs.Select(input => input.GetAttribute("name")));
        foreach (var input in inputs)
        {
            var id = input.GetAttribute("id");
            Assert.False(string.IsNullOrEmpty(id), $"input {input.GetAttribute("name")} has no id for a label to name");
            var label = document.QuerySelectorAll("label").SingleOrDefault(l => l.GetAttribute("for") == id);
            Assert.True(label is not null && label.TextContent.Trim().Length > 0, $"input {id} has no label with text");
        }

        var email = form.QuerySelector("input[name=email]")!;
        Assert.Equal("email", email.GetAttribute("type"));
        Assert.True(email.HasAttribute("required"));
        Assert.Equal("email", email.GetAttribute("autocomplete"));
        Assert.NotNull(form.QuerySelector("button[type=submit]"));
    }

    [Fact]
    public async Task PostSubscribe_Form_PendingOneMailAndItsLinkConfirms()
    {
        await using var service = await _site.StartAsync();

        using var response = await PostFormAsync(service, "Ann@Example.org", "Ann Lee");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Check your inbox", await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal("pending", _site.Row("ann@example.org")?.Status);
        Assert.Equal("Ann Lee", _site.Row("ann@example.org")?.Name);
        var mail = Assert.Single(await _site.MailsAsync());
        Assert.Equal("Ann@example.org", Assert.Single(mail.To.Mailboxes).Address);

        // Asking again within the hour sends nothing more.
        using (var again = await PostFormAsync(service, "ann@example.org", "Ann Lee"))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        Assert.Single(_site.MailFiles());

        using var confirm = await service.GetAsync("/confirm/" + SubscriberSite.ConfirmToken(mail));

        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Contains("confirmed", await confirm.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal("active", _site.Row("ann@example.org")?.Status);
        Assert.Single(_site.MailFiles());
    }

    [Fact]
    public async Task PostSubscribe_Json_AcceptedPendingOneMailAndItsLinkConfirms()
    {
        await using var service = await _site.StartAsync();

        using var response = await PostJsonAsync(service, new { email = "bob@example.org", name = "Bob" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using (var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)))
        {
            Assert.Equal("accepted", body.RootElement.GetProperty("status").GetString());
        }

        Assert.Equal("pending", _site.Row("bob@example.org")?.Status);
        using (var again = await PostJsonAsync(service, new { email = "bob@example.org" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        }

        var mail = Assert.Single(await _site.MailsAsync());
        using var confirm = await service.GetAsync("/confirm/" + SubscriberSite.ConfirmToken(mail));
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Equal("active", _site.Row("bob@example.org")?.Status);
    }

    [Fact]
    public async Task PostSubscribe_KnownAndUnknownAddress_ByteIdenticalAnswers()
    {
        await using var service = await _site.StartAsync();
        using (await PostFormAsync(service, "active@example.org", ""))
        {
        }

        using (await service.GetAsync("/confirm/" + SubscriberSite.ConfirmToken(Assert.Single(await _site.MailsAsync()))))
        {
        }

        using (await PostFormAsync(service, "pending@example.org", ""))
        {
        }

        Assert.Equal("active", _site.Row("active@example.org")?.Status);
        Assert.Equal("pending", _site.Row("pending@example.org")?.Status);

        var unknownForm = await AnswerAsync(await PostFormAsync(service, "unknown1@example.org", "X"));
        var activeForm = await AnswerAsync(await PostFormAsync(service, "active@example.org", "X"));
        var pendingForm = await AnswerAsync(await PostFormAsync(service, "PENDING@example.org", "X"));
        var unknownJson = await AnswerAsync(await PostJsonAsync(service, new { email = "unknown2@example.org", name = "X" }));
        var activeJson = await AnswerAsync(await PostJsonAsync(service, new { email = "active@example.org", name = "X" }));
        var pendingJson = await AnswerAsync(await PostJsonAsync(service, new { email = "pending@example.org", name = "X" }));

        Assert.Equal(unknownForm, activeForm);
        Assert.Equal(unknownForm, pendingForm);
        Assert.Equal(unknownJson, activeJson);
        Assert.Equal(unknownJson, pendingJson);
    }

    [Fact]
    public async Task PostSubscribe_UnsubscribedAddressWithAnotherName_SameAnswerRowUnchangedAndOnlyTheMailedLinkBringsItBack()
    {
        // No wait between confirmation mails, so the request after the unsubscribe mails a link at once.
        var settings = _site.Settings();
        settings["Subscribers:ConfirmationInterval"] = "00:00:00";
        await using var service = await RunningService.StartAsync(_site.Site, settings);
        using (await PostFormAsync(service, "ann@example.org", "Ann Lee"))
        {
        }

        using (await service.GetAsync("/confirm/" + SubscriberSite.ConfirmToken(Assert.Single(await _site.MailsAsync()))))
        {
        }

        var id = _site.Row("ann@example.org")!.Value.Id;
        using (await service.SendAsync(HttpMethod.Post, "/unsubscribe/" + _site.Tokens.Create(TokenPurpose.Unsubscribe, id, DateTimeOffset.UnixEpoch),
            request => request.Content = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")])))
        {
        }

        var left = _site.UnsubscribedAt("ann@example.org");
        Assert.NotNull(left);
        Assert.Equal((id, "unsubscribed", "Ann Lee"), _site.Row("ann@example.org"));

        var unknownForm = await AnswerAsync(await PostFormAsync(service, "someone-new@example.org", "Mallory"));
        var goneForm = await AnswerAsync(await PostFormAsync(service, "ANN@example.org", "Mallory"));
        // Two requests for Ann while the first one's mail still waits would be served by that one mail.
        await _site.MailsAsync(3);
        var unknownJson = await AnswerAsync(await PostJsonAsync(service, new { email = "someone-else@example.org", name = "Mallory" }));
        var goneJson = await AnswerAsync(await PostJsonAsync(service, new { email = "ann@example.org", name = "Mallory" }));

        Assert.Equal(unknownForm, goneForm);
        Assert.Equal(unknownJson, goneJson);
        Assert.Equal((id, "unsubscribed", "Ann Lee"), _site.Row("ann@example.org"));
        Assert.Equal(left, _site.UnsubscribedAt("ann@example.org"));
        // Ann's first mail, one for each of the two later requests, and one for each new address.
        var toAnn = (await _site.MailsAsync(5)).Where(m => m.To.Mailboxes.Single().Address.Equals("ann@example.org", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Equal(3, toAnn.Count);
        Assert.All(toAnn, mail => Assert.Equal("Ann Lee", mail.To.Mailboxes.Single().Name));

        // The owner follows the newest link: active again, under the name she gave.
        using var confirm = await service.GetAsync("/confirm/" + SubscriberSite.ConfirmToken(toAnn[^1]));

        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Contains("confirmed", await confirm.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal((id, "active", "Ann Lee"), _site.Row("ann@example.org"));
        Assert.Null(_site.UnsubscribedAt("ann@example.org"));
    }

    [Theory]
    [InlineData("not-an-address", "'not-an-address' is not a valid email address")]
    [InlineData("ann@localhost", "'ann@localhost' is not a valid email address")]
    [InlineData("", "the address is empty")]
    public async Task PostSubscribe_InvalidAddress_400NamingTheProblemAndNothingStored(string email, string problem)
    {
        await using var service = await _site.StartAsync();

        using var form = await PostFormAsync(service, email, "Ann");
        using var json = await PostJsonAsync(service, new { email, name = "Ann" });

        Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
        var page = await form.Content.ReadAsStringAsync(Cancel);
        Assert.Contains(WebUtility.HtmlEncode(problem), page, StringComparison.Ordinal);
        Assert.Contains("role=\"alert\"", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.Equal("application/problem+json", json.Content.Headers.ContentType?.MediaType);
        using var body = System.Text.Json.JsonDocument.Parse(await json.Content.ReadAsStringAsync(Cancel));
        Assert.Contains(problem, body.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, _site.RowCount());
        Assert.Empty(_site.MailFiles());
    }

    [Fact]
    public async Task PostSubscribe_SixFromOneClientWithinAMinute_TheSixthGets429()
    {
        await using var service = await _site.StartAsync(requestsPerMinute: null);
        var codes = new List<HttpStatusCode>();
        for (var i = 1; i <= 6; i++)
        {
            using var response = await PostFormAsync(service, $"reader{i}@example.org", "");
            codes.Add(response.StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 5), HttpStatusCode.TooManyRequests], codes);
        Assert.Null(_site.Row("reader6@example.org"));

        // A JSON client is answered in JSON, and every client is told when to try again.
        using (var json = await PostJsonAsync(service, new { email = "reader7@example.org" }))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, json.StatusCode);
            Assert.Equal("application/problem+json", json.Content.Headers.ContentType?.MediaType);
            var seconds = (int)json.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
            Assert.InRange(seconds, 1, 60);
            using var problem = System.Text.Json.JsonDocument.Parse(await json.Content.ReadAsStringAsync(Cancel));
            Assert.Equal($"Too many requests from your address; try again in {seconds} seconds.", problem.RootElement.GetProperty("detail").GetString());
        }

        using (var page = await PostFormAsync(service, "reader8@example.org", ""))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(page.Headers.RetryAfter?.Delta);
        }

        Assert.Equal(5, (await _site.MailsAsync(5)).Length);
        // The limit is on POST only: the form still shows.
        using var form = await service.GetAsync("/subscribe");
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
    }

    [Fact]
    public async Task Unsubscribe_GetShowsAFormAndChangesNothing_OneClickPostUnsubscribes()
    {
        await using var service = await _site.StartAsync();
        var id = await ActiveSubscriberAsync(service, "ann@example.org");
        var token = _site.Tokens.Create(TokenPurpose.Unsubscribe, id, DateTimeOffset.UnixEpoch);

        using (var page = await service.GetAsync("/unsubscribe/" + token))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var document = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync(Cancel));
            var form = Assert.Single(document.Forms);
            Assert.Equal("post", form.Method, ignoreCase: true);
            Assert.Equal(TestSite.BaseUrl + "/unsubscribe/" + token, form.GetAttribute("action"));
            Assert.NotNull(form.QuerySelector("button[type=submit]"));
        }

        Assert.Equal("active", _site.Row("ann@example.org")?.Status);

        using var post = await service.SendAsync(HttpMethod.Post, "/unsubscribe/" + token, request =>
            request.Content = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));

        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal("unsubscribed", _site.Row("ann@example.org")?.Status);

        // A mail client may post twice; the second is as good as the first.
        using var twice = await service.SendAsync(HttpMethod.Post, "/unsubscribe/" + token, request =>
            request.Content = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(HttpStatusCode.OK, twice.StatusCode);
        Assert.Equal("unsubscribed", _site.Row("ann@example.org")?.Status);
    }

    [Fact]
    public async Task Tokens_ForgedOrOfTheOtherPurpose_400AndNothingChanges()
    {
        await using var service = await _site.StartAsync();
        var activeId = await ActiveSubscriberAsync(service, "ann@example.org");
        using (await PostFormAsync(service, "bob@example.org", ""))
        {
        }

        var bobId = _site.Row("bob@example.org")!.Value.Id;
        var unsubscribe = _site.Tokens.Create(TokenPurpose.Unsubscribe, activeId, DateTimeOffset.UnixEpoch);
        var forged = Flip(unsubscribe);
        var otherKey = new TokenSigner(Encoding.UTF8.GetBytes("another-secret-of-at-least-thirty-two-characters"));
        var confirmForAnn = _site.Tokens.Create(TokenPurpose.Confirm, activeId, DateTimeOffset.UtcNow);
        var unsubscribeForBob = _site.Tokens.Create(TokenPurpose.Unsubscribe, bobId, DateTimeOffset.UnixEpoch);
        var bobsConfirm = SubscriberSite.ConfirmToken((await _site.MailsAsync(2)).Single(m => m.To.Mailboxes.Single().Address == "bob@example.org"));

        var answers = new List<(string What, HttpStatusCode Code)>();
        foreach (var (what, method, path) in new[]
        {
            ("forged GET /unsubscribe", HttpMethod.Get, "/unsubscribe/" + forged),
            ("forged POST /unsubscribe", HttpMethod.Post, "/unsubscribe/" + forged),
            ("other key POST /unsubscribe", HttpMethod.Post, "/unsubscribe/" + otherKey.Create(TokenPurpose.Unsubscribe, activeId, DateTimeOffset.UnixEpoch)),
            ("confirm token POST /unsubscribe", HttpMethod.Post, "/unsubscribe/" + confirmForAnn),
            ("confirm token GET /unsubscribe", HttpMethod.Get, "/unsubscribe/" + confirmForAnn),
            ("bob's mailed confirm token POST /unsubscribe", HttpMethod.Post, "/unsubscribe/" + bobsConfirm),
            ("unsubscribe token GET /confirm", HttpMethod.Get, "/confirm/" + unsubscribeForBob),
            ("forged GET /confirm", HttpMethod.Get, "/confirm/" + Flip(bobsConfirm)),
            ("garbage GET /confirm", HttpMethod.Get, "/confirm/%3Cscript%3E"),
        })
        {
            using var response = await service.SendAsync(method, path, request =>
            {
                if (method == HttpMethod.Post)
                {
                    request.Content = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]);
                }
            });
            answers.Add((what, response.StatusCode));
        }

        Assert.All(answers, answer => Assert.True(answer.Code == HttpStatusCode.BadRequest, $"{answer.What}: {answer.Code}"));
        Assert.Equal("active", _site.Row("ann@example.org")?.Status);
        Assert.Equal("pending", _site.Row("bob@example.org")?.Status);
    }

    [Fact]
    public async Task MarkupInNameAndAddress_NeverUnencodedInAPageOrTheMail()
    {
        const string Script = "<script>alert(1)</script>";
        await using var service = await _site.StartAsync();

        var pages = new List<string>();
        using (var accepted = await PostFormAsync(service, "mal@example.org", $"Mal{Script}\r\nBcc: victim@example.org"))
        {
            pages.Add(await accepted.Content.ReadAsStringAsync(Cancel));
        }

        using (var refused = await PostFormAsync(service, $"\"{Script}\"@example.org", Script))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            pages.Add(await refused.Content.ReadAsStringAsync(Cancel));
        }

        using (var refusedJson = await PostJsonAsync(service, new { email = Script, name = Script }))
        {
            // JSON is not a page: the rejected input comes back as a JSON string, under a type no browser renders as HTML.
            Assert.Equal(HttpStatusCode.BadRequest, refusedJson.StatusCode);
            Assert.Equal("application/problem+json", refusedJson.Content.Headers.ContentType?.MediaType);
            using var problem = System.Text.Json.JsonDocument.Parse(await refusedJson.Content.ReadAsStringAsync(Cancel));
            Assert.StartsWith($"'{Script}' is not", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var mail = Assert.Single(await _site.MailsAsync());
        using (var confirmed = await service.GetAsync("/confirm/" + SubscriberSite.ConfirmToken(mail)))
        {
            pages.Add(await confirmed.Content.ReadAsStringAsync(Cancel));
        }

        using (var unsubscribePage = await service.GetAsync("/unsubscribe/" + _site.Tokens.Create(TokenPurpose.Unsubscribe, _site.Row("mal@example.org")!.Value.Id, DateTimeOffset.UnixEpoch)))
        {
            pages.Add(await unsubscribePage.Content.ReadAsStringAsync(Cancel));
        }

        Assert.Equal(4, pages.Count);
        Assert.All(pages, page => Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase));
        Assert.Contains("&lt;script&gt;", pages[1], StringComparison.Ordinal);
        Assert.Equal($"Mal{Script} Bcc: victim@example.org", _site.Row("mal@example.org")?.Name);
        Assert.DoesNotContain("<script", mail.HtmlBody, StringComparison.OrdinalIgnoreCase);
        // The shipped confirmation mail leaves the form's name out of the body altogether.
        Assert.DoesNotContain("alert(1)", mail.HtmlBody + mail.TextBody, StringComparison.Ordinal);
        Assert.Empty(mail.Bcc);
        Assert.Equal("mal@example.org", Assert.Single(mail.To.Mailboxes).Address);
        var raw = await File.ReadAllTextAsync(Assert.Single(_site.MailFiles()), Cancel);
        var headers = raw[..raw.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.DoesNotContain("\r\nBcc:", headers, StringComparison.OrdinalIgnoreCase);
        // In a header the name is a quoted display name (RFC 5322), the encoding of that context; mail clients show it as text.
        Assert.Contains($"\r\nTo: \"Mal{Script} Bcc: victim@example.org\" <mal@example.org>\r\n", headers, StringComparison.Ordinal);
    }

    private static string Flip(string token)
    {
        var chars = token.ToCharArray();
        chars[chars.Length / 2] = chars[chars.Length / 2] == 'A' ? 'B' : 'A';
        return new string(chars);
    }

    private static Task<HttpResponseMessage> PostFormAsync(RunningService service, string email, string name) =>
        service.SendAsync(HttpMethod.Post, "/subscribe", request =>
            request.Content = new FormUrlEncodedContent([new("email", email), new("name", name)]));

    private static Task<HttpResponseMessage> PostJsonAsync(RunningService service, object body) =>
        service.SendAsync(HttpMethod.Post, "/subscribe", request => request.Content = JsonContent.Create(body));

    /// <summary>Everything of an answer that could tell a known address from an unknown one: status, headers but Date, body bytes.</summary>
    private static async Task<string> AnswerAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var headers = response.Headers.Concat(response.Content.Headers)
                .Where(header => header.Key != "Date")
                .OrderBy(header => header.Key, StringComparer.Ordinal)
                .Select(header => header.Key + ": " + string.Join(",", header.Value));
            var body = await response.Content.ReadAsByteArrayAsync(Cancel);
            return $"{(int)response.StatusCode}\n{string.Join("\n", headers)}\n\n{Convert.ToBase64String(body)}";
        }
    }

    /// <summary>Subscribes through the form and follows the mailed link; returns the subscriber's id.</summary>
    private async Task<long> ActiveSubscriberAsync(RunningService service, string email)
    {
        var before = _site.MailFiles();
        using (await PostFormAsync(service, email, ""))
        {
        }

        await Eventually.UntilAsync(() => _site.MailFiles().Length > before.Length, "the confirmation mail to " + email);
        var file = Assert.Single(_site.MailFiles().Except(before));
        using (await service.GetAsync("/confirm/" + SubscriberSite.ConfirmToken(MimeKit.MimeMessage.Load(file))))
        {
        }

        var row = _site.Row(email);
        Assert.Equal("active", row?.Status);
        return row!.Value.Id;
    }
}
