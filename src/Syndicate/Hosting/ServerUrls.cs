using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Syndicate.Hosting;

/// <summary>One entry of Urls as Kestrel reads it: a host (an IP address, localhost, or * + or a name for every interface) and a port.</summary>
internal sealed record ServerUrl(string Text, string Host, int Port, bool IsPipe);

/// <summary>Urls, the addresses the HTTP server listens on: Kestrel's form, several separated by <c>;</c>.</summary>
internal sealed class ServerUrlsOptions
{
    /// <summary>Urls as Kestrel will read it; empty when Kestrel:Endpoints replaces it.</summary>
    public string Urls { get; set; } = SyndicateProgram.DefaultUrls;
}

internal sealed class ServerUrlsOptionsValidator : IValidateOptions<ServerUrlsOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerUrlsOptions options)
    {
        var failures = new List<string>();
        foreach (var entry in ServerUrls.Split(options.Urls))
        {
            if (!ServerUrls.TryParse(entry, out _, out var problem))
            {
                failures.Add(problem);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Reads and checks Urls before the server starts, so that a wrong address stops the start with one sentence.</summary>
internal static class ServerUrls
{
    private const string Example = "for example Urls=http://127.0.0.1:5080";

    /// <summary>
    /// The Urls the server will listen on (the service sets the default when none is configured), or none when
    /// Kestrel:Endpoints is configured, since Kestrel then listens on those instead.
    /// </summary>
    public static string Effective(IConfiguration configuration) =>
        configuration.GetSection("Kestrel:Endpoints").GetChildren().Any() ? "" : configuration["Urls"] ?? "";

    public static IEnumerable<string> Split(string? urls) =>
        (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Parses one entry of Urls as Kestrel does, or says in one sentence what is wrong with it and how to write it.</summary>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ServerUrl? url,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
    {
        url = null;
        problem = null;
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            problem = $"Urls '{text}' is not an address to listen on; write http:// or https://, a host and a port, {Example} (several separated by ;).";
            return false;
        }

        var scheme = text[..schemeEnd];
        if (!scheme.Equals("http", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
        {
            problem = $"Urls '{text}' must start with http:// or https://, {Example}.";
            return false;
        }

        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(text);
        }
        catch (FormatException)
        {
            problem = $"Urls '{text}' has no host; write a host and a port, {Example} (http://0.0.0.0:5080 listens on every interface).";
            return false;
        }

        if (address.IsUnixPipe || address.IsNamedPipe)
        {
            url = new ServerUrl(text, address.Host, 0, IsPipe: true);
            return true;
        }

        if (address.PathBase.Length > 0)
        {
            problem = $"Urls '{text}' has a path; the server listens on a host and port only, {Example} (the blog's own path belongs in Site:BaseUrl).";
            return false;
        }

        // Kestrel takes a port that is not a number as part of the host, and would then listen on every interface at
        // port 80; a number past 65535 it rejects only when it binds. Both are caught here, with the address named.
        var rest = text[(schemeEnd + 3)..];
        var authority = rest.Split('/')[0];
        var portStart = authority.LastIndexOf(':');
        if (portStart >= 0 && portStart > authority.LastIndexOf(']'))
        {
            var port = authority[(portStart + 1)..];
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > IPEndPoint.MaxPort)
            {
                problem = $"Urls '{text}' has port '{port}'; a port is a number from 1 to 65535, {Example}.";
                return false;
            }
        }

        if (address.Port == 0 && address.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            problem = $"Urls '{text}': port 0 (any free port) works only with an IP address, for example Urls=http://127.0.0.1:0.";
            return false;
        }

        url = new ServerUrl(text, address.Host, address.Port, IsPipe: false);
        return true;
    }
}
