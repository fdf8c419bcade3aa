using Microsoft.Extensions.DependencyInjection;
using Syndicate.Storage;
using Syndicate.Subscribers;

namespace Syndicate.Cli;

/// <summary>
/// <c>subscribers export [FILE.csv]</c>: email, name, status and dates as CSV, to a file or standard output. The file is
/// written beside itself and renamed over it, created readable by its owner only (it lists people's addresses).
/// </summary>
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

        var folder = Path.GetDirectoryName(Path.GetFullPath(file));
        if (folder is not null && !Directory.Exists(folder))
        {
            await error.WriteLineAsync($"Cannot write {file}: the folder {folder} does not exist; create it or name a file in a folder that does.");
            return 1;
        }

        int count;
        try
        {
            count = await PrivateFiles.WriteTextAsync(file, writer => csv.ExportAsync(writer, cancellationToken));
        }
        catch (IOException ex)
        {
            await error.WriteLineAsync($"Cannot write {file}: {ex.Message}");
            return 1;
        }

        await error.WriteLineAsync($"{Counted.Of(count, "subscriber")} written to {file}.");
        return 0;
    }
}
