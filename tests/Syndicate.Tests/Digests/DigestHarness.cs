using System.Collections.Concurrent;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Syndicate.Digests;
using Syndicate.Hosting;
using Syndicate.Mail;
using Syndicate.Posts;
using Syndicate.Storage;
using Syndicate.Subscribers;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Digests;

/// <summary>
/// The real digest services (AddSyndicate) over a test's own folder: posts/, a real database (a SQLite file in data/ or a PostgreSQL database of the folder's own), a fake
/// clock and a transport that records every message. A second harness over the same folder is the service
/// restarted, possibly with other settings.
/// </summary>
internal sealed class DigestHarness : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 15, 0, TimeSpan.Zero);

    public const string BaseUrl = "https://blog.example.org/";

    public const string TokenSecret = "unit-digest-token-secret-0123456789abcdef0123456789";

    private readonly IHost _host;
    private readonly bool _ownsFolder;
    private int _writes;

    public DigestHarness(IReadOnlyDictionary<string, string?>? settings = null, TempFolder? folder = null, FakeTimeProvider? time = null)
    {
        _ownsFolder = folder is null;
        Folder = folder ?? new TempFolder();
        Directory.CreateDirectory(Folder.Combine("posts"));
        Time = time ?? new FakeTimeProvider(Start);
        var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Site:Title"] = "Unit Blog",
            ["Site:BaseUrl"] = BaseUrl,
            ["Posts:Folder"] = "posts",
            ["Mail:From"] = "Unit Blog <news@blog.example.org>",
            ["Subscribers:TokenSecret"] = TokenSecret,
        };
        foreach (var (key, value) in Folder.Database("data/digests.db").Settings)
        {
            configuration[key] = value;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = Folder.Path,
            EnvironmentName = "Test",
        });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddSyndicate();
        builder.Services.AddSingleton<TimeProvider>(Time);
        builder.Services.AddSingleton<IMailTransport>(Transport);
        _host = builder.Build();
    }

    public TempFolder Folder { get; }

    public FakeTimeProvider Time { get; }

    public ConcurrentRecordingTransport Transport { get; } = new();

    public IServiceProvider Services => _host.Services;

    public DigestService Digests => Services.GetRequiredService<DigestService>();

    public DigestMessages Messages => Services.GetRequiredService<DigestMessages>();

    public PostCatalog Catalog => Services.GetRequiredService<PostCatalog>();

    public SubscriberStore Subscribers => Services.GetRequiredService<SubscriberStore>();

    public SubscriptionService Subscriptions => Services.GetRequiredService<SubscriptionService>();

    public Database Database => Services.GetRequiredService<Database>();

    public static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Every message handed to the transport so far, parsed from its bytes.</summary>
    public IReadOnlyList<MimeMessage> Mails => Transport.Messages.Select(bytes => MimeMessage.Load(new MemoryStream(bytes))).ToList();

    /// <summary>Writes a post (front matter with title and date, optional extra lines) with a write time of its own, so a scan sees every write.</summary>
    public string WritePost(string file, string title, string date, string extra = "", string body = "A paragraph of the post.")
    {
        var path = Folder.Write("posts/" + file, $"---\ntitle: \"{title}\"\ndate: {date}\n{extra}---\n{body}\n");
        File.SetLastWriteTimeUtc(path, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(++_writes));
        return path;
    }

    /// <summary>Reads the posts folder, as the watcher does while the service runs.</summary>
    public void Scan() => Catalog.Scan();

    /// <summary>Scans, then plans a digest of the posts no digest carried yet.</summary>
    public async Task<PlannedDigest?> PlanAsync()
    {
        Scan();
        return await Digests.PlanAsync("test", Cancel);
    }

    /// <summary>A new installation over an archive of one post: the first recording, which marks it as carried.</summary>
    public async Task BaselineAsync()
    {
        WritePost("archive.md", "Archive", "2025-12-01");
        Assert.Null(await PlanAsync());
    }

    /// <summary>The titles of a digest's posts, in digest order.</summary>
    public async Task<string[]> TitlesAsync(long digestId) =>
        (await Digests.PostsAsync(digestId, Cancel)).Select(post => post.Title).ToArray();

    /// <summary>Delivers a planned digest with the real sender and returns its counts afterwards.</summary>
    public async Task<DigestSummary> SendAsync(long digestId)
    {
        Assert.True(await Services.GetRequiredService<DigestSender>().SendAsync(digestId, null, Cancel));
        return await Digests.FindAsync(digestId, Cancel) ?? throw new Xunit.Sdk.XunitException($"no digest {digestId}");
    }

    public async Task<Subscriber> AddSubscriberAsync(string email, SubscriberStatus status = SubscriberStatus.Active, string name = "") =>
        await Subscribers.TryAddAsync(email, name, status, "test", Time.GetUtcNow(), Cancel) ?? throw new Xunit.Sdk.XunitException($"{email} is known already");

    public async Task<long> CountAsync(string sql, object? parameters = null)
    {
        await using var connection = await Database.OpenAsync(Cancel);
        return await connection.ExecuteScalarAsync<long>(sql, parameters);
    }

    /// <summary>The delivery rows of a digest as (subscriber id, status, attempts), by subscriber.</summary>
    public async Task<IReadOnlyList<(long SubscriberId, string Status, long Attempts)>> DeliveriesAsync(long digestId)
    {
        await using var connection = await Database.OpenAsync(Cancel);
        var rows = await connection.QueryAsync<(long, string, long)>(
            "SELECT subscriber_id, status, attempts FROM deliveries WHERE digest_id = @digestId ORDER BY subscriber_id", new { digestId });
        return rows.ToList();
    }

    public void Dispose()
    {
        _host.Dispose();
        SqliteConnection.ClearAllPools();
        if (_ownsFolder)
        {
            Folder.Dispose();
        }
    }
}

/// <summary>Keeps the bytes of every message as the wire would carry them; safe for the sender's parallel deliveries.</summary>
internal sealed class ConcurrentRecordingTransport : IMailTransport
{
    private readonly ConcurrentQueue<byte[]> _messages = new();

    public IReadOnlyList<byte[]> Messages => _messages.ToArray();

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await message.WriteToAsync(format, stream, cancellationToken);
        _messages.Enqueue(stream.ToArray());
    }
}
