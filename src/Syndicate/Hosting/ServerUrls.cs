using System.Globalization;
using System.Net;
using System.Net.Sockets;
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

/// <summary>Reads and checks Urls before the server starts, so that a wrong or busy address stops the start with one sentence.</summary>
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

        // Kestrel listens on every interface for a host name other than localhost (it does not look the name up): say so
        // instead of opening the service to the network behind the operator's back.
        if (address.Host is not ("*" or "+") && !address.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            && !IPAddress.TryParse(address.Host.Trim('[', ']'), out _))
        {
            problem = $"Urls '{text}' names the host '{address.Host}'; the server listens on an IP address, localhost or every interface, {Example} " +
                "(http://0.0.0.0:5080 for every interface; the blog's public name belongs in Site:BaseUrl).";
            return false;
        }

        if (address.Port == 0 && address.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            problem = $"Urls '{text}': port 0 (any free port) works only with an IP address, for example Urls=http://127.0.0.1:0.";
            return false;
        }

        url = new ServerUrl(text, address.Host, address.Port, IsPipe: false);
        return true;
    }

    /// <summary>
    /// The sentence that stops the start when an address in <paramref name="urls"/> cannot be listened on (another
    /// program holds it, the port needs rights, the machine has no such address), or null when every one can. Each
    /// address is bound as Kestrel binds it and let go at once, before anything starts: a second service on a busy
    /// port stops before it touches the database or the feed files.
    /// </summary>
    public static string? FindUnavailable(string urls)
    {
        foreach (var entry in Split(urls))
        {
            if (!TryParse(entry, out var url, out _) || url.IsPipe || url.Port == 0)
            {
                continue;
            }

            if (Unavailable(url) is { } error)
            {
                return CannotListen($"cannot listen on {url.Text}: {Reason(error)}");
            }
        }

        return null;
    }

    /// <summary>The sentence for an address the server could not listen on, <paramref name="problem"/> naming it and why.</summary>
    public static string CannotListen(string problem) =>
        $"Syndicate cannot start: {problem.TrimEnd('.')}; set Urls to a free address, for example Urls=http://127.0.0.1:5081.";

    /// <summary>What keeps Kestrel from listening on <paramref name="url"/>, trying the same addresses it tries, in the same order.</summary>
    private static SocketException? Unavailable(ServerUrl url)
    {
        if (url.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            // Kestrel listens on both loopbacks and goes on with one of them, unless the port is taken on either.
            var ipv4 = TryBind(new IPEndPoint(IPAddress.Loopback, url.Port));
            var ipv6 = TryBind(new IPEndPoint(IPAddress.IPv6Loopback, url.Port));
            return ipv4?.SocketErrorCode == SocketError.AddressAlreadyInUse ? ipv4
                : ipv6?.SocketErrorCode == SocketError.AddressAlreadyInUse ? ipv6
                : ipv6 is not null ? ipv4
                : null;
        }

        if (IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip))
        {
            return TryBind(new IPEndPoint(ip, url.Port));
        }

        // *, + and names: every interface, IPv6 and IPv4 on one socket, or IPv4 alone where IPv6 is not to be had.
        var any = TryBind(new IPEndPoint(IPAddress.IPv6Any, url.Port));
        return any is null || any.SocketErrorCode == SocketError.AddressAlreadyInUse ? any : TryBind(new IPEndPoint(IPAddress.Any, url.Port));
    }

    private static SocketException? TryBind(IPEndPoint endpoint)
    {
        try
        {
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(endpoint);
            return null;
        }
        catch (SocketException ex)
        {
            return ex;
        }
    }

    private static string Reason(SocketException error) => error.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "another program already listens there",
        SocketError.AccessDenied => "this user may not listen on that port (ports below 1024 need extra rights)",
        SocketError.AddressNotAvailable => "this machine has no such address",
        _ => error.Message,
    };
}
