using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Syndicate.Subscribers;

namespace Syndicate.Cli;

/// <summary><c>subscribers export [FILE.csv]</c>: email, name, status and dates as CSV, to a file or standard output.</summary>
internal static class SubscribersExportCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string? file, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        var csv = services.GetRequiredService<SubscriberCsv>();
        if (file is null)
        {
            await csv.ExportAsync(output, cancellationToken);
            return 0;
        }

        var temporary = file + ".tmp";
        int count;
        await using (var writer = new StreamWriter(temporary, append: false, new UTF8Encoding(false)))
        {
            count = await csv.ExportAsync(writer, cancellationToken);
        }

        File.Move(temporary, file, overwrite: true);
        await error.WriteLineAsync($"{count} subscriber(s) written to {file}.");
        return 0;
    }
}
