using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Syndicate.IntegrationTests.Admin;

/// <summary>
/// A reverse proxy on Kestrel at 127.0.0.1:0 that serves the service under a path and takes that path off, as one in
/// front of a site whose Site:BaseUrl has a path does (https://example.org/blog/ → the service at /): a request for
/// /blog/admin/ui reaches the service as /admin/ui; anything outside /blog is 404. Answers go back as they are.
/// </summary>
internal sealed class PrefixProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _upstream;

    private PrefixProxy(WebApplication app, HttpClient upstream, Uri address)
    {
        _app = app;
        _upstream = upstream;
        Address = address;
    }

    /// <summary>The proxy's own address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Address { get; }

    public static async Task<PrefixProxy> StartAsync(string prefix, Uri upstream)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = upstream,
        };
        app.Run(context => ForwardAsync(context, prefix, client));
        await app.StartAsync(TestContext.Current.CancellationToken);
        var bound = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new PrefixProxy(app, client, new Uri(bound.TrimEnd('/') + "/"));
    }

    private static async Task ForwardAsync(HttpContext context, string prefix, HttpClient upstream)
    {
        var path = context.Request.Path.Value ?? "";
        if (!path.StartsWith(prefix + "/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), path[prefix.Length..] + context.Request.QueryString);
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (!HopByHop.Contains(name) && !request.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        using var response = await upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
