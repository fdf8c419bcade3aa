using Syndicate.IntegrationTests.Infrastructure;

namespace Syndicate.IntegrationTests.Subscribers;

/// <summary><c>subscribers export FILE</c> as a child process: where the file may go, and who may read it.</summary>
public sealed class SubscribersExportCommandTests : IDisposable
{
    private readonly SubscriberSite _site = new();

    public SubscribersExportCommandTests() => _site.WriteAppSettings();

    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task Export_IntoAFolderThatDoesNotExist_SaysWhichFolderAndExitsOne()
    {
        var missing = Path.Combine(_site.Root, "no-such-folder", "all.csv");

        var export = await SyndicateCli.RunAsync(_site.Root, null, ["subscribers", "export", missing]);

        Assert.Equal(1, export.ExitCode);
        Assert.Equal($"Cannot write {missing}: the folder {Path.GetDirectoryName(missing)} does not exist; create it or name a file in a folder that does.",
            export.Error.Trim());
        Assert.DoesNotContain(".tmp", export.Output + export.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetDirectoryName(missing)));
    }

    [Fact]
    public async Task Export_ToAFile_IsReadableByItsOwnerOnlyAndLeavesNoTemporaryFile()
    {
        await SyndicateCli.RunAsync(_site.Root, null, ["subscribers", "add", "ann@example.org", "--confirmed"]);

        var export = await SyndicateCli.RunAsync(_site.Root, null, ["subscribers", "export", "all.csv"]);

        Assert.True(export.ExitCode == 0, export.ToString());
        var file = Path.Combine(_site.Root, "all.csv");
        Assert.Contains("ann@example.org,,active,", File.ReadAllText(file), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        Assert.DoesNotContain(Directory.GetFiles(_site.Root), name => name.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Help_OfSubscribers_SaysTheExportFileMayBeLeftOut()
    {
        var help = await SyndicateCli.RunAsync(_site.Root, null, ["subscribers", "--help"]);

        Assert.True(help.ExitCode == 0, help.ToString());
        var line = Assert.Single(help.Output.Split('\n'), text => text.TrimStart().StartsWith("export", StringComparison.Ordinal));
        Assert.Contains("else to standard output", line, StringComparison.Ordinal);
    }
}
