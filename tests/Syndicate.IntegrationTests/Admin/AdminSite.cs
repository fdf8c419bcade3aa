using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MimeKit;
using Syndicate.Digests;
using Syndicate.Hosting;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.IntegrationTests.Mail;
using Syndicate.Posts;
using Syndicate.Storage;
using Syndicate.Subscribers;
using Syndicate.Web;

namespace Syndicate.IntegrationTests.Admin;

/// <summary>
/// A test site for the admin API: its own database (the SQLite file data/a.db or a PostgreSQL database), an in-process SMTP server, an archive post
/// recorded as the baseline, active subscribers a01@example.test..., one new post for the next digest, and the
/// real service on Kestrel at 127.0.0.1:0 with /admin on (or off), its log recorded.
/// </summary>
internal sealed class AdminSite : IAsyncDisposable
{
    public const string ApiKey = "admin-test-key-5f0c1d2e3a4b5c6d7e8f";

    private WebApplication? _app;

    private AdminSite(SmtpTestServer server) => Server = server;

    public TestSite Site { get; } = new("data/a.db");

    public SmtpTestServer Server { get; }

    public LogRecorder Logs { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public Uri Address { get; private set; } = null!;

    public static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static async Task<AdminSite> CreateAsync() => new(await SmtpTestServer.StartAsync());

    public static string Subscriber(int i) => $"a{i:00}@example.test";

    public Dictionary<string, string?> Settings(string? apiKey) => new(Site.Database.Settings, StringComparer.OrdinalIgnoreCase)
    {
        ["Urls"] = "http://127.0.0.1:0",
        ["Site:Title"] = "Admin blog",
        ["Site:BaseUrl"] = TestSite.BaseUrl,
        ["Posts:Folder"] = "posts",
        ["Feeds:OutputFolder"] = "out",
        ["Subscribers:TokenSecret"] = "admin-integration-token-secret-0123456789abcdef",
        ["Mail:Mode"] = "Smtp",
        ["Mail:From"] = "Admin blog <news@blog.example.test>",
        ["Mail:Smtp:Host"] = "127.0.0.1",
        ["Mail:Smtp:Port"] = Server.Port.ToString(CultureInfo.InvariantCulture),
        ["Mail:Smtp:Security"] = "None",
        ["Digest:RetryDelay"] = "00:00:00.2",
        ["Admin:ApiKey"] = apiKey ?? "",
    };

    /// <summary>
    /// A new installation with one archive post (the baseline, never mailed), <paramref name="subscribers"/> active
    /// subscribers and, unless <paramref name="newPost"/> is false, a new post for the next digest.
    /// </summary>
    public async Task SeedAsync(int subscribers, bool newPost = true)
    {
        Site.WritePost("archive.md", "Archive", "2025-12-01");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = Site.Root });
        builder.Configuration.AddInMemoryCollection(Settings(null));
        builder.Services.AddSyndicate();
        using (var host = builder.Build())
        {
            host.Services.GetRequiredService<PostCatalog>().Scan();
            await host.Services.GetRequiredService<DigestService>().RecordPublishedAsync(Cancel);
            await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(Cancel);
            for (var i = 1; i <= subscribers; i++)
            {
                await SubscriberStore.TryAddAsync(connection, null, Subscriber(i), $"Reader {i}", SubscriberStatus.Active, "test", DateTimeOffset.UtcNow);
            }
        }

        if (newPost)
        {
            Site.WritePost("news.md", "News of the week", "2026-01-15");
        }

        SqliteConnection.ClearAllPools();
    }

    /// <summary>
    /// Starts the service; <paramref name="apiKey"/> null leaves Admin:ApiKey empty (/admin off). <paramref name="settings"/>
    /// changes the settings first (a key removed is read from the site's appsettings.json).
    /// </summary>
    public async Task StartAsync(string? apiKey = ApiKey, Action<Dictionary<string, string?>>? settings = null)
    {
        var values = Settings(apiKey);
        settings?.Invoke(values);
        var app = SyndicateProgram.CreateService(Site.Root, builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(Logs);
        });

        try
        {
            await app.StartAsync(Cancel);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        _app = app;
        var bound = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        Address = new Uri(bound.TrimEnd('/') + "/");
        Client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public T Get<T>()
        where T : notnull => _app!.Services.GetRequiredService<T>();

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null, string? authorization = "key",
        Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (authorization == "key")
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        }
        else if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        configure?.Invoke(request);
        return await Client.SendAsync(request, Cancel);
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<HttpResponseMessage> PostJsonAsync(string path, object body, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Post, path, JsonContent.Create(body), configure: configure);

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 7807 problem with <paramref name="status"/> and returns its detail.</summary>
    public static async Task<string> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem.GetProperty("detail").GetString() ?? "";
    }

    /// <summary>Follows a 202's Location until the operation is no longer running; returns the operation.</summary>
    public async Task<JsonElement> WaitForOperationAsync(HttpResponseMessage accepted)
    {
        var body = await JsonAsync(accepted, HttpStatusCode.Accepted);
        var location = accepted.Headers.Location?.OriginalString;
        Assert.NotNull(location);
        Assert.StartsWith("/admin/operations/", location, StringComparison.Ordinal);
        Assert.Equal(location, body.GetProperty("location").GetString());
        var operation = await Eventually.ValueAsync(
            async () => await JsonAsync(await GetAsync(location), HttpStatusCode.OK),
            op => op.GetProperty("state").GetString() != "running", "the operation to finish", TimeSpan.FromSeconds(30));
        Assert.True(operation.GetProperty("state").GetString() == "succeeded", operation.ToString());
        return operation.GetProperty("result");
    }

    /// <summary>The messages the SMTP server accepted, by recipient address.</summary>
    public Dictionary<string, int> CopiesByRecipient() =>
        Server.Messages.Select(bytes => MimeMessage.Load(new MemoryStream(bytes)))
            .GroupBy(m => m.To.Mailboxes.Single().Address.ToLowerInvariant(), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>Delivery rows of a digest as (email, status), read with a connection that pools nothing.</summary>
    public IReadOnlyList<(string Email, string Status)> Deliveries(long digestId)
    {
        using var connection = Site.Database.Open();
        return connection.Query<(string, string)>(
            "SELECT s.email, d.status FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.digest_id = @digestId ORDER BY d.id",
            new { digestId }).ToList();
    }

    /// <summary>From now on the server accepts <paramref name="address"/> again.</summary>
    public void Accept(string address) => Server.Forget(address);

    /// <summary>Sends the next digest through the API and returns its id once every delivery ended.</summary>
    public async Task<long> SendDigestAsync()
    {
        var result = await WaitForOperationAsync(await SendAsync(HttpMethod.Post, "/admin/digests"));
        return result.GetProperty("digestId").GetInt64();
    }

    public async ValueTask DisposeAsync()
    {
        if (TestContext.Current.TestOutputHelper is { } output)
        {
            foreach (var entry in Logs.Entries)
            {
                output.WriteLine(entry.ToString());
            }
        }

        Client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        await Server.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Site.Dispose();
    }
}
