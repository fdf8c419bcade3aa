using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Syndicate.Hosting;

namespace Syndicate.IntegrationTests.Infrastructure;

/// <summary>
/// The real service (SyndicateProgram.CreateService) on Kestrel at 127.0.0.1:0 over a test's site,
/// with its log recorded and a plain HttpClient that sees the content codings as sent.
/// </summary>
internal sealed class RunningService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private RunningService(WebApplication app, HttpClient client, LogRecorder logs, Uri address)
    {
        _app = app;
        Client = client;
        Logs = logs;
        Address = address;
    }

    public HttpClient Client { get; }

    public LogRecorder Logs { get; }

    /// <summary>The address Kestrel bound, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Address { get; }

    /// <param name="services">Registers a test's own parts (a mail transport), before the service registers its own.</param>
    public static async Task<RunningService> StartAsync(
        TestSite site, IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? time = null, Action<IServiceCollection>? services = null)
    {
        var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Site:BaseUrl"] = TestSite.BaseUrl,
            ["Site:Title"] = "Integration blog",
            ["Site:Author"] = "Ida Tester",
            ["Posts:Folder"] = "posts",
            ["Feeds:OutputFolder"] = "out",
        };
        foreach (var (key, value) in site.Database.Settings)
        {
            configuration[key] = value;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var logs = new LogRecorder();
        var app = SyndicateProgram.CreateService(site.Root, builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Information);
            builder.Logging.AddFilter("Syndicate", LogLevel.Debug);
            builder.Logging.AddProvider(logs);
            if (time is not null)
            {
                builder.Services.AddSingleton(time);
            }

            services?.Invoke(builder.Services);
        });

        try
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var address = new Uri(bound.TrimEnd('/') + "/");
        var client = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(30),
        };
        return new RunningService(app, client, logs, address);
    }

    public Task<HttpResponseMessage> GetAsync(string path, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Get, path, configure);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path);
        configure?.Invoke(request);
        return await Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>The identity body of a feed, or null while it is not served (404).</summary>
    public async Task<byte[]?> GetBodyAsync(string path)
    {
        using var response = await GetAsync(path);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
    }

    public async Task<string?> GetETagAsync(string path)
    {
        using var response = await GetAsync(path);
        return response.StatusCode == HttpStatusCode.OK ? response.Headers.ETag?.ToString() : null;
    }

    /// <summary>Stops the service as SIGTERM or Ctrl+C does: the host's own shutdown, within its ShutdownTimeout.</summary>
    public async Task StopAsync()
    {
        _stopped = true;
        await _app.StopAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        // The service's log goes to the test's output, which the runner shows when the test fails.
        if (TestContext.Current.TestOutputHelper is { } output)
        {
            foreach (var entry in Logs.Entries)
            {
                output.WriteLine(entry.ToString());
            }
        }

        Client.Dispose();
        if (!_stopped)
        {
            await _app.StopAsync(CancellationToken.None);
        }

        await _app.DisposeAsync();
    }
}
