using Syndicate.Digests;

namespace Syndicate.Cli;

/// <summary>
/// Progress for long verbs: a bar redrawn in place on a terminal, plain lines when the output is
/// redirected to a file or another program.
/// </summary>
internal static class ConsoleProgress
{
    /// <summary>Whether <paramref name="output"/> is a terminal, where the bar is redrawn in place (a line without its end).</summary>
    public static bool IsTerminal(TextWriter output) => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;

    public static IProgress<DigestSummary> ForDigests(TextWriter output)
    {
        var terminal = IsTerminal(output);
        return new LineProgress<DigestSummary>(s =>
        {
            var done = s.Deliveries - s.Pending;
            if (terminal)
            {
                var width = 30;
                var filled = s.Deliveries == 0 ? width : done * width / s.Deliveries;
                output.Write($"\r  digest {s.Id} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{s.Deliveries}: {s.Sent} sent, {s.Failed} failed ");
                if (s.Pending == 0)
                {
                    output.WriteLine();
                }
            }
            else
            {
                output.WriteLine($"  digest {s.Id}: {s.Sent} sent, {s.Failed} failed, {s.Skipped} skipped, {s.Pending} to go of {s.Deliveries}");
            }
        });
    }

    public static IProgress<int> ForRows(TextWriter output)
    {
        var terminal = IsTerminal(output);
        return new LineProgress<int>(rows =>
        {
            if (terminal)
            {
                output.Write($"\r  {rows} rows read");
            }
            else
            {
                output.WriteLine($"  {rows} rows read");
            }
        });
    }
}
