using System.Text;
using Microsoft.Data.Sqlite;
using MimeKit;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.Subscribers;

namespace Syndicate.IntegrationTests.Subscribers;

/// <summary>
/// A test site with its own SQLite file (data/s.db), pickup folder (outbox/) and a known token key, so a test can
/// read the rows, the .eml files, and make the tokens a digest mail would carry.
/// </summary>
internal sealed class SubscriberSite : IDisposable
{
    public const string TokenSecret = "integration-token-secret-0123456789abcdef0123456789";

    public TestSite Site { get; } = new();

    public string Root => Site.Root;

    public string DatabaseFile => Path.Combine(Site.Root, "data", "s.db");

    public string Outbox => Path.Combine(Site.Root, "outbox");

    public TokenSigner Tokens { get; } = new(Encoding.UTF8.GetBytes(TokenSecret));

    /// <summary>The settings for the in-process host; RequestsPerMinute high unless the test is about the limit.</summary>
    public Dictionary<string, string?> Settings(int? requestsPerMinute = 1000)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = "Data Source=" + DatabaseFile,
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

    /// <summary>appsettings.json in the content root, for the CLI child processes (relative paths, as an operator writes them).</summary>
    public void WriteAppSettings() => File.WriteAllText(Path.Combine(Site.Root, "appsettings.json"), $$"""
        {
          "Site": { "Title": "CLI blog", "BaseUrl": "{{TestSite.BaseUrl}}" },
          "Storage": { "ConnectionString": "Data Source=data/s.db" },
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
        if (!File.Exists(DatabaseFile))
        {
            return null;
        }

        using var connection = new SqliteConnection($"Data Source={DatabaseFile};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, status, name FROM subscribers WHERE email_key = $key";
        command.Parameters.AddWithValue("$key", email.ToLowerInvariant());
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetString(1), reader.GetString(2)) : null;
    }

    public long RowCount()
    {
        if (!File.Exists(DatabaseFile))
        {
            return 0;
        }

        using var connection = new SqliteConnection($"Data Source={DatabaseFile};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM subscribers";
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose() => Site.Dispose();
}
