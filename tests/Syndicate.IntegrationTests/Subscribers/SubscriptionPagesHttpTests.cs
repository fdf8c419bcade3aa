using System.Net;
using System.Net.Http.Json;
using System.Text;
using AngleSharp.Html.Parser;
using Microsoft.Extensions.Logging;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.Subscribers;

namespace Syndicate.IntegrationTests.Subscribers;

/// <summary>
/// The public pages as HTTP sees them, over Kestrel with the real host: the security headers of every HTML answer
/// (and no-store where a page is for one person), HEAD like GET without a body and without a change, and POST
/// /subscribe answering a client's garbage with 400 or 413, never 500.
/// </summary>
public sealed class SubscriptionPagesHttpTests : IDisposable
{
    private readonly SubscriberSite _site = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task EveryPublicHtmlAnswer_SecurityHeaders_TokenPagesAndPostAnswersNotStored()
    {
        await using var service = await _site.StartAsync();
        var pages = new List<(string What, HttpResponseMessage Response, bool ForOnePerson)>();
        try
        {
            pages.Add(("GET /subscribe", await service.GetAsync("/subscribe"), false));
            pages.Add(("GET /", await service.GetAsync("/"), false));
            pages.Add(("POST /subscribe (accepted)", await PostFormAsync(service, "ann@example.org", "Ann"), true));
            pages.Add(("POST /subscribe (invalid address)", await PostFormAsync(service, "not-an-address", "Ann"), true));
            var confirm = SubscriberSite.ConfirmToken(Assert.Single(await _site.MailsAsync()));
            pages.Add(("GET /confirm (confirms)", await service.GetAsync("/confirm/" + confirm), true));
            pages.Add(("GET /confirm (not valid)", await service.GetAsync("/confirm/AAAA"), true));
            var unsubscribe = _site.Tokens.Create(TokenPurpose.Unsubscribe, _site.Row("ann@example.org")!.Value.Id, DateTimeOffset.UnixEpoch);
            pages.Add(("GET /unsubscribe (button)", await service.GetAsync("/unsubscribe/" + unsubscribe), true));
            pages.Add(("GET /unsubscribe (not valid)", await service.GetAsync("/unsubscribe/AAAA"), true));
            pages.Add(("POST /unsubscribe (done)", await PostOneClickAsync(service, unsubscribe), true));
            pages.Add(("POST /unsubscribe (not valid)", await PostOneClickAsync(service, "AAAA"), true));

            foreach (var (what, response, forOnePerson) in pages)
            {
                Assert.True(response.Content.Headers.ContentType?.MediaType == "text/html", $"{what}: {response.Content.Headers.ContentType}");
                AssertPageHeaders(what, response, "https://blog.example.test");
                Assert.True(!forOnePerson || response.Headers.CacheControl?.NoStore == true, $"{what}: Cache-Control {response.Headers.CacheControl}");
            }

            // The pages still work under that policy: their styles are inline (style-src 'unsafe-inline'), and the form
            // posts to Site:BaseUrl, an origin form-action names.
            var form = new HtmlParser().ParseDocument(await pages[0].Response.Content.ReadAsStringAsync(Cancel));
            Assert.NotNull(form.QuerySelector("head style"));
            Assert.Empty(form.QuerySelectorAll("link[rel=stylesheet], script, img"));
            Assert.StartsWith("https://blog.example.test/", form.Forms.Single().GetAttribute("action"), StringComparison.Ordinal);

            // JSON answers to POST /subscribe are not stored either.
            using var json = await service.SendAsync(HttpMethod.Post, "/subscribe", request => request.Content = JsonContent.Create(new { email = "bob@example.org" }));
            Assert.Equal(HttpStatusCode.Accepted, json.StatusCode);
            Assert.True(json.Headers.CacheControl?.NoStore, $"Cache-Control {json.Headers.CacheControl}");
        }
        finally
        {
            foreach (var (_, response, _) in pages)
            {
                response.Dispose();
            }
        }
    }

    [Theory]
    [InlineData("https://example.org/blog/", "https://example.org")]
    [InlineData("http://news.example.org:8080", "http://news.example.org:8080")]
    public async Task FormPage_FormActionNamesTheOriginOfSiteBaseUrl(string baseUrl, string origin)
    {
        var settings = _site.Settings();
        settings["Site:BaseUrl"] = baseUrl;
        await using var service = await RunningService.StartAsync(_site.Site, settings);

        using var page = await service.GetAsync("/subscribe");

        AssertPageHeaders("GET /subscribe", page, origin);
        var form = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync(Cancel)).Forms.Single();
        Assert.StartsWith(origin + "/", form.GetAttribute("action"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_OnThePages_AnswersAsGetWithoutABody_AndNeverConfirms()
    {
        await using var service = await _site.StartAsync();
        using (await PostFormAsync(service, "ann@example.org", "Ann"))
        {
        }

        var confirm = SubscriberSite.ConfirmToken(Assert.Single(await _site.MailsAsync()));
        var id = _site.Row("ann@example.org")!.Value.Id;
        var unsubscribe = _site.Tokens.Create(TokenPurpose.Unsubscribe, id, DateTimeOffset.UnixEpoch);

        foreach (var (path, expected) in new[]
        {
            ("/subscribe", HttpStatusCode.OK),
            ("/confirm/" + confirm, HttpStatusCode.OK),
            ("/confirm/AAAA", HttpStatusCode.BadRequest),
            ("/unsubscribe/" + unsubscribe, HttpStatusCode.OK),
            ("/unsubscribe/AAAA", HttpStatusCode.BadRequest),
        })
        {
            using var head = await service.SendAsync(HttpMethod.Head, path);
            Assert.True(head.StatusCode == expected, $"HEAD {path}: {(int)head.StatusCode}");
            Assert.Equal("text/html", head.Content.Headers.ContentType?.MediaType);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync(Cancel));
            AssertPageHeaders("HEAD " + path, head, "https://blog.example.test");
        }

        // A link scanner's HEAD confirmed nothing; the GET of the mailed link does (and unsubscribes nothing).
        Assert.Equal("pending", _site.Row("ann@example.org")?.Status);
        using (var get = await service.GetAsync("/confirm/" + confirm))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        }

        Assert.Equal("active", _site.Row("ann@example.org")?.Status);
        using (var head = await service.SendAsync(HttpMethod.Head, "/unsubscribe/" + unsubscribe))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }

        Assert.Equal("active", _site.Row("ann@example.org")?.Status);

        // Other methods: 405 naming what works, HEAD now among them.
        foreach (var (method, path, allowed) in new[]
        {
            (HttpMethod.Delete, "/subscribe", new[] { "GET", "HEAD", "POST" }),
            (HttpMethod.Put, "/confirm/" + confirm, new[] { "GET", "HEAD" }),
            (HttpMethod.Delete, "/unsubscribe/" + unsubscribe, new[] { "GET", "HEAD", "POST" }),
        })
        {
            using var response = await service.SendAsync(method, path);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
            Assert.Equal(allowed, response.Content.Headers.Allow.Order(StringComparer.Ordinal));
        }
    }

    public static TheoryData<string, string, string, HttpStatusCode> Garbage() => new()
    {
        { "JSON array", "application/json", "[1]", HttpStatusCode.BadRequest },
        { "JSON null", "application/json", "null", HttpStatusCode.BadRequest },
        { "JSON string", "application/json", "\"ann@example.org\"", HttpStatusCode.BadRequest },
        { "JSON number", "application/json", "42", HttpStatusCode.BadRequest },
        { "multipart without a boundary", "multipart/form-data", "x", HttpStatusCode.BadRequest },
        { "multipart that is not", "multipart/form-data; boundary=zz", "garbage", HttpStatusCode.BadRequest },
        { "multipart cut short", "multipart/form-data; boundary=zz", "--zz\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nann@exa", HttpStatusCode.BadRequest },
        { "form over 16 KB", "application/x-www-form-urlencoded", "email=" + new string('a', 20_000) + "@example.org", HttpStatusCode.RequestEntityTooLarge },
        { "JSON over 16 KB", "application/json", "{\"email\": \"" + new string('a', 20_000) + "@example.org\"}", HttpStatusCode.RequestEntityTooLarge },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task PostSubscribe_Garbage_400Or413WithAMessage_NeverAnErrorInTheLog(string what, string contentType, string body, HttpStatusCode expected)
    {
        await using var service = await _site.StartAsync();

        using var response = await service.SendAsync(HttpMethod.Post, "/subscribe", request =>
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        });

        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(expected == response.StatusCode, $"{what}: {(int)response.StatusCode} {text}");
        if (contentType == "application/json")
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = System.Text.Json.JsonDocument.Parse(text);
            Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));
        }
        else
        {
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("role=\"alert\"", text, StringComparison.Ordinal);
        }

        Assert.True(text.Length < 10_000, $"{what}: the answer is {text.Length} characters");
        Assert.Equal(0, _site.RowCount());
        Assert.DoesNotContain(service.Logs.Entries, entry => entry.Level >= LogLevel.Error);
        Assert.Equal(LogLevel.Debug, Assert.Single(service.Logs.WithId(3013)).Level);
    }

    [Fact]
    public async Task PostSubscribe_AddressLongerThan254_NotEchoedIntoTheForm()
    {
        await using var service = await _site.StartAsync();
        var address = new string('a', 300) + "@example.org";

        using var response = await PostFormAsync(service, address, "Ann");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync(Cancel);
        var form = new HtmlParser().ParseDocument(page).Forms.Single();
        Assert.Equal("", form.QuerySelector("input[name=email]")!.GetAttribute("value"));
        Assert.Equal("Ann", form.QuerySelector("input[name=name]")!.GetAttribute("value"));
        Assert.DoesNotContain(new string('a', 101), page, StringComparison.Ordinal);
    }

    /// <summary>The headers of a public HTML page; <paramref name="origin"/> is Site:BaseUrl's, where the pages' forms post.</summary>
    private static void AssertPageHeaders(string what, HttpResponseMessage response, string origin)
    {
        var policy = string.Join(",", response.Headers.TryGetValues("Content-Security-Policy", out var values) ? values : []);
        var directives = policy.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => d.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(d => d[0], d => d[1..], StringComparer.Ordinal);
        Assert.True(directives.Count > 0, $"{what}: no Content-Security-Policy");
        Assert.Equal(["'none'"], directives["default-src"]);
        Assert.Equal(["'unsafe-inline'"], directives["style-src"]);
        Assert.Equal(["'none'"], directives["frame-ancestors"]);
        Assert.Equal(["'none'"], directives["base-uri"]);
        Assert.Equal(["'self'", origin], directives["form-action"]);
        Assert.False(directives.ContainsKey("script-src"), $"{what}: the public pages run no script");
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    private static Task<HttpResponseMessage> PostFormAsync(RunningService service, string email, string name) =>
        service.SendAsync(HttpMethod.Post, "/subscribe", request =>
            request.Content = new FormUrlEncodedContent([new("email", email), new("name", name)]));

    private static Task<HttpResponseMessage> PostOneClickAsync(RunningService service, string token) =>
        service.SendAsync(HttpMethod.Post, "/unsubscribe/" + token, request =>
            request.Content = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
}
