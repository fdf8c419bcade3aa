using System.Net;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Syndicate.Hosting;
using Syndicate.Site;
using Syndicate.Subscribers;

namespace Syndicate.Web;

/// <summary>
/// The public subscription pages: the form, double opt-in confirmation and RFC 8058 one-click
/// unsubscribe. A GET never changes anything (mail link scanners follow every link), except the confirm link's
/// (DESIGN.md: it confirms); a HEAD never changes anything. The same answer is given whether or not an address is known.
/// Every page carries <see cref="PageHeaders"/>; those with a token in their address, and the answers to POST, are not stored.
/// </summary>
internal static class SubscriptionEndpoints
{
    public const string RateLimitPolicy = "subscribe";

    /// <summary>
    /// The largest POST /subscribe body read: the form has two short fields (an address is at most 254 characters, a
    /// name is kept to 200), so anything near this is not the form, and is refused before it is read.
    /// </summary>
    public const int MaxSubscribeBodyBytes = 16 * 1024;

    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>
    /// The least time an accepted POST /subscribe takes, from the start of the request. Known or not, the answer is the
    /// same, and its time must not tell either: a new address costs an INSERT where a known one costs a SELECT, and an
    /// address due a confirmation mail queues it. Those differences are a few milliseconds, well under this floor, so
    /// every answer arrives after the floor and its time says nothing; the mail itself goes out in the background.
    /// Short enough that nobody waiting for "Check your inbox" notices it.
    /// </summary>
    public static readonly TimeSpan MinimumAnswerTime = TimeSpan.FromMilliseconds(250);

    public static IServiceCollection AddSubscriptionRateLimit(this IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(RateLimitPolicy, context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<IOptions<SubscribersOptions>>().Value.RequestsPerMinute;
                var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = async (context, token) =>
            {
                var http = context.HttpContext;
                // When the window reopens (RFC 9110 10.2.3), so that a script knows how long to wait.
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 60;
                http.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (http.Request.HasJsonContentType())
                {
                    // A JSON client gets a problem document, as for its other errors, not a page.
                    await Results.Problem($"Too many requests from your address; try again in {retryAfter} seconds.", statusCode: StatusCodes.Status429TooManyRequests)
                        .ExecuteAsync(http);
                    return;
                }

                await PageHeaders.WritePublicPageAsync(http, Page("Too many requests", "<p>Too many requests from your address. Please try again in a minute.</p>"),
                    StatusCodes.Status429TooManyRequests, noStore: true);
            };
        });
        return services;
    }

    public static IEndpointRouteBuilder MapSubscriptions(this IEndpointRouteBuilder routes)
    {
        // GET and HEAD (RFC 9110 9.1); Kestrel sends no body for HEAD.
        routes.MapMethods("/subscribe", GetAndHead, (IOptions<SiteOptions> site, SiteUrls urls) => Html(Form(urls, site.Value.Title, "", "", null)));
        routes.MapPost("/subscribe", SubscribeAsync).RequireRateLimiting(RateLimitPolicy).DisableAntiforgery();
        routes.MapMethods("/confirm/{token}", GetAndHead, async (string token, HttpContext context, SubscriptionService service, SiteUrls urls,
            CancellationToken cancellationToken) =>
            // HEAD answers as GET would, and confirms nothing: only the GET a person's click sends does.
            await (HttpMethods.IsHead(context.Request.Method) ? service.CheckConfirmAsync(token, cancellationToken) : service.ConfirmAsync(token, cancellationToken)) switch
            {
                LinkOutcome.Done => TokenPage(Page("Subscribed", "<p>Thank you: your subscription is confirmed. The next digest will reach you.</p>")),
                LinkOutcome.Expired => TokenPage(Page("Link expired", $"<p>This confirmation link has expired. <a href=\"{SiteLink(urls, "/subscribe")}\">Subscribe again</a> to get a new one.</p>"), 410),
                _ => TokenPage(Page("Link not valid", $"<p>This confirmation link is not valid. <a href=\"{SiteLink(urls, "/subscribe")}\">Subscribe again</a> to get a new one.</p>"), 400),
            });
        routes.MapMethods("/unsubscribe/{token}", GetAndHead, (string token, SubscriptionService service, SiteUrls urls) =>
            service.IsUnsubscribeToken(token)
                ? TokenPage(Page("Unsubscribe", $"""
                    <p>Do you want to stop receiving these emails?</p>
                    <form method="post" action="{SiteLink(urls, "/unsubscribe/" + Uri.EscapeDataString(token))}">
                      <button type="submit">Unsubscribe</button>
                    </form>
                    """))
                : TokenPage(Page("Link not valid", "<p>This unsubscribe link is not valid.</p>"), 400));
        // RFC 8058: the mail client POSTs List-Unsubscribe=One-Click; the form above posts the same way.
        routes.MapPost("/unsubscribe/{token}", async (string token, SubscriptionService service, CancellationToken cancellationToken) =>
            await service.UnsubscribeAsync(token, cancellationToken) == LinkOutcome.Done
                ? TokenPage(Page("Unsubscribed", "<p>You are unsubscribed and will receive no further emails.</p>"))
                : TokenPage(Page("Link not valid", "<p>This unsubscribe link is not valid.</p>"), 400))
            .DisableAntiforgery();
        return routes;
    }

    private static async Task<IResult> SubscribeAsync(HttpContext context, SubscriptionService service, IOptions<SiteOptions> site, SiteUrls urls,
        TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        // Every answer to a POST is for its sender only.
        context.Response.Headers.CacheControl = "no-store";
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = MaxSubscribeBodyBytes;
        }

        string? email = null;
        string? name = null;
        var json = context.Request.HasJsonContentType();
        if (!json && !context.Request.HasFormContentType)
        {
            return Results.Problem("Send the form (application/x-www-form-urlencoded) or JSON with an email field.", statusCode: 415);
        }

        // What the client sent is not a form or JSON object, or is far too big for one: its fault, answered as such, and
        // logged as a line (not an error with a stack trace: anyone can send it).
        string? refusal = null;
        var status = StatusCodes.Status400BadRequest;
        try
        {
            if (json)
            {
                using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    refusal = "The body is JSON but not an object such as {\"email\": \"you@example.org\"}.";
                }
                else
                {
                    email = document.RootElement.TryGetProperty("email", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                    name = document.RootElement.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                }
            }
            else
            {
                var form = await context.Request.ReadFormAsync(cancellationToken);
                email = form["email"];
                name = form["name"];
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            (refusal, status) = ($"The request is larger than {MaxSubscribeBodyBytes / 1024} KB; the form has an address and a name only.", StatusCodes.Status413PayloadTooLarge);
        }
        catch (JsonException)
        {
            refusal = "The body is not JSON such as {\"email\": \"you@example.org\"}.";
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException && !context.RequestAborted.IsCancellationRequested)
        {
            // A multipart body without its boundary, or cut short; a form over the form reader's limits.
            refusal = "The form could not be read; send it as application/x-www-form-urlencoded or multipart/form-data with an email field.";
        }

        if (refusal is not null)
        {
            SubscribersLog.SubscribeRequestRefused(loggers.CreateLogger(typeof(SubscriptionEndpoints).FullName!), status, refusal);
            return json
                ? Results.Problem(refusal, statusCode: status)
                : Html(Form(urls, site.Value.Title, "", "", refusal.TrimEnd('.')), status);
        }

        var outcome = await service.SubscribeAsync(email, name, cancellationToken);
        if (outcome.Accepted)
        {
            // Input that is no address says so at once: its answer depends on the input only, never on what is stored.
            // Timers count whole milliseconds and may fire a fraction early: wait again until the floor has surely passed.
            for (var remaining = MinimumAnswerTime - time.GetElapsedTime(started); remaining > TimeSpan.Zero;
                remaining = MinimumAnswerTime - time.GetElapsedTime(started))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)), time, cancellationToken);
            }
        }

        if (json)
        {
            return outcome.Accepted
                ? JsonOutput.Result(new { status = "accepted", message = "If the address can receive mail, a confirmation link is on its way." }, statusCode: 202)
                : Results.Problem(outcome.Error, statusCode: 400);
        }

        return outcome.Accepted
            ? Html(Page("Check your inbox", "<p>Thank you. If the address can receive mail, a link to confirm your subscription is on its way. Click it to start receiving the digest.</p>"))
            : Html(Form(urls, site.Value.Title, Echo(email, EmailAddressRule.MaxLength), Echo(name, SubscriptionService.MaxNameLength), outcome.Error), 400);
    }

    /// <summary>A value sent back into the form for correction, or nothing when it is longer than any valid one.</summary>
    private static string Echo(string? value, int maxLength) => value is { } text && text.Length <= maxLength ? text : "";

    private static IResult Html(string html, int status = 200) => PageHeaders.PublicPage(html, status);

    /// <summary>A page with a token in its address, or an answer to a POST: for one person, never stored.</summary>
    private static IResult TokenPage(string html, int status = 200) => PageHeaders.PublicPage(html, status, noStore: true);

    /// <summary>
    /// A page's link to one of the service's own addresses, under Site:BaseUrl: a site at https://example.org/blog/ is
    /// served behind a proxy that takes /blog off, so a root-relative /subscribe would leave the blog. HTML-encoded.
    /// </summary>
    internal static string SiteLink(SiteUrls urls, string sitePath) => WebUtility.HtmlEncode(urls.Absolute(sitePath));

    private static string Form(SiteUrls urls, string siteTitle, string email, string name, string? error)
    {
        var message = error is null ? "" : $"""<p role="alert" class="error">{WebUtility.HtmlEncode(error)}.</p>""";
        return Page($"Subscribe to {siteTitle}", $"""
            <p>Get new posts by email. You will receive a link to confirm.</p>
            {message}
            <form method="post" action="{SiteLink(urls, "/subscribe")}">
              <label for="email">Email address</label>
              <input id="email" name="email" type="email" autocomplete="email" required maxlength="{EmailAddressRule.MaxLength}" value="{WebUtility.HtmlEncode(email)}">
              <label for="name">Name (optional)</label>
              <input id="name" name="name" type="text" autocomplete="name" maxlength="{SubscriptionService.MaxNameLength}" value="{WebUtility.HtmlEncode(name)}">
              <button type="submit">Subscribe</button>
            </form>
            """);
    }

    private static string Page(string title, string body) => $$"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>{{WebUtility.HtmlEncode(title)}}</title>
          <style>
            body { font: 16px/1.5 system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1a1a1a; background: #fff; }
            label { display: block; margin-top: 1rem; font-weight: 600; }
            input { width: 100%; padding: .5rem; font: inherit; box-sizing: border-box; }
            button { margin-top: 1rem; padding: .5rem 1.25rem; font: inherit; }
            .error { color: #a00; }
            @media (prefers-color-scheme: dark) { body { color: #eee; background: #111; } .error { color: #f88; } }
          </style>
        </head>
        <body>
          <main>
            <h1>{{WebUtility.HtmlEncode(title)}}</h1>
            {{body}}
          </main>
        </body>
        </html>

        """;
}
