using System.Text;
using System.Text.Json;
using Syndicate.IntegrationTests.Infrastructure;

namespace Syndicate.IntegrationTests.Subscribers;

/// <summary><c>dotnet Syndicate.dll subscribers ...</c> as real child processes in a content root with appsettings.json.</summary>
public sealed class SubscribersCommandTests : IDisposable
{
    private readonly SubscriberSite _site = new();

    public SubscribersCommandTests() => _site.WriteAppSettings();

    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task AddConfirmed_ThenListJson_ShowsItActiveAndNoMail()
    {
        var add = await RunAsync("subscribers", "add", "Ann@Example.org", "--name", "Ann Lee", "--confirmed");
        var list = await RunAsync("subscribers", "list", "--json");

        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Contains("Ann@example.org", add.Output, StringComparison.Ordinal);
        Assert.Contains("active", add.Output, StringComparison.Ordinal);
        Assert.True(list.ExitCode == 0, list.ToString());
        using var json = JsonDocument.Parse(list.Output);
        var entry = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal("Ann@example.org", entry.GetProperty("email").GetString());
        Assert.Equal("Ann Lee", entry.GetProperty("name").GetString());
        Assert.Equal("active", entry.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.String, entry.GetProperty("confirmedAt").ValueKind);
        // The fields GET /admin/subscribers has, so a script reads both the same way.
        Assert.Equal("operator", entry.GetProperty("source").GetString());
        Assert.Equal(["id", "email", "name", "status", "source", "createdAt", "confirmedAt", "unsubscribedAt"],
            entry.EnumerateObject().Select(property => property.Name));
        Assert.True(_site.Exists(), "the database is the one appsettings.json names (data/s.db on SQLite)");
        Assert.Empty(_site.MailFiles());
    }

    [Fact]
    public async Task AddWithoutConfirmed_PendingAndOneConfirmationEml()
    {
        var add = await RunAsync("subscribers", "add", "bob@example.org", "--name", "Bob");

        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Contains("pending", add.Output, StringComparison.Ordinal);
        Assert.Equal("pending", _site.Row("bob@example.org")?.Status);
        var mail = Assert.Single(_site.Mails());
        Assert.Equal("bob@example.org", Assert.Single(mail.To.Mailboxes).Address);
        Assert.Equal("Confirm your subscription to CLI blog", mail.Subject);
        Assert.True(_site.Tokens.TryRead(SubscriberSite.ConfirmToken(mail), Syndicate.Subscribers.TokenPurpose.Confirm, out var id, out _));
        Assert.Equal(_site.Row("bob@example.org")!.Value.Id, id);
    }

    [Fact]
    public async Task AddWithoutConfirmed_MailServerDown_SaysTheMailWasNotSentAndWhatToDo_ExitsOne_AndAddingAgainSendsIt()
    {
        var add = await RunAsync(MailServerDown(), "subscribers", "add", "bob@example.org", "--name", "Bob");

        Assert.True(add.ExitCode == 1, add.ToString());
        var id = _site.Row("bob@example.org")!.Value.Id;
        Assert.Equal((id, "pending", "Bob"), _site.Row("bob@example.org"));
        Assert.Empty(_site.MailFiles());
        Assert.DoesNotContain("mail was sent", add.Output + add.Error, StringComparison.Ordinal);
        Assert.Contains($"Added bob@example.org (id {id}) as pending, but the confirmation mail could not be sent: connection failed: Connection refused.",
            add.Error, StringComparison.Ordinal);
        Assert.Contains("Mail settings", add.Error, StringComparison.Ordinal);
        Assert.Contains("subscribers add bob@example.org --confirmed", add.Error, StringComparison.Ordinal);
        Assert.Contains("subscribe form", add.Error, StringComparison.Ordinal);
        // An expected failure, told in sentences: no exception, no stack trace.
        Assert.DoesNotContain("Exception", add.Output + add.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", add.Output + add.Error, StringComparison.Ordinal);

        // With mail working again (the pickup folder of appsettings.json), adding the pending address again sends the mail.
        var again = await RunAsync("subscribers", "add", "bob@example.org");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains($"bob@example.org is already known (id {id}, pending); a confirmation mail was sent again.", again.Output, StringComparison.Ordinal);
        var mail = Assert.Single(_site.Mails());
        Assert.Equal(("bob@example.org", "Bob"), (mail.To.Mailboxes.Single().Address, mail.To.Mailboxes.Single().Name));
        Assert.True(_site.Tokens.TryRead(SubscriberSite.ConfirmToken(mail), Syndicate.Subscribers.TokenPurpose.Confirm, out var confirmId, out _));
        Assert.Equal(id, confirmId);
        Assert.Equal("pending", _site.Row("bob@example.org")?.Status);
    }

    [Fact]
    public async Task AddConfirmed_AfterTheConfirmationMailFailed_MakesThePendingAddressActive()
    {
        var add = await RunAsync(MailServerDown(), "subscribers", "add", "bob@example.org");
        Assert.True(add.ExitCode == 1, add.ToString());

        var confirmed = await RunAsync("subscribers", "add", "bob@example.org", "--confirmed");

        Assert.True(confirmed.ExitCode == 0, confirmed.ToString());
        var id = _site.Row("bob@example.org")!.Value.Id;
        Assert.Contains($"bob@example.org (id {id}) was pending and is now active.", confirmed.Output, StringComparison.Ordinal);
        Assert.Equal("active", _site.Row("bob@example.org")?.Status);
        Assert.Empty(_site.MailFiles());
    }

    [Fact]
    public async Task Remove_KnownAddressUnsubscribed_UnknownExitsOne()
    {
        await RunAsync("subscribers", "add", "ann@example.org", "--confirmed");

        var remove = await RunAsync("subscribers", "remove", "ANN@example.org");
        var unknown = await RunAsync("subscribers", "remove", "nobody@example.org");
        var list = await RunAsync("subscribers", "list", "--status", "unsubscribed");
        var readd = await RunAsync("subscribers", "add", "ann@example.org", "--confirmed");

        Assert.True(remove.ExitCode == 0, remove.ToString());
        Assert.Contains("unsubscribed", remove.Output, StringComparison.Ordinal);
        Assert.Equal("unsubscribed", _site.Row("ann@example.org")?.Status);
        Assert.True(unknown.ExitCode == 1, unknown.ToString());
        Assert.Contains("nobody@example.org", unknown.Error, StringComparison.Ordinal);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("ann@example.org", list.Output, StringComparison.Ordinal);
        Assert.Contains("1 subscriber.", list.Output, StringComparison.Ordinal);
        Assert.True(readd.ExitCode == 1, readd.ToString());
        Assert.Equal("unsubscribed", _site.Row("ann@example.org")?.Status);
    }

    [Fact]
    public async Task Import_PrintsCountsAndTheInvalidLinesWithTheirNumbers_ExitsZero()
    {
        await RunAsync("subscribers", "add", "known@example.org", "--confirmed");
        await RunAsync("subscribers", "add", "gone@example.org", "--confirmed");
        await RunAsync("subscribers", "remove", "gone@example.org");
        var csv = Path.Combine(_site.Root, "people.csv");
        await File.WriteAllTextAsync(csv,
            "\"Email Address\",\"First Name\",\"Last Name\"\r\n"  // 1
            + "ann@example.org,Ann,\"Lee, Jr.\"\r\n"                // 2
            + "not-an-address,Bad,One\r\n"                          // 3
            + "\r\n"                                                // 4
            + "known@example.org,Known,Person\r\n"                  // 5
            + "gone@example.org,Gone,Person\r\n"                    // 6
            + "bob@localhost,Bad,Two\r\n"                           // 7
            + "carol@example.org,Carol,\r\n",                       // 8
            new UTF8Encoding(true),
            TestContext.Current.CancellationToken);

        var import = await RunAsync("subscribers", "import", "people.csv", "--confirmed");

        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Contains("2 added as active, 1 already known, 1 unsubscribed earlier and left out, 2 invalid.", import.Output, StringComparison.Ordinal);
        var all = import.Output + import.Error;
        Assert.Contains("people.csv:3: 'not-an-address' is not a valid email address", all, StringComparison.Ordinal);
        Assert.Contains("people.csv:7: 'bob@localhost' is not a valid email address", all, StringComparison.Ordinal);
        Assert.Equal(("active", "Ann Lee, Jr."), (_site.Row("ann@example.org")?.Status, _site.Row("ann@example.org")?.Name));
        Assert.Equal("active", _site.Row("carol@example.org")?.Status);
        Assert.Equal("unsubscribed", _site.Row("gone@example.org")?.Status);
        Assert.Empty(_site.MailFiles());
    }

    [Fact]
    public async Task Import_NoSuchFile_ExitsOneNamingIt()
    {
        var import = await RunAsync("subscribers", "import", "missing.csv");

        Assert.True(import.ExitCode == 1, import.ToString());
        Assert.Contains("missing.csv", import.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_UnterminatedQuote_ReportsItsLinesAndImportsTheSubscribersAfterIt()
    {
        await File.WriteAllTextAsync(Path.Combine(_site.Root, "t1.csv"),
            "email,name\n"                                   // 1
            + "ok1@example.com,One\n"                        // 2
            + "not-an-email,Two\n"                           // 3
            + "\"multi@example.com\",\"line one\n"            // 4
            + "line two\"\n"                                 // 5
            + "bad@@x,Three\n"                               // 6
            + ",\n"                                          // 7
            + "\n"                                           // 8
            + "ok2@example.com,\"unterminated\n"              // 9
            + "ok3@example.com,Four\n"                       // 10
            + "ok4@example.com,Five\n",                      // 11
            TestContext.Current.CancellationToken);

        var import = await RunAsync("subscribers", "import", "t1.csv");

        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Contains("4 added as pending", import.Output, StringComparison.Ordinal);
        Assert.Contains(", 3 invalid.", import.Output, StringComparison.Ordinal);
        Assert.Contains("t1.csv:3: 'not-an-email' is not a valid email address", import.Error, StringComparison.Ordinal);
        Assert.Contains("t1.csv:6: 'bad@@x' is not a valid email address", import.Error, StringComparison.Ordinal);
        Assert.Contains(
            "t1.csv:9: unbalanced quote: lines 9-11 were read as one record; close the quote or remove it (lines 10-11 were read again on their own)",
            import.Error, StringComparison.Ordinal);
        Assert.Equal(("pending", "Four"), (_site.Row("ok3@example.com")?.Status, _site.Row("ok3@example.com")?.Name));
        Assert.Equal(("pending", "Five"), (_site.Row("ok4@example.com")?.Status, _site.Row("ok4@example.com")?.Name));
        Assert.Null(_site.Row("ok2@example.com"));
        Assert.Equal(4, _site.RowCount());
    }

    [Fact]
    public async Task Import_AFolder_SaysItIsAFolder_ExitsOne()
    {
        Directory.CreateDirectory(Path.Combine(_site.Root, "dir.csv"));

        var import = await RunAsync("subscribers", "import", "dir.csv");

        Assert.True(import.ExitCode == 1, import.ToString());
        Assert.Contains("'dir.csv' is a folder, not a file; give the path of a CSV file", import.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("No file", import.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_ABinaryFile_OneSentenceWithoutItsBytes_ExitsOne()
    {
        // The start of a Windows executable: MZ, NUL bytes, a quote, and no line break for a while.
        byte[] bytes = [0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x22, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0xB8, 0x01, 0x1B, 0x5B, 0x32, 0x4A, 0x0A];
        await File.WriteAllBytesAsync(Path.Combine(_site.Root, "tool.exe"), bytes, TestContext.Current.CancellationToken);

        var import = await RunAsync("subscribers", "import", "tool.exe");

        Assert.True(import.ExitCode == 1, import.ToString());
        Assert.Contains("tool.exe: this does not look like CSV text: its first line has NUL or control characters, or bytes that are not UTF-8; "
            + "export the list as CSV (UTF-8) and import that file.", import.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("MZ", import.Output + import.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(import.Output + import.Error, c => c is '\0' or '\x1B' or '\uFFFD');
    }

    [Fact]
    public async Task Export_ToAFile_WritesEverySubscriberAndImportingItBackAddsNothing()
    {
        await RunAsync("subscribers", "add", "ann@example.org", "--name", "Lee, Ann", "--confirmed");
        await RunAsync("subscribers", "add", "bob@example.org");
        await RunAsync("subscribers", "add", "gone@example.org", "--confirmed");
        await RunAsync("subscribers", "remove", "gone@example.org");

        var export = await RunAsync("subscribers", "export", "all.csv");
        var import = await RunAsync("subscribers", "import", "all.csv");

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Contains("3 subscribers written to all.csv", export.Error, StringComparison.Ordinal);
        var lines = File.ReadAllLines(Path.Combine(_site.Root, "all.csv"));
        Assert.Equal("email,name,status,created_at,confirmed_at,unsubscribed_at", lines[0]);
        Assert.StartsWith("ann@example.org,\"Lee, Ann\",active,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("bob@example.org,,pending,", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("gone@example.org,,unsubscribed,", lines[3], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length);
        Assert.False(File.Exists(Path.Combine(_site.Root, "all.csv.tmp")));
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Contains("0 added", import.Output, StringComparison.Ordinal);
        Assert.Equal(3, _site.RowCount());
    }

    [Fact]
    public async Task Export_ToStandardOutput_IsTheCsv()
    {
        await RunAsync("subscribers", "add", "ann@example.org", "--confirmed");

        var export = await RunAsync("subscribers", "export");

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.StartsWith("email,name,status,created_at,confirmed_at,unsubscribed_at", export.Output, StringComparison.Ordinal);
        Assert.Contains("ann@example.org,,active,", export.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("subscribers", "frobnicate")]
    [InlineData("subscribers", "add")]
    [InlineData("subscribers", "list", "--no-such-option")]
    public async Task UnknownVerbOrMissingArgument_ExitsTwo(params string[] arguments)
    {
        var result = await RunAsync(arguments);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.NotEmpty(result.Error);
        Assert.False(_site.Exists(), "a refused command line touches no data");
    }

    [Fact]
    public async Task ListUnknownStatus_ExitsTwo()
    {
        var result = await RunAsync("subscribers", "list", "--status", "gone");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("pending, active or unsubscribed", result.Error, StringComparison.Ordinal);
    }

    /// <summary>Mail by SMTP to a loopback port nobody listens on, over the site's appsettings.json.</summary>
    private static Dictionary<string, string?> MailServerDown()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Dictionary<string, string?>
        {
            ["Mail__Mode"] = "Smtp",
            ["Mail__Smtp__Host"] = "127.0.0.1",
            ["Mail__Smtp__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private Task<CliResult> RunAsync(params string[] arguments) => RunAsync(null, arguments);

    private async Task<CliResult> RunAsync(Dictionary<string, string?>? environment, params string[] arguments)
    {
        var result = await SyndicateCli.RunAsync(_site.Root, environment, arguments);
        TestContext.Current.TestOutputHelper?.WriteLine($"$ syndicate {string.Join(' ', arguments)}\n{result}");
        return result;
    }
}
