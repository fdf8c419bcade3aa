using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using Syndicate.IntegrationTests.Digests;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.Testing;

namespace Syndicate.IntegrationTests.Operator;

/// <summary>One digest message as the SMTP server received it: whom it went to and which copy it is.</summary>
internal sealed record ReceivedCopy(string To, string MessageId, long DigestId, long SubscriberId, long ResendId, string Subject);

/// <summary>What the operator tests read back: the messages by Message-ID, the database as text, a port nothing listens on.</summary>
internal static partial class OperatorChecks
{
    /// <summary>Every message the server accepted, with its digest Message-ID taken apart (resend 0 for the digest's own copy).</summary>
    public static IReadOnlyList<ReceivedCopy> Copies(DigestSite site) =>
        site.Received().Select(message =>
        {
            var id = message.MessageId ?? "";
            var match = DigestMessageId().Match(id);
            Assert.True(match.Success, $"'{id}' is not a digest Message-ID (digest-D.S[.rN]@blog.example.test)");
            return new ReceivedCopy(
                message.To.Mailboxes.Single().Address.ToLowerInvariant(),
                id,
                long.Parse(match.Groups["digest"].Value, CultureInfo.InvariantCulture),
                long.Parse(match.Groups["subscriber"].Value, CultureInfo.InvariantCulture),
                match.Groups["resend"].Success ? long.Parse(match.Groups["resend"].Value, CultureInfo.InvariantCulture) : 0,
                message.Subject ?? "");
        }).ToList();

    /// <summary>The messages accepted after the first <paramref name="skip"/>, parsed.</summary>
    public static IReadOnlyList<MimeMessage> ReceivedSince(DigestSite site, int skip) => site.Received().Skip(skip).ToList();

    /// <summary>
    /// Every row of every table but Quartz's, as text, read with a connection that pools nothing: two dumps are equal
    /// exactly when no verb wrote a row in between.
    /// </summary>
    public static string Dump(DigestSite site)
    {
        using var connection = site.Site.Database.Open();
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = TestDatabase.IsPostgres
                ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'qrtz%' ORDER BY table_name"
                : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'QRTZ%' AND name NOT LIKE 'sqlite%' ORDER BY name";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var text = new StringBuilder();
        foreach (var table in tables)
        {
            text.Append("## ").AppendLine(table);
            using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            using var reader = select.ExecuteReader();
            var rows = new List<string>();
            while (reader.Read())
            {
                var row = new StringBuilder();
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    row.Append(reader.GetName(i)).Append('=').Append(reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)).Append(" | ");
                }

                rows.Add(row.ToString());
            }

            // Sorted as text: an updated row keeps its place, whatever order the provider returns rows in.
            foreach (var row in rows.Order(StringComparer.Ordinal))
            {
                text.AppendLine(row);
            }
        }

        return text.ToString();
    }

    /// <summary>One number from the database (a count), read without pooling.</summary>
    public static long Scalar(DigestSite site, string sql)
    {
        using var connection = site.Site.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>A loopback port that was free a moment ago and that nothing listens on now.</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Progress written for a redirected output: whole lines, never a bar redrawn with a carriage return.</summary>
    public static void AssertPlainProgress(CliResult result, long digestId)
    {
        Assert.DoesNotContain('\r', result.Output);
        Assert.DoesNotContain("[#", result.Output, StringComparison.Ordinal);
        Assert.Matches(new Regex($@"(?m)^  digest {digestId}: \d+ sent, \d+ failed, \d+ skipped, \d+ to go of \d+$"), result.Output);
    }

    [GeneratedRegex(@"^digest-(?<digest>\d+)\.(?<subscriber>\d+)(\.r(?<resend>\d+))?@blog\.example\.test$")]
    private static partial Regex DigestMessageId();
}
