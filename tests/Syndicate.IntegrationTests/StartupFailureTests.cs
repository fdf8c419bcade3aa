using System.Net;
using System.Net.Sockets;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.Testing;

namespace Syndicate.IntegrationTests;

/// <summary>
/// A setting the service cannot start with stops `serve` (and every verb) with one sentence naming the key and the fix:
/// no exception, no stack trace, and nothing written before it.
/// </summary>
public sealed class StartupFailureTests : IDisposable
{
    private readonly TestSite _site = new();

    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task Serve_PortInUse_OneSentenceNamingUrlsAndNothingTouched()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)other.LocalEndpoint).Port}";
        WriteSettings(new() { ["Urls"] = address });

        var result = await SyndicateCli.RunAsync(_site.Root, "serve");

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(Lines(result.Error));
        Assert.Equal(
            $"Syndicate cannot start: cannot listen on {address}: another program already listens there; set Urls to a free address, for example Urls=http://127.0.0.1:5081.",
            line);
        AssertNoStackTrace(result);
        Assert.True(Lines(result.Output).Length <= 2, result.ToString());
        // Stopped before the database (and the schedule in it) and the feed files were touched.
        Assert.False(Directory.Exists(_site.Output), "no feed files are written when the port is taken");
        if (!TestDatabase.IsPostgres)
        {
            Assert.False(File.Exists(_site.DatabaseFile), "the database is not opened when the port is taken");
        }
    }

    [Theory]
    [InlineData("notaurl", "Urls 'notaurl' is not an address to listen on;")]
    [InlineData("http://127.0.0.1:99999", "Urls 'http://127.0.0.1:99999' has port '99999'; a port is a number from 1 to 65535,")]
    [InlineData("http://127.0.0.1:abc", "Urls 'http://127.0.0.1:abc' has port 'abc';")]
    [InlineData("ftp://127.0.0.1:5080", "Urls 'ftp://127.0.0.1:5080' must start with http:// or https://,")]
    [InlineData("http://127.0.0.1:5080/blog", "Urls 'http://127.0.0.1:5080/blog' has a path;")]
    [InlineData("http://blog.example.org:5392", "Urls 'http://blog.example.org:5392' names the host 'blog.example.org';")]
    [InlineData("http://127.0.0.1:0;http://[::1]:70000", "Urls 'http://[::1]:70000' has port '70000';")]
    public async Task Serve_UrlsNotAnAddress_NamesUrlsAndTheFix(string urls, string expected)
    {
        WriteSettings(new() { ["Urls"] = urls });

        var result = await SyndicateCli.RunAsync(_site.Root, "serve");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("Syndicate cannot start: the configuration needs a change.", result.Error, StringComparison.Ordinal);
        var line = Assert.Single(Lines(result.Error), line => line.Contains("Urls", StringComparison.Ordinal) && !line.StartsWith("Settings", StringComparison.Ordinal));
        Assert.StartsWith(expected, line, StringComparison.Ordinal);
        Assert.Contains("for example Urls=http://127.0.0.1:", line, StringComparison.Ordinal);
        AssertNoStackTrace(result);
        Assert.False(Directory.Exists(_site.Output), "nothing is published with a wrong Urls");
    }

    [Theory]
    [InlineData("serve", "Mail:Smtp:Port", "abc", "must be a whole number (digits only, no units).")]
    [InlineData("serve", "Posts:RescanInterval", "30s", "must be a time span written hours:minutes:seconds, such as 00:00:30")]
    [InlineData("build", "Posts:MaxFileBytes", "5MB", "must be a whole number (digits only, no units).")]
    [InlineData("build", "Posts:RescanInterval", "abc", "must be a time span written hours:minutes:seconds, such as 00:00:30")]
    [InlineData("status", "Mail:Smtp:MessagesPerSecond", "fast", "must be a number, such as 2.5")]
    [InlineData("digest list", "Digest:RetryDelay", "abc", "must be a time span")]
    [InlineData("subscribers list", "Mail:Smtp:Port", "99999999999", "is out of range; it must be a whole number from -2147483648 to 2147483647.")]
    public async Task Verb_ValueOfTheWrongType_NamesKeyValueAndWhatIsExpected(string verb, string key, string value, string expected)
    {
        WriteSettings(new() { [key] = value });

        var result = await SyndicateCli.RunAsync(_site.Root, verb.Split(' '));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("Syndicate cannot start: the configuration needs a change.", result.Error, StringComparison.Ordinal);
        var line = Assert.Single(Lines(result.Error), line => line.Contains(key, StringComparison.Ordinal));
        Assert.StartsWith($"{key} '{value}' ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Failed to convert", result.Error, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Serve_WrongTypesAndWrongValuesInSeveralSections_NamesEveryOne()
    {
        WriteSettings(new() { ["Mail:Smtp:Port"] = "abc", ["Posts:MaxFileBytes"] = "abc", ["Site:BaseUrl"] = "blog.example.test", ["Urls"] = "notaurl" });

        var result = await SyndicateCli.RunAsync(_site.Root, "serve");

        Assert.True(result.ExitCode == 1, result.ToString());
        foreach (var key in new[] { "Mail:Smtp:Port 'abc'", "Posts:MaxFileBytes 'abc'", "Site:BaseUrl", "Urls 'notaurl'" })
        {
            Assert.Single(Lines(result.Error), line => line.StartsWith(key, StringComparison.Ordinal));
        }

        AssertNoStackTrace(result);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("status")]
    [InlineData("build")]
    public async Task Verb_AppSettingsNotValidJson_OneSentenceWithTheFileAndLine(string verb)
    {
        File.WriteAllText(Path.Combine(_site.Root, "appsettings.json"), "{\n  \"Site\": { \"BaseUrl\": \"https://example.org/\" }\n  \"Posts\": {}\n}\n");

        var result = await SyndicateCli.RunAsync(_site.Root, verb);

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(Lines(result.Error));
        Assert.StartsWith($"Syndicate cannot start: {Path.Combine(_site.Root, "appsettings.json")} is not valid JSON: line 3, position 3: ", line, StringComparison.Ordinal);
        Assert.EndsWith("and start again.", line, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Theory]
    [InlineData("build", "Feeds:OutputFolder")]
    [InlineData("serve", "Feeds:OutputFolder")]
    [InlineData("serve", "Mail:PickupFolder")]
    public async Task Verb_FolderSettingNamesAFile_SaysItIsAFile(string verb, string key)
    {
        WriteSettings(new() { [key] = "appsettings.json" });

        var result = await SyndicateCli.RunAsync(_site.Root, verb);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("Syndicate cannot start: the configuration needs a change.", result.Error, StringComparison.Ordinal);
        var line = Assert.Single(Lines(result.Error), line => line.StartsWith(key, StringComparison.Ordinal));
        Assert.StartsWith($"{key} 'appsettings.json' is a file ({Path.Combine(_site.Root, "appsettings.json")}), not a folder;", line, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Serve_SqliteDataFolderIsAFile_OneSentenceNamingTheConnectionString()
    {
        WriteSettings(new() { ["Storage:Provider"] = "Sqlite", ["Storage:ConnectionString"] = "Data Source=appsettings.json/syndicate.db" });

        var result = await SyndicateCli.RunAsync(_site.Root, "serve");

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(Lines(result.Error));
        Assert.StartsWith($"Syndicate cannot start: cannot open the database ({Path.Combine(_site.Root, "appsettings.json", "syndicate.db")}): ", line, StringComparison.Ordinal);
        Assert.Contains("check Storage:ConnectionString", line, StringComparison.Ordinal);
        AssertNoStackTrace(result);
        Assert.False(Directory.Exists(_site.Output), "no feed files are written without a database");
    }

    [Fact]
    public async Task Serve_PostgresUnreachable_OneSentenceAndNoHostStackTrace()
    {
        WriteSettings(new()
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=postgres;Password=secret-not-shown;Database=nowhere;Timeout=3",
        });

        var result = await SyndicateCli.RunAsync(_site.Root, "serve");

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(Lines(result.Error));
        Assert.StartsWith("Syndicate cannot start: cannot open the database (", line, StringComparison.Ordinal);
        Assert.EndsWith("check Storage:ConnectionString and that the PostgreSQL server is running and reachable.", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-not-shown", result.Output + result.Error, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:01:00")]
    public async Task Verb_ClaimLeaseZeroOrNegative_NamesTheKey(string lease)
    {
        WriteSettings(new() { ["Digest:ClaimLease"] = lease });

        var result = await SyndicateCli.RunAsync(_site.Root, "digest", "send-now");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("Syndicate cannot start: the configuration needs a change.", result.Error, StringComparison.Ordinal);
        var line = Assert.Single(Lines(result.Error), line => line.StartsWith("Digest:ClaimLease", StringComparison.Ordinal));
        Assert.Contains("must be between 00:00:01 and 1.00:00:00", line, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    private static string[] Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void AssertNoStackTrace(CliResult result)
    {
        Assert.DoesNotContain("Exception", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", result.Output, StringComparison.Ordinal);
    }

    /// <summary>appsettings.json for the site, its posts folder and database, with <paramref name="settings"/> over them.</summary>
    private void WriteSettings(Dictionary<string, string?> settings)
    {
        _site.WritePost("2026-05-01-first.md", "First post");
        var all = new Dictionary<string, string?>(_site.Database.Settings)
        {
            ["Site:BaseUrl"] = TestSite.BaseUrl,
            ["Posts:Folder"] = "posts",
            ["Feeds:OutputFolder"] = "out",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        AppSettingsFile.Write(_site.Root, all);
    }
}
