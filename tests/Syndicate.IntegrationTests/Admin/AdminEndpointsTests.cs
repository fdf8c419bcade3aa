using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AngleSharp.Html.Parser;
using Syndicate.IntegrationTests.Infrastructure;

namespace Syndicate.IntegrationTests.Admin;

/// <summary>
/// Every admin endpoint with the key, over real Kestrel, a real SQLite file and an in-process SMTP server:
/// status, subscribers (add, list, remove, CSV import), send now (202, poll, counts), resend of the failed
/// deliveries after a 550 was fixed (and its repeat, which sends nothing), preview, and the problems for bad input.
/// </summary>
public sealed class AdminEndpointsTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Status_ReportsPostsSubscribersAndMail()
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(3);
        await site.StartAsync();

        var status = await AdminSite.JsonAsync(await site.GetAsync("/admin/status"), HttpStatusCode.OK);

        Assert.Equal(2, status.GetProperty("posts").GetProperty("published").GetInt32());
        Assert.Equal(3, status.GetProperty("subscribers").GetProperty("active").GetInt32());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("lastDigest").ValueKind);
        var mail = status.GetProperty("mail");
        Assert.Equal(("Smtp", true), (mail.GetProperty("mode").GetString(), mail.GetProperty("reachable").GetBoolean()));
        Assert.Contains(status.GetProperty("feeds").EnumerateArray(), feed => feed.GetProperty("path").GetString() == "feed.xml");

        // HEAD answers as GET does, without the body, and behind the same key.
        foreach (var path in new[] { "/admin/status", "/admin/digests", "/admin/subscribers", "/admin/ui" })
        {
            using var head = await site.SendAsync(HttpMethod.Head, path);
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync(Cancel));
            using var get = await site.GetAsync(path);
            Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        }

        using var refused = await site.SendAsync(HttpMethod.Head, "/admin/status", authorization: null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Subscribers_AddListDelete()
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(1);
        await site.StartAsync();

        var added = await AdminSite.JsonAsync(
            await site.PostJsonAsync("/admin/subscribers", new { email = "Ann@Example.test", name = "Ann <b>", confirmed = true }), HttpStatusCode.Created);
        Assert.Equal(("Ann@example.test", "Ann <b>", "active"),
            (added.GetProperty("email").GetString(), added.GetProperty("name").GetString(), added.GetProperty("status").GetString()));
        var pending = await AdminSite.JsonAsync(await site.PostJsonAsync("/admin/subscribers", new { email = "bo@example.test" }), HttpStatusCode.Created);
        Assert.Equal("pending", pending.GetProperty("status").GetString());

        Assert.Contains("already a subscriber (active)",
            await AdminSite.ProblemAsync(await site.PostJsonAsync("/admin/subscribers", new { email = "ann@example.test" }), HttpStatusCode.Conflict),
            StringComparison.Ordinal);
        Assert.StartsWith("Not added:",
            await AdminSite.ProblemAsync(await site.PostJsonAsync("/admin/subscribers", new { email = "not an address" }), HttpStatusCode.BadRequest),
            StringComparison.Ordinal);
        await AdminSite.ProblemAsync(await site.PostJsonAsync("/admin/subscribers", new { email = 42 }), HttpStatusCode.BadRequest);
        await AdminSite.ProblemAsync(
            await site.SendAsync(HttpMethod.Post, "/admin/subscribers", new StringContent("{", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await AdminSite.ProblemAsync(
            await site.SendAsync(HttpMethod.Post, "/admin/subscribers", new StringContent("email=x", Encoding.UTF8, "text/plain")),
            HttpStatusCode.UnsupportedMediaType);

        var all = await AdminSite.JsonAsync(await site.GetAsync("/admin/subscribers"), HttpStatusCode.OK);
        Assert.Equal([AdminSite.Subscriber(1), "Ann@example.test", "bo@example.test"], all.EnumerateArray().Select(s => s.GetProperty("email").GetString()));
        var active = await AdminSite.JsonAsync(await site.GetAsync("/admin/subscribers?status=active"), HttpStatusCode.OK);
        Assert.Equal(2, active.GetArrayLength());
        Assert.Contains("pending, active or unsubscribed",
            await AdminSite.ProblemAsync(await site.GetAsync("/admin/subscribers?status=gone"), HttpStatusCode.BadRequest), StringComparison.Ordinal);

        var removed = await AdminSite.JsonAsync(await site.SendAsync(HttpMethod.Delete, "/admin/subscribers?email=ann@example.test"), HttpStatusCode.OK);
        Assert.Equal("unsubscribed", removed.GetProperty("status").GetString());
        var removedByPath = await AdminSite.JsonAsync(await site.SendAsync(HttpMethod.Delete, "/admin/subscribers/bo@example.test"), HttpStatusCode.OK);
        Assert.Equal("unsubscribed", removedByPath.GetProperty("status").GetString());
        await AdminSite.ProblemAsync(await site.SendAsync(HttpMethod.Delete, "/admin/subscribers?email=nobody@example.test"), HttpStatusCode.NotFound);
        await AdminSite.ProblemAsync(await site.SendAsync(HttpMethod.Delete, "/admin/subscribers"), HttpStatusCode.BadRequest);

        var unsubscribed = await AdminSite.JsonAsync(await site.GetAsync("/admin/subscribers?status=unsubscribed"), HttpStatusCode.OK);
        Assert.Equal(["Ann@example.test", "bo@example.test"], unsubscribed.EnumerateArray().Select(s => s.GetProperty("email").GetString()));
        // A removed address stays a suppression: adding it again is refused.
        await AdminSite.ProblemAsync(await site.PostJsonAsync("/admin/subscribers", new { email = "ann@example.test", confirmed = true }), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Subscribers_AddWhileTheMailServerRefuses_CreatedPendingAndTheAnswerSaysTheMailWasNotSent()
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(1);
        await site.StartAsync();
        site.Server.Reply("bo@example.test", 550, "No such user here");

        var added = await AdminSite.JsonAsync(await site.PostJsonAsync("/admin/subscribers", new { email = "bo@example.test", name = "Bo" }), HttpStatusCode.Created);

        Assert.Equal(("bo@example.test", "pending", "failed"),
            (added.GetProperty("email").GetString(), added.GetProperty("status").GetString(), added.GetProperty("confirmationMail").GetString()));
        var reason = added.GetProperty("confirmationMailError").GetString();
        Assert.StartsWith("550 No such user here", reason, StringComparison.Ordinal);
        Assert.EndsWith("(recipient bo@example.test)", reason, StringComparison.Ordinal);
        Assert.Empty(site.Server.Messages);

        // Once the server takes the address, posting it again sends the confirmation mail.
        site.Accept("bo@example.test");
        var again = await AdminSite.JsonAsync(await site.PostJsonAsync("/admin/subscribers", new { email = "bo@example.test" }), HttpStatusCode.OK);
        Assert.Equal(("pending", "sent", JsonValueKind.Null),
            (again.GetProperty("status").GetString(), again.GetProperty("confirmationMail").GetString(), again.GetProperty("confirmationMailError").ValueKind));
        Assert.Equal(new Dictionary<string, int> { ["bo@example.test"] = 1 }, site.CopiesByRecipient());

        var other = await AdminSite.JsonAsync(await site.PostJsonAsync("/admin/subscribers", new { email = "cy@example.test" }), HttpStatusCode.Created);
        Assert.Equal("sent", other.GetProperty("confirmationMail").GetString());
        var confirmed = await AdminSite.JsonAsync(
            await site.PostJsonAsync("/admin/subscribers", new { email = "bo@example.test", confirmed = true }), HttpStatusCode.OK);
        Assert.Equal(("active", "notNeeded"), (confirmed.GetProperty("status").GetString(), confirmed.GetProperty("confirmationMail").GetString()));
        Assert.Equal(2, site.Server.Messages.Count);
    }

    [Fact]
    public async Task Subscribers_Delete_AnswersWithTheStoredUnsubscribeTime()
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(2);
        await site.StartAsync();
        var before = DateTimeOffset.UtcNow;

        var removed = await AdminSite.JsonAsync(
            await site.SendAsync(HttpMethod.Delete, "/admin/subscribers?email=" + AdminSite.Subscriber(1)), HttpStatusCode.OK);
        var removedByPath = await AdminSite.JsonAsync(
            await site.SendAsync(HttpMethod.Delete, "/admin/subscribers/" + AdminSite.Subscriber(2)), HttpStatusCode.OK);
        var removedAgain = await AdminSite.JsonAsync(
            await site.SendAsync(HttpMethod.Delete, "/admin/subscribers?email=" + AdminSite.Subscriber(1)), HttpStatusCode.OK);

        var listed = await AdminSite.JsonAsync(await site.GetAsync("/admin/subscribers?status=unsubscribed"), HttpStatusCode.OK);
        var stored = listed.EnumerateArray().ToDictionary(s => s.GetProperty("email").GetString()!, s => s.GetProperty("unsubscribedAt").GetDateTimeOffset());
        Assert.Equal(2, stored.Count);
        foreach (var (answer, email) in new[] { (removed, AdminSite.Subscriber(1)), (removedByPath, AdminSite.Subscriber(2)), (removedAgain, AdminSite.Subscriber(1)) })
        {
            Assert.Equal("unsubscribed", answer.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.String, answer.GetProperty("unsubscribedAt").ValueKind);
            Assert.Equal(stored[email], answer.GetProperty("unsubscribedAt").GetDateTimeOffset());
            Assert.InRange(stored[email], before, DateTimeOffset.UtcNow);
        }
    }

    [Fact]
    public async Task Subscribers_ImportSmallCsv_ReportAtOnce()
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(1);
        await site.StartAsync();
        const string Csv = "Email Address,First Name,Last Name\nnew1@example.test,Ada,One\nnot-an-address,Bad,Line\na01@example.test,Known,Reader\nnew2@example.test,,\n";

        var report = await AdminSite.JsonAsync(await Import(site, Csv, "?confirmed=true"), HttpStatusCode.OK);

        Assert.Equal((2, 1, 0), (report.GetProperty("added").GetInt32(), report.GetProperty("known").GetInt32(), report.GetProperty("suppressed").GetInt32()));
        var invalid = Assert.Single(report.GetProperty("invalid").EnumerateArray());
        Assert.Equal(3, invalid.GetProperty("line").GetInt32());
        var active = await AdminSite.JsonAsync(await site.GetAsync("/admin/subscribers?status=active"), HttpStatusCode.OK);
        Assert.Contains(active.EnumerateArray(), s => s.GetProperty("email").GetString() == "new1@example.test" && s.GetProperty("name").GetString() == "Ada One");

        Assert.Contains("no email column",
            await AdminSite.ProblemAsync(await Import(site, "name\nAda\n", ""), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        await AdminSite.ProblemAsync(await Import(site, Csv, "?confirmed=maybe"), HttpStatusCode.BadRequest);
        await AdminSite.ProblemAsync(await site.PostJsonAsync("/admin/subscribers/import", new { email = "x@example.test" }), HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Subscribers_ImportCsvWithAnUnterminatedQuote_ReportsTheLineAndImportsTheLinesItSwallowed()
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(0);
        await site.StartAsync();
        const string Csv = "email,name\nnew1@example.test,\"Ada\nnew2@example.test,Bob\nnew3@example.test,\"Carol \"C\" Lee\"\n";

        var report = await AdminSite.JsonAsync(await Import(site, Csv, "?confirmed=true"), HttpStatusCode.OK);

        Assert.Equal(1, report.GetProperty("added").GetInt32());
        Assert.Equal(
            [(2, "unbalanced quote: lines 2-4 were read as one record; close the quote or remove it (lines 3-4 were read again on their own)"),
                (4, "stray quote in '\"Carol \"C\" Lee\"': inside a field write a quote as two (\"\") and put the field in quotes, or remove it")],
            report.GetProperty("invalid").EnumerateArray().Select(i => (i.GetProperty("line").GetInt32(), i.GetProperty("reason").GetString())));
        var active = await AdminSite.JsonAsync(await site.GetAsync("/admin/subscribers?status=active"), HttpStatusCode.OK);
        Assert.Equal(["new2@example.test"], active.EnumerateArray().Select(s => s.GetProperty("email").GetString()));
    }

    [Fact]
    public async Task Subscribers_ImportBigCsv_202ThenPolledToItsReport()
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(0);
        await site.StartAsync();
        var csv = new StringBuilder("email,name\n");
        var rows = 0;
        while (csv.Length <= Syndicate.Web.AdminEndpoints.InlineImportBytes)
        {
            rows++;
            csv.Append("reader").Append(rows).Append("@example.test,Reader number ").Append(rows).Append('\n');
        }

        var report = await site.WaitForOperationAsync(await Import(site, csv.ToString(), "?confirmed=true"));

        Assert.Equal(rows, report.GetProperty("added").GetInt32());
        Assert.Empty(report.GetProperty("invalid").EnumerateArray());
        var status = await AdminSite.JsonAsync(await site.GetAsync("/admin/status"), HttpStatusCode.OK);
        Assert.Equal(rows, status.GetProperty("subscribers").GetProperty("active").GetInt32());
        Assert.DoesNotContain(Directory.GetFiles(Path.GetTempPath(), "syndicate-import-*.csv"), f => File.GetLastWriteTimeUtc(f) > DateTime.UtcNow.AddMinutes(-1));
    }

    [Fact]
    public async Task SendNow_202ThenDone_DigestShowsCounts()
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(3);
        site.Server.Reply(AdminSite.Subscriber(2), 550, "No such user here");
        await site.StartAsync();

        using var accepted = await site.SendAsync(HttpMethod.Post, "/admin/digests");
        var result = await site.WaitForOperationAsync(accepted);

        var id = result.GetProperty("digestId").GetInt64();
        Assert.Equal((2, 1, 0), (result.GetProperty("sent").GetInt32(), result.GetProperty("failed").GetInt32(), result.GetProperty("pending").GetInt32()));
        Assert.Equal($"/admin/digests/{id}", result.GetProperty("digest").GetString());
        var shown = await AdminSite.JsonAsync(await site.GetAsync($"/admin/digests/{id}"), HttpStatusCode.OK);
        var digest = shown.GetProperty("digest");
        Assert.Equal((3, 2, 1, 0, "admin"), (digest.GetProperty("deliveries").GetInt32(), digest.GetProperty("sent").GetInt32(),
            digest.GetProperty("failed").GetInt32(), digest.GetProperty("pending").GetInt32(), digest.GetProperty("trigger").GetString()));
        var post = Assert.Single(shown.GetProperty("posts").EnumerateArray());
        Assert.Equal(["title", "url", "date"], post.EnumerateObject().Select(property => property.Name));
        Assert.Equal("News of the week", post.GetProperty("title").GetString());
        var failure = Assert.Single(shown.GetProperty("failures").EnumerateArray());
        Assert.Equal(AdminSite.Subscriber(2), failure.GetProperty("email").GetString());
        Assert.Contains("No such user here", failure.GetProperty("error").GetString(), StringComparison.Ordinal);

        var list = await AdminSite.JsonAsync(await site.GetAsync("/admin/digests"), HttpStatusCode.OK);
        Assert.Equal(id, Assert.Single(list.EnumerateArray()).GetProperty("id").GetInt64());
        Assert.Equal(new Dictionary<string, int> { [AdminSite.Subscriber(1)] = 1, [AdminSite.Subscriber(3)] = 1 }, site.CopiesByRecipient());

        // Nothing new since: the operation succeeds with no digest.
        var again = await site.WaitForOperationAsync(await site.SendAsync(HttpMethod.Post, "/admin/digests"));
        Assert.Equal(JsonValueKind.Null, again.GetProperty("digestId").ValueKind);
        Assert.Contains("no new posts", again.GetProperty("outcome").GetString(), StringComparison.Ordinal);

        Assert.Contains("no digest 999", await AdminSite.ProblemAsync(await site.GetAsync("/admin/digests/999"), HttpStatusCode.NotFound), StringComparison.Ordinal);
        await AdminSite.ProblemAsync(await site.GetAsync("/admin/digests/abc"), HttpStatusCode.NotFound);
        await AdminSite.ProblemAsync(await site.GetAsync("/admin/operations/unknown"), HttpStatusCode.NotFound);
        await AdminSite.ProblemAsync(await site.GetAsync("/admin/nothing-here"), HttpStatusCode.NotFound);

        // A known path asked with another method: 405 with the methods it takes, as the public endpoints answer.
        foreach (var (method, path, allow) in new[]
        {
            (HttpMethod.Put, "/admin/subscribers", "DELETE, GET, HEAD, POST"),
            (HttpMethod.Post, "/admin/status", "GET, HEAD"),
            (HttpMethod.Delete, $"/admin/digests/{id}", "GET, HEAD"),
            (HttpMethod.Get, $"/admin/digests/{id}/resend", "POST"),
        })
        {
            using var response = await site.SendAsync(method, path);
            Assert.Contains($"{method} is not allowed on {path}", await AdminSite.ProblemAsync(response, HttpStatusCode.MethodNotAllowed), StringComparison.Ordinal);
            Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        }
    }

    [Fact]
    public async Task Resend_FailedOnlyAfter550Fixed_ReachesExactlyTheFailed_RepeatSendsNothing()
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(5);
        site.Server.Reply(AdminSite.Subscriber(2), 550, "No such user here");
        site.Server.Reply(AdminSite.Subscriber(4), 550, "Mailbox disabled");
        await site.StartAsync();
        var id = await site.SendDigestAsync();
        Assert.Equal(3, site.Server.Messages.Count);
        site.Accept(AdminSite.Subscriber(2));
        site.Accept(AdminSite.Subscriber(4));

        using var accepted = await site.PostJsonAsync($"/admin/digests/{id}/resend", new { failedOnly = true, requestId = "fix-550-1" });
        var result = await site.WaitForOperationAsync(accepted);

        Assert.Equal([AdminSite.Subscriber(2), AdminSite.Subscriber(4)], result.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("fix-550-1", result.GetProperty("requestId").GetString());
        var copies = site.CopiesByRecipient();
        Assert.Equal(Enumerable.Range(1, 5).Select(AdminSite.Subscriber), copies.Keys.Order(StringComparer.Ordinal));
        Assert.All(copies, pair => Assert.True(pair.Value == 1, $"{pair.Key} got {pair.Value} copies"));
        // The first, failed rows stay as history; the resend added one sent row for each of the two.
        Assert.Equal([(AdminSite.Subscriber(2), "sent"), (AdminSite.Subscriber(4), "sent")], site.Deliveries(id).Skip(5));
        var digest = await AdminSite.JsonAsync(await site.GetAsync($"/admin/digests/{id}"), HttpStatusCode.OK);
        // Counts follow each subscriber's latest copy: after the resend reached them, nobody counts as failed.
        Assert.Equal((5, 0, 0), (digest.GetProperty("digest").GetProperty("sent").GetInt32(), digest.GetProperty("digest").GetProperty("failed").GetInt32(),
            digest.GetProperty("digest").GetProperty("pending").GetInt32()));
        var resend = Assert.Single(digest.GetProperty("resends").EnumerateArray());
        Assert.Equal(("admin-api", "failed-only", 2), (resend.GetProperty("requestedBy").GetString(), resend.GetProperty("mode").GetString(),
            resend.GetProperty("deliveries").GetInt32()));

        // The same request again, by body or by Idempotency-Key: answered as a repeat, nothing sent.
        var repeat = await AdminSite.JsonAsync(
            await site.PostJsonAsync($"/admin/digests/{id}/resend", new { failedOnly = true, requestId = "fix-550-1" }), HttpStatusCode.OK);
        Assert.True(repeat.GetProperty("repeated").GetBoolean());
        using var byHeader = await site.PostJsonAsync($"/admin/digests/{id}/resend", new { failedOnly = true },
            request => request.Headers.Add("Idempotency-Key", "fix-550-1"));
        Assert.True((await AdminSite.JsonAsync(byHeader, HttpStatusCode.OK)).GetProperty("repeated").GetBoolean());
        Assert.Equal(5, site.Server.Messages.Count);
        Assert.Single((await AdminSite.JsonAsync(await site.GetAsync($"/admin/digests/{id}"), HttpStatusCode.OK)).GetProperty("resends").EnumerateArray());

        // A new request with nobody left to send to: answered at once (no operation), nothing recorded.
        var nothing = await AdminSite.JsonAsync(
            await site.PostJsonAsync($"/admin/digests/{id}/resend", new { failedOnly = true, requestId = "fix-550-2" }), HttpStatusCode.OK);
        Assert.False(nothing.GetProperty("repeated").GetBoolean());
        Assert.Empty(nothing.GetProperty("recipients").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, nothing.GetProperty("resendId").ValueKind);
        Assert.Equal(5, site.Server.Messages.Count);
        Assert.Single((await AdminSite.JsonAsync(await site.GetAsync($"/admin/digests/{id}"), HttpStatusCode.OK)).GetProperty("resends").EnumerateArray());
    }

    [Fact]
    public async Task Resend_ToOneAddress_WithoutRequestId_GetsOneGenerated()
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(2);
        await site.StartAsync();
        var id = await site.SendDigestAsync();

        using var accepted = await site.PostJsonAsync($"/admin/digests/{id}/resend", new { email = AdminSite.Subscriber(1) });
        var body = await accepted.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var result = await site.WaitForOperationAsync(accepted);

        Assert.Equal(32, body.GetProperty("requestId").GetString()!.Length);
        Assert.Equal(body.GetProperty("requestId").GetString(), result.GetProperty("requestId").GetString());
        Assert.Equal([AdminSite.Subscriber(1)], result.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(new Dictionary<string, int> { [AdminSite.Subscriber(1)] = 2, [AdminSite.Subscriber(2)] = 1 }, site.CopiesByRecipient());
    }

    [Fact]
    public async Task Resend_BadInput_Problems()
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(1);
        await site.StartAsync();
        var id = await site.SendDigestAsync();
        var path = $"/admin/digests/{id}/resend";

        Assert.Contains("exactly one of", await AdminSite.ProblemAsync(await site.PostJsonAsync(path, new { }), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        await AdminSite.ProblemAsync(await site.PostJsonAsync(path, new { failedOnly = true, email = "a@example.test" }), HttpStatusCode.BadRequest);
        await AdminSite.ProblemAsync(await site.PostJsonAsync(path, new { failedOnly = "yes" }), HttpStatusCode.BadRequest);
        await AdminSite.ProblemAsync(await site.PostJsonAsync(path, new { failedOnly = true, requestId = "a" }, r => r.Headers.Add("Idempotency-Key", "b")),
            HttpStatusCode.BadRequest);
        var stranger = await AdminSite.ProblemAsync(await site.PostJsonAsync(path, new { email = "stranger@example.test" }), HttpStatusCode.BadRequest);
        Assert.Contains("not a subscriber", stranger, StringComparison.Ordinal);
        // The API's own terms, not the CLI's.
        Assert.DoesNotContain("subscribers add", stranger, StringComparison.Ordinal);
        Assert.Contains("POST /admin/subscribers", stranger, StringComparison.Ordinal);
        Assert.Contains("requestId is 1 to 200 characters",
            await AdminSite.ProblemAsync(await site.PostJsonAsync(path, new { everyone = true, requestId = "" }), HttpStatusCode.BadRequest),
            StringComparison.Ordinal);
        Assert.Contains("force applies only to a resend to one address",
            await AdminSite.ProblemAsync(await site.PostJsonAsync(path, new { failedOnly = true, force = true }), HttpStatusCode.BadRequest),
            StringComparison.Ordinal);
        await AdminSite.ProblemAsync(await site.PostJsonAsync(path, new { everyone = true, force = true, dryRun = true }), HttpStatusCode.BadRequest);
        await AdminSite.ProblemAsync(await site.PostJsonAsync("/admin/digests/999/resend", new { failedOnly = true }), HttpStatusCode.NotFound);
        await AdminSite.ProblemAsync(await site.SendAsync(HttpMethod.Post, path), HttpStatusCode.UnsupportedMediaType);

        var dry = await AdminSite.JsonAsync(await site.PostJsonAsync(path, new { everyone = true, dryRun = true }), HttpStatusCode.OK);
        Assert.Equal([AdminSite.Subscriber(1)], dry.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()));
        Assert.Single(site.Server.Messages);
    }

    [Fact]
    public async Task Preview_HtmlWithHeaderSummary_NothingSent()
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(2);
        await site.StartAsync();

        using var response = await site.GetAsync("/admin/preview");
        var html = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<b>Subject:</b>", html, StringComparison.Ordinal);
        // A sample subscriber, not the first real one; its unsubscribe link, used, unsubscribes nobody.
        Assert.Contains("<b>To:</b> Sample Reader &lt;subscriber@example.org&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminSite.Subscriber(1), html, StringComparison.Ordinal);
        var unsubscribe = System.Text.RegularExpressions.Regex.Match(html, @"/unsubscribe/([A-Za-z0-9_-]+)");
        Assert.True(unsubscribe.Success, html);
        using (await site.SendAsync(HttpMethod.Post, "/unsubscribe/" + unsubscribe.Groups[1].Value, new FormUrlEncodedContent([]), authorization: null))
        {
        }

        var subscribers = await AdminSite.JsonAsync(await site.GetAsync("/admin/subscribers"), HttpStatusCode.OK);
        Assert.All(subscribers.EnumerateArray(), subscriber => Assert.Equal("active", subscriber.GetProperty("status").GetString()));
        Assert.Equal(2, subscribers.GetArrayLength());
        Assert.Contains("<b>List-Unsubscribe:</b>", html, StringComparison.Ordinal);
        Assert.Contains("Preview: nothing was sent or recorded.", html, StringComparison.Ordinal);
        Assert.Contains("News of the week", html, StringComparison.Ordinal);
        Assert.Matches("<div class=\"preheader\" style=\"display: none;[^\"]*\">A paragraph\\.\u034F", html);
        using var text = await site.GetAsync("/admin/preview?format=text");
        Assert.StartsWith("From: Admin blog <news@blog.example.test>", await text.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        await AdminSite.ProblemAsync(await site.GetAsync("/admin/preview?format=pdf"), HttpStatusCode.BadRequest);
        Assert.Empty(site.Server.Messages);
        Assert.Equal(0, (await AdminSite.JsonAsync(await site.GetAsync("/admin/digests"), HttpStatusCode.OK)).GetArrayLength());

        await site.SendDigestAsync();
        Assert.Contains("nothing to preview", await AdminSite.ProblemAsync(await site.GetAsync("/admin/preview"), HttpStatusCode.NotFound),
            StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> Import(AdminSite site, string csv, string query) =>
        site.SendAsync(HttpMethod.Post, "/admin/subscribers/import" + query, new StringContent(csv, Encoding.UTF8, "text/csv"));

    [Fact]
    public async Task SiteBaseUrlWithAPath_RedirectLocationsAndThePageUseIt()
    {
        // Behind a proxy that takes /blog off: the browser's addresses are under /blog, the service sees them without it.
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(2);
        await site.StartAsync(settings: settings => settings["Site:BaseUrl"] = "https://example.org/blog/");

        using (var noRedirects = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = site.Address })
        {
            using var redirect = await noRedirects.GetAsync("/admin", Cancel);
            Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
            Assert.Equal("/blog/admin/ui", redirect.Headers.Location?.OriginalString);
        }

        using var accepted = await site.SendAsync(HttpMethod.Post, "/admin/digests");
        var body = await AdminSite.JsonAsync(accepted, HttpStatusCode.Accepted);
        var location = accepted.Headers.Location?.OriginalString ?? "";
        Assert.StartsWith("/blog/admin/operations/", location, StringComparison.Ordinal);
        Assert.Equal(location, body.GetProperty("location").GetString());
        var operation = await Eventually.ValueAsync(
            async () => await AdminSite.JsonAsync(await site.GetAsync(location["/blog".Length..]), HttpStatusCode.OK),
            op => op.GetProperty("state").GetString() != "running", "the operation to finish", TimeSpan.FromSeconds(30));
        Assert.Equal("succeeded", operation.GetProperty("state").GetString());
        var digest = operation.GetProperty("result").GetProperty("digestId").GetInt64();
        Assert.Equal($"/blog/admin/digests/{digest}", operation.GetProperty("result").GetProperty("digest").GetString());

        using var resend = await site.PostJsonAsync($"/admin/digests/{digest}/resend", new { everyone = true });
        Assert.StartsWith("/blog/admin/operations/", (await AdminSite.JsonAsync(resend, HttpStatusCode.Accepted)).GetProperty("location").GetString(),
            StringComparison.Ordinal);
        Assert.StartsWith("/blog/admin/operations/", resend.Headers.Location?.OriginalString, StringComparison.Ordinal);

        using var page = await site.GetAsync("/admin/ui");
        var document = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("/blog/admin", document.Body!.GetAttribute("data-admin"));
        var script = document.QuerySelector("script")!.TextContent;
        Assert.Contains("document.body.dataset.admin", script, StringComparison.Ordinal);
        Assert.DoesNotContain("'/admin", script, StringComparison.Ordinal);
    }
}
