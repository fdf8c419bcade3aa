using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Syndicate.Digests;
using Syndicate.Hosting;
using Syndicate.Site;
using Syndicate.Status;
using Syndicate.Storage;
using Syndicate.Subscribers;

namespace Syndicate.Web;

/// <summary>
/// The operator API under /admin, behind <see cref="AdminKeyFilter"/>: status, digests (list, show, send now,
/// resend, preview), subscribers (list, add, remove, CSV import), the operations long requests leave running,
/// and the page at /admin/ui. Each endpoint parses, calls the application layer and answers; errors are RFC 9457
/// (7807) problem details.
/// </summary>
internal static class AdminEndpoints
{
    /// <summary>A CSV body up to this size is imported while the request waits; a bigger one runs as an operation (202).</summary>
    public const int InlineImportBytes = 256 * 1024;

    public const string RequestedBy = "admin-api";

    /// <summary>The options, their validator and the operation registry; the service calls this, a one-shot verb need not.</summary>
    public static IServiceCollection AddAdmin(this IServiceCollection services)
    {
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AdminOptions>, AdminOptionsValidator>();
        services.AddSingleton<AdminOperations>();
        services.AddHostedService(provider => provider.GetRequiredService<AdminOperations>());
        services.AddSingleton<AdminKeyFilter>();
        return services;
    }

    /// <summary>Every reading endpoint answers HEAD as it answers GET, without the body (HTTP: GET implies HEAD).</summary>
    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder routes)
    {
        // One filter for the whole group (AddEndpointFilter<T> would make one per endpoint).
        var admin = routes.MapGroup("/admin").AddEndpointFilterFactory((factory, next) =>
        {
            var filter = factory.ApplicationServices.GetRequiredService<AdminKeyFilter>();
            return invocation => filter.InvokeAsync(invocation, next);
        }).DisableAntiforgery();
        admin.MapMethods("/ui", GetAndHead, (SiteUrls urls) => AdminUi.Page(AdminPath(urls))).WithMetadata(new AdminPage());
        admin.MapMethods("/ui/digests", GetAndHead, async (DigestService digests, CancellationToken cancellationToken) =>
            Results.Content(AdminUi.DigestRows(await digests.ListAsync(cancellationToken)), "text/html; charset=utf-8"));

        admin.MapMethods("/status", GetAndHead, async (StatusReporter reporter, CancellationToken cancellationToken) =>
            JsonOutput.Result(await reporter.ReportAsync(cancellationToken)));
        admin.MapMethods("/operations/{id}", GetAndHead, (string id, AdminOperations operations) =>
            operations.Find(id) is { } operation
                ? JsonOutput.Result(operation.Snapshot())
                : Problem(StatusCodes.Status404NotFound, $"There is no operation {id}; operations are kept in memory until the service restarts."));

        admin.MapMethods("/digests", GetAndHead, async (DigestService digests, CancellationToken cancellationToken) =>
            JsonOutput.Result(await digests.ListAsync(cancellationToken)));
        admin.MapMethods("/digests/{id:long}", GetAndHead, ShowDigestAsync);
        admin.MapPost("/digests", SendNow);
        admin.MapPost("/digests/{id:long}/resend", ResendAsync);
        admin.MapMethods("/preview", GetAndHead, PreviewAsync);

        admin.MapMethods("/subscribers", GetAndHead, ListSubscribersAsync);
        admin.MapPost("/subscribers", AddSubscriberAsync);
        admin.MapDelete("/subscribers", (string? email, SubscriptionService service, CancellationToken cancellationToken) =>
            RemoveSubscriberAsync(email, service, cancellationToken));
        admin.MapDelete("/subscribers/{email}", (string email, SubscriptionService service, CancellationToken cancellationToken) =>
            RemoveSubscriberAsync(email, service, cancellationToken));
        admin.MapPost("/subscribers/import", ImportAsync);

        // Anything else under /admin still passes the gate, so an unknown path answers 404 only to a caller with the key.
        admin.Map("/{**rest}", (string? rest, HttpContext context, EndpointDataSource endpoints, IInlineConstraintResolver constraints) =>
            AllowedMethods(endpoints, constraints, context) is { Length: > 0 } allowed
                ? NotAllowed(context, allowed)
                : Problem(StatusCodes.Status404NotFound, $"There is no admin endpoint /admin/{rest}."));
        admin.Map("/", (SiteUrls urls) => Results.Redirect(AdminPath(urls, "/ui"))).WithMetadata(new AdminPage());
        return routes;
    }

    /// <summary>
    /// An admin address as the browser reaches it: under the path of Site:BaseUrl, as the public pages' links are
    /// (SubscriptionEndpoints.SiteLink), so a site at https://example.org/blog/ behind a proxy that takes /blog off has
    /// its admin page, redirect and Location headers at /blog/admin/...; root-relative, whatever host the operator uses.
    /// </summary>
    internal static string AdminPath(SiteUrls urls, string path = "") => urls.BaseUri.AbsolutePath.TrimEnd('/') + "/admin" + path;

    private static async Task<IResult> ShowDigestAsync(long id, DigestService digests, DigestResender resender, CancellationToken cancellationToken)
    {
        var digest = await digests.FindAsync(id, cancellationToken);
        if (digest is null)
        {
            return NoDigest(id);
        }

        var posts = await digests.PostsAsync(id, cancellationToken);
        var failures = await digests.FailuresAsync(id, cancellationToken);
        var resends = await resender.ListAsync(id, cancellationToken);
        return JsonOutput.Result(new
        {
            digest,
            posts = posts.Select(p => p.ToJson()),
            failures = failures.Select(f => new { email = f.Email, attempts = f.Attempts, error = f.Error }),
            resends,
        });
    }

    private static AcceptedAt SendNow(DigestService digests, AdminOperations operations, SiteUrls urls)
    {
        var operation = operations.Start("send-now", null, async (operation, cancellationToken) =>
        {
            var run = await digests.SendNowAsync("admin", new Progress(operation), cancellationToken);
            return new { run.DigestId, run.Outcome, run.Sent, run.Failed, run.Skipped, run.Pending, digest = DigestLocation(urls, run.DigestId) };
        });
        return Accepted(operation, urls);
    }

    private static async Task<IResult> ResendAsync(long id, HttpContext context, DigestService digests, DigestResender resender,
        AdminOperations operations, SiteUrls urls, CancellationToken cancellationToken)
    {
        var body = await ReadJsonAsync(context.Request, cancellationToken);
        if (body.Problem is { } problem)
        {
            return problem;
        }

        var json = body.Root;
        if (!TryBool(json, "failedOnly", out var failedOnly) || !TryBool(json, "everyone", out var everyone)
            || !TryBool(json, "force", out var force) || !TryBool(json, "dryRun", out var dryRun)
            || !TryString(json, "email", out var email) || !TryString(json, "requestId", out var requestId))
        {
            return Problem(StatusCodes.Status400BadRequest,
                "failedOnly, everyone, force and dryRun are true or false; email and requestId are strings.");
        }

        if ((failedOnly ? 1 : 0) + (everyone ? 1 : 0) + (email is null ? 0 : 1) != 1)
        {
            return Problem(StatusCodes.Status400BadRequest,
                "Say whom to resend to, with exactly one of {\"failedOnly\": true}, {\"email\": \"someone@example.org\"} or {\"everyone\": true}.");
        }

        var header = context.Request.Headers["Idempotency-Key"].ToString();
        if (header.Length > 0 && requestId is not null && header != requestId)
        {
            return Problem(StatusCodes.Status400BadRequest, "The Idempotency-Key header and requestId in the body differ; send one of them, or the same value.");
        }

        requestId ??= header.Length > 0 ? header : Guid.NewGuid().ToString("N");
        var mode = failedOnly ? ResendMode.FailedOnly : email is not null ? ResendMode.To : ResendMode.Everyone;
        var request = new ResendRequest(id, mode, email, force, DryRun: true, requestId, RequestedBy);
        if (DigestResender.Check(request) is { } invalid)
        {
            return Problem(StatusCodes.Status400BadRequest, RefusalText(invalid));
        }

        if (await digests.FindAsync(id, cancellationToken) is null)
        {
            return NoDigest(id);
        }

        var key = "resend:" + requestId;
        if (!dryRun && operations.FindRunning(key) is { } running)
        {
            return Accepted(running, urls, requestId);
        }

        // A dry run first answers refusals (400) and repeats (200) now instead of in an operation to poll.
        var plan = await resender.ResendAsync(request, null, cancellationToken);
        if (plan.Refusal is not null)
        {
            return Problem(StatusCodes.Status400BadRequest, RefusalText(plan));
        }

        // A repeat, a dry run, or nobody to send to (nothing recorded): answered now, with no operation to poll.
        if (plan.Repeated || dryRun || plan.Recipients.Count == 0)
        {
            return JsonOutput.Result(new { requestId, repeated = plan.Repeated, resendId = plan.ResendId, recipients = plan.Recipients, dryRun });
        }

        var operation = operations.Start("resend", key, async (operation, token) =>
        {
            var outcome = await resender.ResendAsync(request with { DryRun = false }, new Progress(operation), token);
            if (outcome.Refusal is not null)
            {
                throw new InvalidOperationException(RefusalText(outcome));
            }

            return new { requestId, repeated = outcome.Repeated, resendId = outcome.ResendId, recipients = outcome.Recipients, digest = DigestLocation(urls, id) };
        });
        return Accepted(operation, urls, requestId);
    }

    /// <summary>The resender's reason, with what to do next in this API's terms.</summary>
    private static string RefusalText(ResendOutcome outcome) => outcome.RefusalKind switch
    {
        ResendRefusal.RequestId => $"requestId is 1 to {DigestResender.MaxRequestIdLength} characters.",
        ResendRefusal.ForceWithoutAddress =>
            "force applies only to a resend to one address ({\"email\": \"...\", \"force\": true}), which it lets reach an address still pending.",
        ResendRefusal.NotSubscriber => $"Not resent: {outcome.Refusal}; add it first (POST /admin/subscribers).",
        ResendRefusal.NeedsForce => $"Not resent: {outcome.Refusal}; send \"force\": true to send it a copy anyway.",
        _ => $"Not resent: {outcome.Refusal}.",
    };

    private static async Task<IResult> PreviewAsync(string? format, DigestPreview preview, CancellationToken cancellationToken)
    {
        if (format is not (null or "html" or "text"))
        {
            return Problem(StatusCodes.Status400BadRequest, $"format '{format}' is not known; use html (the default) or text.");
        }

        var message = await preview.RenderAsync(null, cancellationToken);
        if (message is null)
        {
            return Problem(StatusCodes.Status404NotFound, "There is nothing to preview: no post was published since the last digest.");
        }

        return format == "text"
            ? Results.Text(DigestPreview.TextPage(message), "text/plain; charset=utf-8")
            : Results.Content(DigestPreview.HtmlPage(message), "text/html; charset=utf-8");
    }

    private static async Task<IResult> ListSubscribersAsync(string? status, SubscriberStore store, CancellationToken cancellationToken)
    {
        SubscriberStatus? only = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!SubscriberStore.TryParseStatus(status, out var parsed))
            {
                return Problem(StatusCodes.Status400BadRequest, $"status '{status}' is not known; use pending, active or unsubscribed.");
            }

            only = parsed;
        }

        var subscribers = await store.ListAsync(only, cancellationToken);
        return JsonOutput.Result(subscribers.Select(s => s.ToJson()));
    }

    private static async Task<IResult> AddSubscriberAsync(HttpContext context, SubscriptionService service, CancellationToken cancellationToken)
    {
        var body = await ReadJsonAsync(context.Request, cancellationToken);
        if (body.Problem is { } problem)
        {
            return problem;
        }

        if (!TryString(body.Root, "email", out var email) || !TryString(body.Root, "name", out var name)
            || !TryBool(body.Root, "confirmed", out var confirmed) || email is null)
        {
            return Problem(StatusCodes.Status400BadRequest, "Send JSON such as {\"email\": \"you@example.org\", \"name\": \"Ann\", \"confirmed\": true}.");
        }

        var outcome = await service.AddAsync(email, name, confirmed, cancellationToken);
        return outcome.Result switch
        {
            AddResult.Added => JsonOutput.Result(Json(outcome), statusCode: StatusCodes.Status201Created),
            AddResult.Activated => JsonOutput.Result(Json(outcome)),
            AddResult.Known when outcome.Mail != ConfirmationMail.NotNeeded => JsonOutput.Result(Json(outcome)),
            AddResult.Invalid => Problem(StatusCodes.Status400BadRequest, $"Not added: {outcome.Error}."),
            AddResult.Unsubscribed => Problem(StatusCodes.Status409Conflict,
                $"{outcome.Subscriber?.Email} unsubscribed earlier and is kept as a suppression; only the subscriber can subscribe again."),
            _ => Problem(StatusCodes.Status409Conflict, $"{outcome.Subscriber?.Email} is already a subscriber ({SubscriberStore.StatusText(outcome.Subscriber!.Status)})."),
        };
    }

    private static async Task<IResult> RemoveSubscriberAsync(string? email, SubscriptionService service, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return Problem(StatusCodes.Status400BadRequest, "Say which address to remove: DELETE /admin/subscribers?email=you@example.org.");
        }

        return await service.RemoveAsync(email, cancellationToken) is { } removed
            ? JsonOutput.Result(removed.ToJson())
            : Problem(StatusCodes.Status404NotFound, $"{email} is not a subscriber.");
    }

    private static async Task<IResult> ImportAsync(HttpContext context, string? confirmed, SubscriberCsv csv, AdminOperations operations,
        SiteUrls urls, CancellationToken cancellationToken)
    {
        if (!bool.TryParse(confirmed ?? "false", out var active))
        {
            return Problem(StatusCodes.Status400BadRequest, $"confirmed '{confirmed}' is true or false.");
        }

        var type = context.Request.ContentType ?? "";
        if (!(type.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) || type.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase)
            || type.StartsWith("application/csv", StringComparison.OrdinalIgnoreCase)))
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Send the CSV file as the body with Content-Type: text/csv.");
        }

        // Small files are read into memory; a big one goes to a temporary file the operation reads and deletes.
        var buffer = new MemoryStream();
        var limit = new byte[InlineImportBytes + 1];
        var read = 0;
        while (read < limit.Length && await context.Request.Body.ReadAsync(limit.AsMemory(read), cancellationToken) is var n and > 0)
        {
            read += n;
        }

        var source = "admin upload";
        if (read <= InlineImportBytes)
        {
            buffer.Write(limit, 0, read);
            buffer.Position = 0;
            using var reader = new StreamReader(buffer, Encoding.UTF8);
            var report = await csv.ImportAsync(reader, source, active, null, cancellationToken);
            return report.Error is { } error ? Problem(StatusCodes.Status400BadRequest, $"Not imported: {error}.") : JsonOutput.Result(Json(report));
        }

        var file = await SpoolAsync(Path.GetTempPath(), limit.AsMemory(0, read), context.Request.Body, cancellationToken);

        var operation = operations.Start("import", null, async (operation, token) =>
        {
            try
            {
                using var reader = new StreamReader(file, Encoding.UTF8);
                var report = await csv.ImportAsync(reader, source, active, new Progress<int>(rows => operation.Report(new { rows })), token);
                return report.Error is { } error ? throw new InvalidDataException($"Not imported: {error}.") : Json(report);
            }
            finally
            {
                File.Delete(file);
            }
        });
        return Accepted(operation, urls);
    }

    /// <summary>
    /// Writes an upload too big to import while the request waits to a new file in <paramref name="folder"/> (the
    /// temporary folder), created readable by the service's user only (0600): it holds subscribers' addresses. The file
    /// is deleted if the upload breaks off.
    /// </summary>
    internal static async Task<string> SpoolAsync(string folder, ReadOnlyMemory<byte> head, Stream rest, CancellationToken cancellationToken)
    {
        var file = Path.Combine(folder, $"syndicate-import-{Guid.NewGuid():N}.csv");
        var stream = PrivateFiles.CreateFile(file);
        try
        {
            await using (stream)
            {
                await stream.WriteAsync(head, cancellationToken);
                await rest.CopyToAsync(stream, cancellationToken);
            }
        }
        catch
        {
            File.Delete(file);
            throw;
        }

        return file;
    }

    /// <summary>
    /// An added (or pending, or made active) subscriber with what became of its confirmation mail: confirmationMail is
    /// sent, failed (with confirmationMailError), recentlySent (one went out within Subscribers:ConfirmationInterval) or notNeeded.
    /// </summary>
    private static Dictionary<string, object?> Json(AddOutcome outcome)
    {
        var json = outcome.Subscriber!.ToJson();
        json["confirmationMail"] = outcome.Mail switch
        {
            ConfirmationMail.Sent => "sent",
            ConfirmationMail.Failed => "failed",
            ConfirmationMail.RecentlySent => "recentlySent",
            _ => "notNeeded",
        };
        json["confirmationMailError"] = outcome.Mail == ConfirmationMail.Failed ? outcome.MailError : null;
        return json;
    }

    private static object Json(ImportReport report) => new
    {
        added = report.Added,
        known = report.Known,
        suppressed = report.Suppressed,
        invalid = report.Invalid.Select(i => new { line = i.Line, reason = i.Reason }),
    };

    private static string? DigestLocation(SiteUrls urls, long? id) => id is null ? null : AdminPath(urls, $"/digests/{id}");

    private static AcceptedAt Accepted(AdminOperation operation, SiteUrls urls, string? requestId = null)
    {
        var location = AdminPath(urls, "/operations/" + operation.Id);
        return new AcceptedAt(location, JsonOutput.Result(new { operation = operation.Id, kind = operation.Kind, location, requestId },
            statusCode: StatusCodes.Status202Accepted));
    }

    private static IResult NoDigest(long id) => Problem(StatusCodes.Status404NotFound, $"There is no digest {id}; GET /admin/digests lists them.");

    private static IResult Problem(int status, string detail) => Results.Problem(detail, statusCode: status);

    /// <summary>
    /// The methods of the admin endpoints whose route matches <paramref name="path"/>: a known path asked with another
    /// method gets 405 with Allow (as the public endpoints do), not the catch-all's 404.
    /// </summary>
    internal static string[] AllowedMethods(EndpointDataSource endpoints, IInlineConstraintResolver constraints, HttpContext context)
    {
        var path = context.Request.Path;
        var methods = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not { HttpMethods.Count: > 0 } metadata
                || endpoint.RoutePattern.RawText is not { } pattern
                || pattern.Contains("**", StringComparison.Ordinal))
            {
                continue;
            }

            var values = new RouteValueDictionary();
            var matcher = new TemplateMatcher(TemplateParser.Parse(pattern), new RouteValueDictionary());
            if (matcher.TryMatch(path, values) && MeetsConstraints(endpoint.RoutePattern, values, constraints, context))
            {
                methods.UnionWith(metadata.HttpMethods);
            }
        }

        return [.. methods];
    }

    /// <summary>The route's inline constraints ({id:long}) hold for the matched values: /admin/digests/abc is no digest path.</summary>
    private static bool MeetsConstraints(Microsoft.AspNetCore.Routing.Patterns.RoutePattern pattern, RouteValueDictionary values,
        IInlineConstraintResolver constraints, HttpContext context)
    {
        foreach (var parameter in pattern.Parameters)
        {
            foreach (var policy in parameter.ParameterPolicies)
            {
                if (policy.Content is { } text && constraints.ResolveConstraint(text) is { } constraint
                    && !constraint.Match(context, null, parameter.Name, values, RouteDirection.IncomingRequest))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static IResult NotAllowed(HttpContext context, string[] allowed)
    {
        context.Response.Headers.Allow = string.Join(", ", allowed);
        return Problem(StatusCodes.Status405MethodNotAllowed,
            $"{context.Request.Method} is not allowed on {context.Request.Path}; use {string.Join(" or ", allowed)}.");
    }

    private static async Task<(JsonElement Root, IResult? Problem)> ReadJsonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return (default, Problem(StatusCodes.Status415UnsupportedMediaType, "Send a JSON body with Content-Type: application/json."));
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? (document.RootElement.Clone(), null)
                : (default, Problem(StatusCodes.Status400BadRequest, "The body is JSON but not an object."));
        }
        catch (JsonException ex)
        {
            return (default, Problem(StatusCodes.Status400BadRequest, $"The body is not JSON: {ex.Message}"));
        }
    }

    private static bool TryBool(JsonElement json, string name, out bool value)
    {
        value = false;
        if (!TryProperty(json, name, out var element) || element.ValueKind is JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            return false;
        }

        value = element.GetBoolean();
        return true;
    }

    private static bool TryString(JsonElement json, string name, out string? value)
    {
        value = null;
        if (!TryProperty(json, name, out var element) || element.ValueKind is JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind is not JsonValueKind.String)
        {
            return false;
        }

        value = element.GetString();
        return true;
    }

    /// <summary>A property by name in any case (failedOnly, FailedOnly, failedonly), as ASP.NET's own binding reads JSON.</summary>
    private static bool TryProperty(JsonElement json, string name, out JsonElement value)
    {
        foreach (var property in json.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>A digest run's counts reported into the operation as they change.</summary>
    private sealed class Progress(AdminOperation operation) : IProgress<DigestSummary>
    {
        public void Report(DigestSummary value) => operation.Report(value);
    }

    /// <summary>202 with Location: the operation to poll (RFC 9110 15.3.3).</summary>
    internal sealed class AcceptedAt(string location, IResult body) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return body.ExecuteAsync(httpContext);
        }
    }
}
