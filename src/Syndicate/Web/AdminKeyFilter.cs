using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Syndicate.Web;

/// <summary>
/// The gate in front of every /admin endpoint: 404 while Admin:ApiKey is empty (the API does not exist), else
/// 401 unless the request carries <c>Authorization: Bearer KEY</c>, compared in constant time. The page at
/// /admin/ui carries <see cref="AdminPage"/> and is served without the header: it holds no data, and the key is
/// typed into it. It is also the edge of an admin request: a failure is logged once and answered as a problem.
/// One instance serves every admin endpoint (a singleton), so what it remembers holds for all of them.
/// </summary>
internal sealed class AdminKeyFilter(IOptionsMonitor<AdminOptions> options, ILogger<AdminKeyFilter> logger) : IEndpointFilter
{
    /// <summary>The validation failure of Admin:ApiKey last logged, so a bad key reloaded from appsettings.json is logged once, not per request.</summary>
    private string? _reported;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        string key;
        try
        {
            key = options.CurrentValue.ApiKey;
        }
        catch (OptionsValidationException ex)
        {
            // appsettings.json was reloaded with a key the validator refuses: /admin is closed until it is fixed. The
            // validator's sentences never quote the key.
            if (Interlocked.Exchange(ref _reported, ex.Message) != ex.Message)
            {
                AdminLog.KeyInvalid(logger, ex.Message);
            }

            return Results.Problem($"The admin API is unavailable until Admin:ApiKey is fixed in the configuration: {ex.Message}",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (Interlocked.Exchange(ref _reported, null) is not null)
        {
            AdminLog.KeyValidAgain(logger);
        }

        if (key.Length == 0)
        {
            return Results.Problem("Not found.", statusCode: StatusCodes.Status404NotFound);
        }

        var page = http.GetEndpoint()?.Metadata.GetMetadata<AdminPage>() is not null;
        if (!page && Refusal(http.Request.Headers.Authorization.ToString(), key) is { } reason)
        {
            AdminLog.Refused(logger, http.Request.Method, http.Request.Path, reason);
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"syndicate-admin\"";
            return Results.Problem($"This needs the admin key: {reason}.", statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthorized");
        }

        try
        {
            return await next(context);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            AdminLog.RequestFailed(logger, ex, http.Request.Method, http.Request.Path, ex.Message);
            return Results.Problem($"The request failed: {ex.Message}", statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    /// <summary>Why a header does not let the request in (never quoting what was sent), or null when it does.</summary>
    internal static string? Refusal(string header, string key)
    {
        if (header.Length == 0)
        {
            return "send the header Authorization: Bearer followed by Admin:ApiKey";
        }

        var space = header.IndexOf(' ', StringComparison.Ordinal);
        // RFC 9110 11.1: the scheme is case-insensitive.
        if (space < 0 || !header.AsSpan(0, space).Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return "the Authorization scheme must be Bearer";
        }

        return Matches(header[(space + 1)..].Trim(), key) ? null : "the key is not the one configured";
    }

    /// <summary>Compares hashes, so neither the contents nor the length of the key leak through timing.</summary>
    internal static bool Matches(string offered, string key) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(offered)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

/// <summary>Marks the admin page: gated by the key being set, not by the header (the browser has no key until it is typed).</summary>
internal sealed class AdminPage;

internal static partial class AdminLog
{
    [LoggerMessage(6101, LogLevel.Warning, "Admin request {Method} {Path} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string method, string path, string reason);

    [LoggerMessage(6102, LogLevel.Error, "Admin request {Method} {Path} failed: {Reason}")]
    public static partial void RequestFailed(ILogger logger, Exception exception, string method, string path, string reason);

    [LoggerMessage(6103, LogLevel.Information, "Admin operation {OperationId} ({Kind}) started")]
    public static partial void OperationStarted(ILogger logger, string operationId, string kind);

    [LoggerMessage(6104, LogLevel.Information, "Admin operation {OperationId} ({Kind}) finished")]
    public static partial void OperationFinished(ILogger logger, string operationId, string kind);

    [LoggerMessage(6105, LogLevel.Error, "Admin operation {OperationId} ({Kind}) failed: {Reason}")]
    public static partial void OperationFailed(ILogger logger, Exception exception, string operationId, string kind, string reason);

    [LoggerMessage(6106, LogLevel.Error, "The admin API answers 503 until Admin:ApiKey is fixed in the configuration: {Reason}")]
    public static partial void KeyInvalid(ILogger logger, string reason);

    [LoggerMessage(6107, LogLevel.Information, "Admin:ApiKey is valid again; the admin API answers again")]
    public static partial void KeyValidAgain(ILogger logger);

    [LoggerMessage(6108, LogLevel.Information, "Admin operation {OperationId} ({Kind}) stopped with the service; an unfinished digest is resumed at the next start")]
    public static partial void OperationStopped(ILogger logger, string operationId, string kind);
}
