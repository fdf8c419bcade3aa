using System.Text;
using System.Text.Json;
using Dapper;
using MimeKit;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.Subscribers;

namespace Syndicate.IntegrationTests.Subscribers;

/// <summary>
/// A test site with its own database (the SQLite file data/s.db or a PostgreSQL database), pickup folder (outbox/) and a known token key, so a test can
/// read the rows, the .eml files, and make the tokens a digest mail would carry.
/// </summary>
internal sealed class SubscriberSite : IDisposable
{
    public const string TokenSecret = "integration-token-secret-0123456789abcdef0123456789";

    public TestSite Site { get; } = new("data/s.db");

    public string Root => Site.Root;

    public string DatabaseFile => Site.DatabaseFile;

    public string Outbox => Path.Combine(Site.Root, "outbox");

    public TokenSigner Tokens { get; } = new(Encoding.UTF8.GetBytes(TokenSecret));

    /// <summary>The settings for the in-process host; RequestsPerMinute high unless the test is about the limit.</summary>
    public Dictionary<string, string?> Settings(int? requestsPerMinute = 1000)
    {
        var settings = new Dictionary<string, string?>(Site.Database.Settings)
        {
            ["Mail:PickupFolder"] = Outbox,
            ["Subscribers:TokenSecret"] = TokenSecret,
        };
        if (requestsPerMinute is { } limit)
        {
            settings["Subscribers:RequestsPerMinute"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return settings;
    }

    public Task<RunningService> StartAsync(int? requestsPerMinute = 1000) => RunningService.StartAsync(Site, Settings(requestsPerMinute));

    /// <summary>
    /// The mails in the pickup folder once there are at least <paramref name="count"/>: the public form's confirmation mail
    /// is sent in the background, shortly after the answer.
    /// </summary>
    public async Task<MimeMessage[]> MailsAsync(int count = 1)
    {
        await Eventually.UntilAsync(() => MailFiles().Length >= count, $"{count} mail(s) in {Outbox}");
        return Mails();
    }

    /// <summary>appsettings.json in the content root, for the CLI child processes (relative paths, as an operator writes them).</summary>
    public void WriteAppSettings() => File.WriteAllText(Path.Combine(Site.Root, "appsettings.json"), $$"""
        {
          "Site": { "Title": "CLI blog", "BaseUrl": "{{TestSite.BaseUrl}}" },
          "Storage": { "Provider": {{JsonSerializer.Serialize(Site.Database.Provider)}}, "ConnectionString": {{JsonSerializer.Serialize(Site.Database.ConnectionString)}} },
          "Mail": { "Mode": "Pickup", "PickupFolder": "outbox", "From": "Blog <news@blog.example.test>" },
          "Subscribers": { "TokenSecret": "{{TokenSecret}}" }
        }
        """);

    public string[] MailFiles() => Directory.Exists(Outbox) ? Directory.GetFiles(Outbox, "*.eml").Order(StringComparer.Ordinal).ToArray() : [];

    public MimeMessage[] Mails() => MailFiles().Select(file => MimeMessage.Load(file)).ToArray();

    /// <summary>The token of the confirm link in a mail's text part.</summary>
    public static string ConfirmToken(MimeMessage mail)
    {
        var match = System.Text.RegularExpressions.Regex.Match(mail.TextBody ?? "", @"https://blog\.example\.test/confirm/(?<token>[A-Za-z0-9_-]+)");
        Assert.True(match.Success, "no confirm link in the text part:\n" + mail.TextBody);
        return match.Groups["token"].Value;
    }

    /// <summary>The row of an address (id, status, name), or null; read with a connection of its own that pools nothing.</summary>
    public (long Id, string Status, string Name)? Row(string email)
    {
        if (!Exists())
        {
            return null;
        }

        using var connection = Site.Database.Open(readOnly: true);
        var rows = connection.Query<(long, string, string)>(
            "SELECT id, status, name FROM subscribers WHERE email_key = @key", new { key = email.ToLowerInvariant() }).ToList();
        return rows.Count == 0 ? null : rows.Single();
    }

    /// <summary>The stored unsubscribe time of an address, as the database holds it (null while it has not left).</summary>
    public string? UnsubscribedAt(string email)
    {
        using var connection = Site.Database.Open(readOnly: true);
        return connection.ExecuteScalar<string?>(
            "SELECT unsubscribed_at FROM subscribers WHERE email_key = @key", new { key = email.ToLowerInvariant() });
    }

    /// <summary>When the last confirmation mail of an address went out, as stored (null when none is claimed).</summary>
    public string? ConfirmationSentAt(string email)
    {
        using var connection = Site.Database.Open(readOnly: true);
        return connection.ExecuteScalar<string?>(
            "SELECT confirmation_sent_at FROM subscribers WHERE email_key = @key", new { key = email.ToLowerInvariant() });
    }

    public long RowCount()
    {
        if (!Exists())
        {
            return 0;
        }

        using var connection = Site.Database.Open(readOnly: true);
        return connection.ExecuteScalar<long>("SELECT COUNT(*) FROM subscribers");
    }

    /// <summary>
    /// Whether the site's database has been created with its schema: the SQLite file exists, or the subscribers
    /// table does in the PostgreSQL database.
    /// </summary>
    public bool Exists()
    {
        if (!Syndicate.Testing.TestDatabase.IsPostgres)
        {
            return File.Exists(DatabaseFile);
        }

        using var connection = Site.Database.Open(readOnly: true);
        return connection.ExecuteScalar<bool>("SELECT to_regclass('subscribers') IS NOT NULL");
    }

    public void Dispose() => Site.Dispose();
}
