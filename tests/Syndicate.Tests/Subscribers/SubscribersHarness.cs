using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Syndicate.Mail;
using Syndicate.Site;
using Syndicate.Storage;
using Syndicate.Subscribers;
using Syndicate.Tests.Mail;
using Syndicate.Tests.Support;
using Syndicate.Tests.Templates;

namespace Syndicate.Tests.Subscribers;

/// <summary>
/// The subscriber parts wired by hand over a real database (a SQLite file in a test's own temp folder, or a PostgreSQL database of its own), a fake clock and a
/// transport that records every message. One harness per test.
/// </summary>
internal sealed class SubscribersHarness : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 15, 0, TimeSpan.Zero);

    public SubscribersHarness(SubscribersOptions? subscribers = null, TempFolder? folder = null)
    {
        Folder = folder ?? new TempFolder();
        Options = subscribers ?? new SubscribersOptions { TokenSecret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)) };
        var environment = new TestHostEnvironment(Folder.Path);
        TestDatabase = Folder.Database("data/subscribers.db");
        Database = new Database(
            Microsoft.Extensions.Options.Options.Create(new StorageOptions { Provider = TestDatabase.Provider, ConnectionString = TestDatabase.ConnectionString }),
            environment,
            Time,
            NullLogger<Database>.Instance);
        Store = new SubscriberStore(Database);
        Tokens = new TokenSigner(System.Text.Encoding.UTF8.GetBytes(Options.TokenSecret));
        var site = Microsoft.Extensions.Options.Options.Create(new SiteOptions { Title = "Harness <Blog>", BaseUrl = "https://blog.example.org/" });
        var mail = Microsoft.Extensions.Options.Options.Create(new MailOptions { From = "Blog <news@blog.example.org>" });
        var mailer = new ConfirmationMailer(TemplateFolders.ShippedSet(), new MailComposer(mail, Time), Transport, site);
        Service = new SubscriptionService(
            Store, Tokens, mailer, Queue, new SiteUrls(site), Microsoft.Extensions.Options.Options.Create(Options), Time, NullLogger<SubscriptionService>.Instance);
        Csv = new SubscriberCsv(Store, Time, NullLogger<SubscriberCsv>.Instance);
    }

    public TempFolder Folder { get; }

    public SubscribersOptions Options { get; }

    public FakeTimeProvider Time { get; } = new(Start);

    public RecordingTransport Transport { get; } = new();

    public Database Database { get; }

    /// <summary>The SQLite file or PostgreSQL database the harness runs on.</summary>
    public Syndicate.Testing.TestDatabase TestDatabase { get; }

    public SubscriberStore Store { get; }

    public TokenSigner Tokens { get; }

    public SubscriptionService Service { get; }

    /// <summary>The public form's confirmation mails, waiting for <see cref="SendQueuedAsync"/> (the service's background sender).</summary>
    public ConfirmationQueue Queue { get; } = new();

    public SubscriberCsv Csv { get; }

    public string DatabaseFile => Folder.Combine("data/subscribers.db");

    public IReadOnlyList<MimeMessage> Mails =>
        Transport.Messages.Select(bytes => MimeMessage.Load(new MemoryStream(bytes))).ToList();

    public static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>The confirm link of a confirmation mail, from its text part.</summary>
    public static string ConfirmToken(MimeMessage mail)
    {
        var match = System.Text.RegularExpressions.Regex.Match(mail.TextBody ?? "", @"https://blog\.example\.org/confirm/(?<token>[A-Za-z0-9_-]+)");
        Assert.True(match.Success, "no confirm link in the text part:\n" + mail.TextBody);
        return match.Groups["token"].Value;
    }

    /// <summary>A request from the public form, then the confirmation mail it queued sent, as the background sender would.</summary>
    public async Task<SubscribeOutcome> SubscribeAsync(string? email, string? name)
    {
        var outcome = await Service.SubscribeAsync(email, name, Cancel);
        await SendQueuedAsync(Queue, Service);
        return outcome;
    }

    /// <summary>Sends every confirmation mail waiting in <paramref name="queue"/> through <paramref name="service"/>, as the background sender does.</summary>
    public static async Task SendQueuedAsync(ConfirmationQueue queue, SubscriptionService service)
    {
        while (queue.TryDequeue(out var subscriberId))
        {
            await service.SendQueuedConfirmationAsync(subscriberId, Cancel);
        }
    }

    public async Task<Subscriber> RowAsync(string email) =>
        await Store.FindByEmailAsync(email, Cancel) ?? throw new Xunit.Sdk.XunitException($"no row for {email}");

    public async Task<long> CountRowsAsync()
    {
        await using var connection = await Database.OpenAsync(Cancel);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM subscribers");
    }

    public async Task<ImportReport> ImportFileAsync(string path, bool confirmed = false)
    {
        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        return await Csv.ImportAsync(reader, Path.GetFileName(path), confirmed, null, Cancel);
    }

    public void Dispose()
    {
        Database.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Folder.Dispose();
    }
}
