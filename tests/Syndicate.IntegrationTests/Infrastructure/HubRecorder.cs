using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Syndicate.IntegrationTests.Infrastructure;

/// <summary>One POST the hub received.</summary>
internal sealed record HubPing(string? ContentType, string? Mode, string? Url);

/// <summary>A stand-in WebSub hub: a second Kestrel application on 127.0.0.1:0 that records every POST to /hub.</summary>
internal sealed class HubRecorder : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<HubPing> _pings;

    private HubRecorder(WebApplication app, ConcurrentQueue<HubPing> pings, string url)
    {
        _app = app;
        _pings = pings;
        Url = url;
    }

    /// <summary>The hub's address, for Feeds:WebSubHub.</summary>
    public string Url { get; }

    public IReadOnlyList<HubPing> Pings => _pings.ToArray();

    public static async Task<HubRecorder> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var pings = new ConcurrentQueue<HubPing>();
        app.MapPost("/hub", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            pings.Enqueue(new HubPing(request.ContentType, form["hub.mode"], form["hub.url"]));
            return Results.NoContent();
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new HubRecorder(app, pings, address.TrimEnd('/') + "/hub");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
