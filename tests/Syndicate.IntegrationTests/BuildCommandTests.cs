using System.Text.Json;
using Syndicate.IntegrationTests.Infrastructure;

namespace Syndicate.IntegrationTests;

/// <summary><c>dotnet Syndicate.dll build</c> as a real child process in a content root with appsettings.json and posts/.</summary>
public sealed class BuildCommandTests : IDisposable
{
    private readonly TestSite _site = new();

    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task Build_GoodPosts_ExitsZeroAndWritesEveryFeed()
    {
        WriteSettings();
        WriteGoodPosts();

        var result = await SyndicateCli.RunAsync(_site.Root, "build");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Error);
        Assert.StartsWith("Built 7 feeds from 2 posts", result.Output, StringComparison.Ordinal);
        Assert.Equal(
            ["atom.xml", "feed.json", "feed.xml", "tags/one/atom.xml", "tags/one/feed.xml", "tags/two/atom.xml", "tags/two/feed.xml"],
            _site.OutputFiles().Keys);
        Assert.Equal(["Second good post", "First good post"], FeedParsing.Titles(_site.ReadOutput("feed.xml")));
        Assert.Equal(["Second good post", "First good post"], FeedParsing.Reader(_site.ReadOutput("atom.xml")!).Items.Select(item => item.Title));
        Assert.Equal(["Second good post", "First good post"], FeedParsing.Titles(_site.ReadOutput("feed.json")));
        Assert.Equal(["Second good post"], FeedParsing.Titles(_site.ReadOutput("tags/two/feed.xml")));
    }

    [Fact]
    public async Task Build_PostCacheCannotBeWritten_WarnsOnceAndStillWritesEveryFeed()
    {
        WriteSettings();
        WriteGoodPosts();
        var cache = Directory.CreateDirectory(Path.Combine(_site.Root, "cache-is-a-folder")).FullName;

        var result = await SyndicateCli.RunAsync(_site.Root, new Dictionary<string, string?> { ["Posts__CacheFile"] = cache }, "build");

        Assert.True(result.ExitCode == 0, result.ToString());
        var warning = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith($"Warning: the post cache {cache} could not be written (", warning, StringComparison.Ordinal);
        Assert.EndsWith("Point Posts:CacheFile at a file Syndicate may write, or set it to \"\" to go without.", warning, StringComparison.Ordinal);
        Assert.StartsWith("Built 7 feeds from 2 posts", result.Output, StringComparison.Ordinal);
        Assert.Equal(["Second good post", "First good post"], FeedParsing.Titles(_site.ReadOutput("feed.xml")));
    }

    [Fact]
    public async Task Build_BadPosts_ExitsOneListsEachAndStillWritesTheGoodOnes()
    {
        WriteSettings();
        _site.WritePost("2026-05-01-good.md", "Good post", tags: ["good"]);
        _site.WriteFile("2026-05-02-bad-date.md", "---\ntitle: \"Bad date\"\ndate: someday\n---\nBody.\n");
        _site.WriteFile("2026-05-03-empty-title.md", "---\ntitle: \"\"\n---\nBody.\n");
        _site.WriteFile("2026-05-04-bad-updated.md", "---\ntitle: \"Bad update\"\ntags: [good]\nlast_modified_at: later\n---\nBody.\n");

        var result = await SyndicateCli.RunAsync(_site.Root, "build");

        Assert.True(result.ExitCode == 1, result.ToString());
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, line => line.StartsWith("2026-05-02-bad-date.md:3: date: 'someday' is not a date", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("2026-05-03-empty-title.md:2: title: the title is empty", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("2026-05-04-bad-updated.md:4: last_modified_at: 'later' is not a date", StringComparison.Ordinal));
        Assert.Equal(3, lines.Count(line => line.StartsWith("2026-05-", StringComparison.Ordinal)));
        Assert.DoesNotContain("Exception", result.Error, StringComparison.Ordinal);
        Assert.Equal(["Good post"], FeedParsing.Titles(_site.ReadOutput("feed.xml")));
        Assert.Equal(["Good post"], FeedParsing.Titles(_site.ReadOutput("tags/good/atom.xml")));
    }

    [Fact]
    public async Task Build_PostBrokenSinceTheLastBuild_KeepsItsLastGoodVersionUntilFixed()
    {
        WriteSettings();
        _site.WritePost("2026-05-01-other.md", "Other post");
        _site.WriteFile("2026-05-02-edited.md", "---\ntitle: \"Edited, good\"\n---\nThe good body.\n");
        var first = await SyndicateCli.RunAsync(_site.Root, "build");
        Assert.True(first.ExitCode == 0, first.ToString());

        _site.WriteFile("2026-05-02-edited.md", "---\ntitle: Edited: broken\n---\nThe new body.\n");
        var broken = await SyndicateCli.RunAsync(_site.Root, "build");
        var again = await SyndicateCli.RunAsync(_site.Root, "build");

        foreach (var result in (CliResult[])[broken, again])
        {
            Assert.True(result.ExitCode == 1, result.ToString());
            var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var line = Assert.Single(lines, line => line.StartsWith("2026-05-02-edited.md", StringComparison.Ordinal));
            Assert.StartsWith("2026-05-02-edited.md:2: the front matter is not valid YAML: ", line, StringComparison.Ordinal);
            Assert.EndsWith(" Its last good version stays published until the file is fixed.", line, StringComparison.Ordinal);
            Assert.Equal(["Edited, good", "Other post"], FeedParsing.Titles(_site.ReadOutput("feed.xml")));
            Assert.Contains("The good body.", System.Text.Encoding.UTF8.GetString(_site.ReadOutput("feed.xml")!), StringComparison.Ordinal);
        }

        _site.WriteFile("2026-05-02-edited.md", "---\ntitle: \"Edited: fixed\"\n---\nThe new body.\n");
        var fixedUp = await SyndicateCli.RunAsync(_site.Root, "build");

        Assert.True(fixedUp.ExitCode == 0, fixedUp.ToString());
        Assert.Equal(["Edited: fixed", "Other post"], FeedParsing.Titles(_site.ReadOutput("feed.xml")));
    }

    [Theory]
    [InlineData("Site:BaseUrl", "blog.example.test", "Sqlite", "posts")]
    [InlineData("Posts:Folder", TestSite.BaseUrl, "Sqlite", "no-such-folder")]
    [InlineData("Storage:Provider", TestSite.BaseUrl, "Oracle", "posts")]
    public async Task Build_WrongSetting_ExitsOneWithOneSentenceNamingTheKey(string key, string baseUrl, string provider, string postsFolder)
    {
        WriteSettings(baseUrl, provider, postsFolder);
        WriteGoodPosts();

        var result = await SyndicateCli.RunAsync(_site.Root, "build");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Single(result.Error.Split('\n'), line => line.Contains(key, StringComparison.Ordinal));
        AssertNoStackTrace(result);
        Assert.False(Directory.Exists(_site.Output), "nothing is built with a wrong setting");
    }

    [Theory]
    [InlineData("build")]
    [InlineData("serve")]
    public async Task Verb_TwoWrongSettings_NamesBothWithoutStackTrace(string verb)
    {
        WriteSettings("blog.example.test", "Oracle");
        WriteGoodPosts();

        var result = await SyndicateCli.RunAsync(_site.Root, verb);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Single(result.Error.Split('\n'), line => line.Contains("Site:BaseUrl", StringComparison.Ordinal));
        Assert.Single(result.Error.Split('\n'), line => line.Contains("Storage:Provider", StringComparison.Ordinal));
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Serve_WrongSetting_ExitsOneNamingTheKey()
    {
        WriteSettings(postsFolder: "no-such-folder");

        var result = await SyndicateCli.RunAsync(_site.Root, "serve");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Single(result.Error.Split('\n'), line => line.Contains("Posts:Folder", StringComparison.Ordinal));
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Build_Twice_GivesByteIdenticalFiles()
    {
        WriteSettings();
        WriteGoodPosts();
        _site.WriteFile("2026-05-03-rich.md", "---\ntitle: \"Rich <post> & more\"\ntags: [one, Ünïcode]\nauthor: Ada\n---\nA [link](../other/) and ![an image](pic.png).\n\n- a\n- b\n");

        var first = await SyndicateCli.RunAsync(_site.Root, "build");
        var firstFiles = _site.OutputFiles();
        Assert.True(File.Exists(CacheFile), "the first build keeps its posts in data/posts.cache for the next");
        var firstStamps = firstFiles.Keys.ToDictionary(path => path, path => File.GetLastWriteTimeUtc(_site.OutputPath(path)));
        var second = await SyndicateCli.RunAsync(_site.Root, "build");
        var secondFiles = _site.OutputFiles();
        var secondStamps = secondFiles.Keys.ToDictionary(path => path, path => File.GetLastWriteTimeUtc(_site.OutputPath(path)));
        Directory.Delete(_site.Output, recursive: true);
        var third = await SyndicateCli.RunAsync(_site.Root, "build");
        var thirdFiles = _site.OutputFiles();

        Assert.All([first, second, third], result => Assert.True(result.ExitCode == 0, result.ToString()));
        Assert.Equal(9, firstFiles.Count);
        Assert.Equal(firstFiles, secondFiles);
        Assert.Equal(firstFiles, thirdFiles);
        // Unchanged bytes are not written again, so a web server's validators for the files stay put.
        Assert.Contains("(0 written, 9 unchanged", second.Output, StringComparison.Ordinal);
        Assert.Equal(firstStamps, secondStamps);

        // The second and third builds took the posts and their HTML from the cache; without it the bytes are the same.
        File.Delete(CacheFile);
        Directory.Delete(_site.Output, recursive: true);
        var fourth = await SyndicateCli.RunAsync(_site.Root, "build");
        Assert.True(fourth.ExitCode == 0, fourth.ToString());
        Assert.Equal(firstFiles, _site.OutputFiles());
    }

    [Fact]
    public async Task Build_AfterAnEdit_ShowsTheEditedPostAndKeepsTheOthers()
    {
        WriteSettings();
        WriteGoodPosts();
        var first = await SyndicateCli.RunAsync(_site.Root, "build");
        Assert.True(first.ExitCode == 0, first.ToString());

        var edited = _site.WritePost("2026-05-02-second.md", "Second post, edited", "2026-05-02 09:30:00 +0200", ["two"], "New *words*.");
        File.SetLastWriteTimeUtc(edited, DateTime.UtcNow.AddMinutes(1));
        File.Delete(Path.Combine(_site.Posts, "2026-05-01-first.md"));
        _site.WritePost("2026-05-03-third.md", "Third post", tags: ["one"]);
        var second = await SyndicateCli.RunAsync(_site.Root, "build");

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(["Third post", "Second post, edited"], FeedParsing.Titles(_site.ReadOutput("feed.xml")));
        using var json = JsonDocument.Parse(_site.ReadOutput("feed.json")!);
        Assert.Contains("New <em>words</em>.", json.RootElement.GetProperty("items")[1].GetProperty("content_html").GetString(), StringComparison.Ordinal);
        Assert.Equal(["Third post"], FeedParsing.Titles(_site.ReadOutput("tags/one/feed.xml")));
    }

    private string CacheFile => Path.Combine(_site.Root, "data", "posts.cache");

    [Fact]
    public async Task Build_AndService_WriteIdenticalFiles()
    {
        WriteSettings();
        WriteGoodPosts();

        var result = await SyndicateCli.RunAsync(_site.Root, "build");
        Assert.True(result.ExitCode == 0, result.ToString());
        var built = _site.OutputFiles();
        Directory.Delete(_site.Output, recursive: true);

        await using (var service = await RunningService.StartAsync(_site))
        {
            Assert.Equal(built["feed.xml"], await service.GetBodyAsync("feed.xml"));
            Assert.Equal(built["tags/one/atom.xml"], await service.GetBodyAsync("tags/one/atom.xml"));
        }

        Assert.Equal(built, _site.OutputFiles());
    }

    private static void AssertNoStackTrace(CliResult result)
    {
        Assert.DoesNotContain("Exception", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Output, StringComparison.Ordinal);
    }

    private void WriteGoodPosts()
    {
        _site.WritePost("2026-05-01-first.md", "First good post", tags: ["one"]);
        _site.WritePost("2026-05-02-second.md", "Second good post", "2026-05-02 09:30:00 +0200", ["one", "two"], "Some *Markdown* with a [link](/about/).");
    }

    /// <summary>
    /// appsettings.json in the content root; Site:Title and Author match what RunningService sets. The storage is the
    /// site's own database (the provider the suite runs on) unless <paramref name="provider"/> is a wrong one.
    /// </summary>
    private void WriteSettings(string baseUrl = TestSite.BaseUrl, string provider = "Sqlite", string postsFolder = "posts")
    {
        var settings = new
        {
            Site = new { Title = "Integration blog", Author = "Ida Tester", BaseUrl = baseUrl },
            Posts = new { Folder = postsFolder },
            Feeds = new { OutputFolder = "out" },
            Storage = new
            {
                Provider = provider == "Sqlite" ? _site.Database.Provider : provider,
                _site.Database.ConnectionString,
            },
        };
        File.WriteAllText(Path.Combine(_site.Root, "appsettings.json"), JsonSerializer.Serialize(settings));
    }
}
