using Microsoft.Extensions.DependencyInjection;
using Syndicate.Subscribers;

namespace Syndicate.Cli;

/// <summary><c>subscribers import FILE.csv [--confirmed]</c>: reports added, known, suppressed and invalid lines with their numbers.</summary>
internal static class SubscribersImportCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string file, bool confirmed, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        if (Directory.Exists(file))
        {
            await error.WriteLineAsync($"'{file}' is a folder, not a file; give the path of a CSV file with a header row such as: email,name");
            return 1;
        }

        if (!File.Exists(file))
        {
            await error.WriteLineAsync($"No file '{file}'; give the path of a CSV file with a header row such as: email,name");
            return 1;
        }

        using var reader = new StreamReader(file, detectEncodingFromByteOrderMarks: true);
        var progress = ConsoleProgress.ForRows(output);
        var report = await services.GetRequiredService<SubscriberCsv>().ImportAsync(reader, Path.GetFileName(file), confirmed, progress, cancellationToken);
        progress.Complete();
        if (report.Error is { } failure)
        {
            await error.WriteLineAsync($"{file}: {failure}.");
            return 1;
        }

        var state = confirmed ? "active" : "pending (no confirmation mail sent; use --confirmed if they already agreed to receive mail)";
        await output.WriteLineAsync($"{report.Added} added as {state}, {report.Known} already known, {report.Suppressed} unsubscribed earlier and left out, {report.Invalid.Count} invalid.");
        foreach (var (line, reason) in report.Invalid)
        {
            await error.WriteLineAsync($"  {file}:{line}: {reason}");
        }

        return 0;
    }
}
