using Syndicate.Digests;

namespace Syndicate.Cli;

/// <summary>
/// Progress for long verbs: a bar redrawn in place on a terminal, plain lines when the output is
/// redirected to a file or another program. A verb calls <see cref="ConsoleProgress{T}.Complete"/> before
/// its summary, so that the summary starts on a line of its own.
/// </summary>
internal static class ConsoleProgress
{
    public static ConsoleProgress<DigestSummary> ForDigests(TextWriter output) => ForDigests(output, IsTerminal(output));

    /// <summary>As <see cref="ForDigests(TextWriter)"/>, drawing a bar when <paramref name="terminal"/> (tests say which).</summary>
    public static ConsoleProgress<DigestSummary> ForDigests(TextWriter output, bool terminal) => new(
        output,
        terminal,
        s =>
        {
            var done = s.Deliveries - s.Pending;
            const int width = 30;
            var filled = s.Deliveries == 0 ? width : done * width / s.Deliveries;
            return $"  digest {s.Id} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{s.Deliveries}: {s.Sent} sent, {s.Failed} failed ";
        },
        s => $"  digest {s.Id}: {s.Sent} sent, {s.Failed} failed, {s.Skipped} skipped, {s.Pending} to go of {s.Deliveries}",
        s => s.Pending == 0);

    public static ConsoleProgress<int> ForRows(TextWriter output) => ForRows(output, IsTerminal(output));

    /// <summary>As <see cref="ForRows(TextWriter)"/>, redrawing one line when <paramref name="terminal"/> (tests say which).</summary>
    public static ConsoleProgress<int> ForRows(TextWriter output, bool terminal) =>
        new(output, terminal, rows => $"  {rows} rows read", rows => $"  {rows} rows read", _ => false);

    private static bool IsTerminal(TextWriter output) => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
}

/// <summary>
/// One verb's progress, reported on the caller's thread so the lines come out in order with the rest of the output.
/// On a terminal each report redraws the current line (a carriage return, no newline) until <c>ends</c> says the
/// work is done or <see cref="Complete"/> is called.
/// </summary>
internal sealed class ConsoleProgress<T>(TextWriter output, bool terminal, Func<T, string> bar, Func<T, string> line, Func<T, bool> ends)
    : IProgress<T>
{
    private bool _lineOpen;

    public void Report(T value)
    {
        if (!terminal)
        {
            output.WriteLine(line(value));
            return;
        }

        output.Write("\r" + bar(value));
        _lineOpen = !ends(value);
        if (!_lineOpen)
        {
            output.WriteLine();
        }
    }

    /// <summary>Ends the line the bar is drawn on, if one is still open; what the verb writes next starts on a line of its own.</summary>
    public void Complete()
    {
        if (_lineOpen)
        {
            output.WriteLine();
            _lineOpen = false;
        }
    }
}
