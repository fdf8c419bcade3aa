using System.Text;
using Syndicate.Feeds;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Feeds;

/// <summary>
/// The feeds of the awkward posts in TestData/posts compared byte for byte with TestData/golden.
/// Set SYNDICATE_UPDATE_GOLDEN=1 to rewrite the golden files in the source tree, then review the diff.
/// </summary>
public sealed class GoldenFeedTests
{
    private static bool Update => Environment.GetEnvironmentVariable("SYNDICATE_UPDATE_GOLDEN") == "1";

    private static CatalogHarness Harness()
    {
        var site = new TestSite(timeZone: "Europe/Berlin", author: "Site Author", title: "Golden Blog");
        var harness = new CatalogHarness(site, new FeedsOptions { ItemLimit = 20, WebSubHub = "https://hub.example.com/" }, contentRoot: TestPaths.TestData);
        harness.Catalog.Scan();
        return harness;
    }

    [Fact]
    public void Build_TestDataPosts_MatchGoldenFilesByteForByte()
    {
        using var harness = Harness();
        var documents = harness.BuildAll();

        if (Update)
        {
            var folder = TestPaths.SourceGoldenFolder();
            foreach (var stale in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".gitkeep", StringComparison.Ordinal)))
            {
                File.Delete(stale);
            }

            foreach (var document in documents.Values)
            {
                var target = Path.Combine(folder, document.Path.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllBytes(target, document.Body);
            }
        }

        var goldenFolder = Update ? TestPaths.SourceGoldenFolder() : Path.Combine(TestPaths.TestData, "golden");
        var golden = Directory.EnumerateFiles(goldenFolder, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".gitkeep", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(goldenFolder, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(documents.Keys.Order(StringComparer.Ordinal), golden);
        foreach (var (path, document) in documents)
        {
            var expected = File.ReadAllBytes(Path.Combine(goldenFolder, path));
            Assert.True(expected.AsSpan().SequenceEqual(document.Body),
                $"{path} differs from its golden file; if the change is intended, run with SYNDICATE_UPDATE_GOLDEN=1 and review the diff.\n{FirstDifference(expected, document.Body)}");
        }
    }

    [Fact]
    public void Scan_TestDataPosts_PublishTheGoodAndRejectTheBad()
    {
        using var harness = Harness();
        var snapshot = harness.Snapshot();

        Assert.Equal(
            ["2024-10-05-own-permalink.md", "undated-name.md", "2024-08-15-more-marker.md", "2024-07-01-tabs-in-yaml.md", "2024-03-10-bom-and-crlf.md"],
            snapshot.Posts.Select(p => p.File));
        Assert.Equal(2, snapshot.Drafts);
        Assert.Equal(1, snapshot.Scheduled);
        Assert.Equal(
            [
                ("2024-05-05-binary.md", (int?)null),
                ("2024-05-06-latin1.md", 2),
                ("2024-05-07-bad-yaml.md", 3),
            ],
            snapshot.Rejected.Select(d => (d.File, d.Line)));
        Assert.Contains("binary file", snapshot.Rejected[0].Message, StringComparison.Ordinal);
        Assert.Contains("not valid UTF-8", snapshot.Rejected[1].Message, StringComparison.Ordinal);
        Assert.Contains("not valid YAML", snapshot.Rejected[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_TestDataPosts_GoldenFeedsReadBackWithIndependentParsers()
    {
        // The goldens are reviewed once by eye; this keeps them honest feeds afterwards.
        var folder = Path.Combine(TestPaths.TestData, "golden");
        var rss = File.ReadAllBytes(Path.Combine(folder, "feed.xml"));
        var atom = File.ReadAllBytes(Path.Combine(folder, "atom.xml"));
        var json = File.ReadAllBytes(Path.Combine(folder, "feed.json"));
        string[] titles = ["An own permalink", "Less <b>than</b> & \"quotes\"", "Cutting an excerpt", "Tabs in the front matter", "Windows line ends & a byte order mark"];

        Assert.Equal(titles, FeedParsing.Syndication(rss).Items.Select(i => i.Title.Text));
        Assert.Equal(titles, FeedParsing.FeedReader(rss).Items.Select(i => i.Title));
        Assert.Equal(titles, FeedParsing.Syndication(atom).Items.Select(i => i.Title.Text));
        Assert.Equal(titles, FeedParsing.FeedReader(atom).Items.Select(i => i.Title));
        using var document = FeedParsing.Json(json);
        Assert.Equal(titles, document.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString()));
        Assert.Equal(
            [
                "https://example.org/blog/notes/own-permalink.html",
                "https://example.org/blog/2024/09/01/custom-slug/",
                "https://example.org/blog/2024/08/15/more-marker/",
                "https://example.org/blog/2024/07/01/tabs-in-yaml/",
                "https://example.org/blog/2024/03/10/bom-and-crlf/",
            ],
            FeedParsing.FeedReader(atom).Items.Select(i => i.Link));
        Assert.Equal(
            ["urn:uuid:6f1c1d2e-7c1a-4a8e-9a9e-0f5b2c3d4e5f", "tag:example.org,2024:custom", "https://example.org/blog/2024/08/15/more-marker/"],
            FeedParsing.Syndication(rss).Items.Take(3).Select(i => i.Id));
    }

    private static string FirstDifference(byte[] expected, byte[] actual)
    {
        var i = 0;
        while (i < expected.Length && i < actual.Length && expected[i] == actual[i])
        {
            i++;
        }

        var start = Math.Max(0, i - 80);
        string Around(byte[] bytes) => Encoding.UTF8.GetString(bytes, Math.Min(start, bytes.Length), Math.Max(0, Math.Min(bytes.Length, i + 80) - Math.Min(start, bytes.Length)));
        return $"first difference at byte {i}:\n--- golden\n{Around(expected)}\n--- built\n{Around(actual)}";
    }
}
