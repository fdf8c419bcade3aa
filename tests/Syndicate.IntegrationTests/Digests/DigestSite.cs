using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;
using Syndicate.Digests;
using Syndicate.Hosting;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.IntegrationTests.Mail;
using Syndicate.Posts;
using Syndicate.Storage;
using Syndicate.Subscribers;

namespace Syndicate.IntegrationTests.Digests;

/// <summary>
/// A test site whose digests go by SMTP to an in-process <see cref="SmtpTestServer"/>: its own database
/// (the SQLite file data/d.db or a PostgreSQL database), an archive post recorded as the baseline, N active subscribers, one new post; the real services
/// in process (<see cref="OpenAsync"/>) or the CLI as a child process over appsettings.json.
/// </summary>
internal sealed partial class DigestSite : IAsyncDisposable
{
    public const string TokenSecret = "digest-integration-token-secret-0123456789abcdef";

    private DigestSite(SmtpTestServer server) => Server = server;

    public TestSite Site { get; } = new("data/d.db");

    public SmtpTestServer Server { get; }

    public string Root => Site.Root;

    public static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static async Task<DigestSite> StartAsync() => new(await SmtpTestServer.StartAsync());

    /// <summary>The settings the in-process services and appsettings.json share; <paramref name="extra"/> wins.</summary>
    public Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(Site.Database.Settings, StringComparer.OrdinalIgnoreCase)
        {
            ["Site:Title"] = "Digest blog",
            ["Site:BaseUrl"] = TestSite.BaseUrl,
            ["Posts:Folder"] = "posts",
            ["Feeds:OutputFolder"] = "out",
            ["Subscribers:TokenSecret"] = TokenSecret,
            ["Mail:Mode"] = "Smtp",
            ["Mail:From"] = "Digest blog <news@blog.example.test>",
            ["Mail:Smtp:Host"] = "127.0.0.1",
            ["Mail:Smtp:Port"] = Server.Port.ToString(CultureInfo.InvariantCulture),
            ["Mail:Smtp:Security"] = "None",
            ["Mail:Smtp:MaxConnections"] = "4",
            ["Digest:RetryDelay"] = "00:00:00.2",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>The real services (as a one-shot verb has them) in this process; dispose before a child process uses the file.</summary>
    public Services Open(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = Root });
        builder.Configuration.AddInMemoryCollection(Settings(extra));
        builder.Services.AddSyndicate();
        return new Services(builder.Build());
    }

    /// <summary>
    /// A new installation with one archive post (the baseline, never mailed), <paramref name="subscribers"/> active
    /// subscribers s0001@example.test..., and a new post for the next digest. Returns the subscriber ids.
    /// </summary>
    public async Task<IReadOnlyList<long>> SeedAsync(int subscribers)
    {
        Site.WritePost("archive.md", "Archive", "2025-12-01");
        var ids = new List<long>(subscribers);
        using (var services = Open())
        {
            services.Get<PostCatalog>().Scan();
            await services.Get<DigestService>().RecordPublishedAsync(Cancel);
            await using var connection = await services.Get<Database>().OpenAsync(Cancel);
            await using var transaction = await connection.BeginTransactionAsync(Cancel);
            for (var i = 1; i <= subscribers; i++)
            {
                var added = await SubscriberStore.TryAddAsync(connection, transaction, Address(i), $"Reader {i}", SubscriberStatus.Active, "test",
                    DateTimeOffset.UtcNow);
                ids.Add(added!.Id);
            }

            await transaction.CommitAsync(Cancel);
        }

        Site.WritePost("news.md", "News of the week", "2026-01-15");
        SqliteConnection.ClearAllPools();
        return ids;
    }

    public static string Address(int i) => $"s{i:0000}@example.test";

    /// <summary>The messages the server accepted, parsed.</summary>
    public IReadOnlyList<MimeMessage> Received() => Server.Messages.Select(bytes => MimeMessage.Load(new MemoryStream(bytes))).ToList();

    /// <summary>How many copies each digest Message-ID arrived in, by subscriber id, for digest <paramref name="digestId"/>.</summary>
    public Dictionary<long, int> CopiesBySubscriber(long digestId)
    {
        var copies = new Dictionary<long, int>();
        foreach (var message in Received())
        {
            var match = DigestMessageId().Match(message.MessageId ?? "");
            Assert.True(match.Success, $"'{message.MessageId}' is not a digest Message-ID");
            Assert.Equal(digestId, long.Parse(match.Groups["digest"].Value, CultureInfo.InvariantCulture));
            var subscriber = long.Parse(match.Groups["subscriber"].Value, CultureInfo.InvariantCulture);
            copies[subscriber] = copies.GetValueOrDefault(subscriber) + 1;
        }

        return copies;
    }

    /// <summary>Copies per recipient address, as the server saw them.</summary>
    public Dictionary<string, int> CopiesByRecipient() =>
        Received().GroupBy(m => m.To.Mailboxes.Single().Address, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key.ToLowerInvariant(), g => g.Count(), StringComparer.Ordinal);

    /// <summary>Delivery rows of a digest as (email, status, attempts, last error), read with a connection that pools nothing.</summary>
    public IReadOnlyList<(string Email, string Status, long Attempts, string? Error)> Deliveries(long digestId)
    {
        using var connection = Site.Database.Open();
        return connection.Query<(string, string, long, string?)>(
            "SELECT s.email, d.status, d.attempts, d.last_error FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.digest_id = @digestId ORDER BY s.id",
            new { digestId }).ToList();
    }

    /// <summary>The settings as the appsettings.json of the site's folder, for child processes.</summary>
    public void WriteAppSettings(IReadOnlyDictionary<string, string?>? extra = null) => AppSettingsFile.Write(Root, Settings(extra));

    /// <summary>From now on the server accepts <paramref name="address"/> again.</summary>
    public void Accept(string address) => Server.Forget(address);

    /// <summary>Starts <c>dotnet Syndicate.dll ARGS</c> in the site's folder with its output collected; the caller waits or kills it.</summary>
    public ChildProcess Start(params string[] arguments) => ChildProcess.Start(Root, arguments);

    /// <summary>Runs a verb to its end (at most 60 s).</summary>
    public Task<CliResult> RunAsync(params string[] arguments) => SyndicateCli.RunAsync(Root, arguments);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Site.Dispose();
    }

    [GeneratedRegex(@"^digest-(?<digest>\d+)\.(?<subscriber>\d+)@blog\.example\.test$")]
    private static partial Regex DigestMessageId();

    /// <summary>The real services of one site, built but not started (as a one-shot verb has them).</summary>
    internal sealed class Services(IHost host) : IDisposable
    {
        public T Get<T>()
            where T : notnull => host.Services.GetRequiredService<T>();

        public void Dispose()
        {
            host.Dispose();
            SqliteConnection.ClearAllPools();
        }
    }
}

/// <summary>A running <c>dotnet Syndicate.dll</c> child whose output is collected line by line, so a test can kill it half-way.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _error = new();

    private ChildProcess(Process process) => _process = process;

    public string Output => string.Join('\n', _output);

    public string Error => string.Join('\n', _error);

    public bool HasExited => _process.HasExited;

    /// <summary>The process id, as the service writes it into its delivery claims (host:pid).</summary>
    public int Id => _process.Id;

    public static ChildProcess Start(string workingDirectory, string[] arguments)
    {
        var start = new ProcessStartInfo(SyndicateCli.DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Syndicate.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(key => key.Contains("__", StringComparison.Ordinal) || key.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                child._output.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                child._error.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Sends SIGINT, as Ctrl+C in a terminal does; the process decides how it ends (Linux and macOS only).</summary>
    public void Interrupt()
    {
        const int SigInt = 2;
        if (Kill(_process.Id, SigInt) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGINT) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Ends the process and everything it started at once, as a power cut or kill -9 would.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    public async Task<int> WaitAsync(TimeSpan limit)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"the child process did not end within {limit.TotalSeconds:0} s\n--- stdout\n{Output}\n--- stderr\n{Error}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    // DllImport rather than LibraryImport, whose generated code needs unsafe blocks in the test project.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
