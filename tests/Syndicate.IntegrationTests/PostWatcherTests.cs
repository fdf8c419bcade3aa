using System.Net;
using Syndicate.IntegrationTests.Infrastructure;

namespace Syndicate.IntegrationTests;

/// <summary>
/// The live posts folder: files created, edited, renamed and deleted while the service runs reach
/// the served feeds and the out/ files within a second or so, and what should not publish never does.
/// </summary>
public sealed class PostWatcherTests : IAsyncLifetime
{
    private const int PostRejected = 1001;
    private const int PostFixed = 1003;
    private const int FeedsPublished = 2001;
    private const int FeedRemoved = 2003;

    private readonly TestSite _site = new();
    private RunningService? _service;

    private RunningService Service => _service ?? throw new InvalidOperationException("The service did not start.");

    public async ValueTask InitializeAsync()
    {
        _site.WritePost("2026-04-01-existing.md", "Existing post", tags: ["base"]);
        _service = await RunningService.StartAsync(_site);
    }

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        _site.Dispose();
    }

    [Fact]
    public async Task Post_Created_AppearsInServedFeedsAndOutputFiles()
    {
        _site.WritePost("2026-04-02-fresh.md", "Fresh post", tags: ["fresh"]);

        await WaitForTitlesAsync("feed.xml", ["Fresh post", "Existing post"], "the new post");
        await WaitForTitlesAsync("feed.json", ["Fresh post", "Existing post"], "the new post");
        await WaitForTitlesAsync("tags/fresh/atom.xml", ["Fresh post"], "the new tag feed");
        Assert.Equal([TestSite.BaseUrl + "/2026/04/02/fresh/", TestSite.BaseUrl + "/2026/04/01/existing/"], FeedParsing.Links(_site.ReadOutput("feed.xml")));
    }

    [Fact]
    public async Task Post_CreatedInNewSubfolder_Appears()
    {
        _site.WritePost("2026/2026-04-02-nested.md", "Nested post");

        await WaitForTitlesAsync("feed.xml", ["Nested post", "Existing post"], "the post in a folder created after start");
    }

    [Fact]
    public async Task Post_Edited_ChangesFeedsAndETags()
    {
        _site.WritePost("2026-04-02-other.md", "Other post", tags: ["other"]);
        await WaitForTitlesAsync("tags/other/feed.xml", ["Other post"], "the second post");
        var siteETag = await Service.GetETagAsync("feed.xml");
        var baseETag = await Service.GetETagAsync("tags/base/feed.xml");
        var otherETag = await Service.GetETagAsync("tags/other/feed.xml");

        _site.WritePost("2026-04-01-existing.md", "Existing post, edited", tags: ["base"]);

        await WaitForTitlesAsync("feed.xml", ["Other post", "Existing post, edited"], "the edited title");
        await WaitForTitlesAsync("tags/base/atom.xml", ["Existing post, edited"], "the edited title in its tag feed");
        Assert.NotEqual(siteETag, await Service.GetETagAsync("feed.xml"));
        Assert.NotEqual(baseETag, await Service.GetETagAsync("tags/base/feed.xml"));
        // The other tag's feed holds none of the edited post: same bytes, same ETag.
        Assert.Equal(otherETag, await Service.GetETagAsync("tags/other/feed.xml"));
        Assert.Equal(await Service.GetBodyAsync("feed.xml"), _site.ReadOutput("feed.xml"));
    }

    [Fact]
    public async Task Post_TouchedWithoutChange_KeepsETagAndOutputFile()
    {
        var path = _site.PostPath("2026-04-01-existing.md");
        var etag = await Service.GetETagAsync("feed.xml");
        var written = File.GetLastWriteTimeUtc(_site.OutputPath("feed.xml"));
        var publishes = Service.Logs.WithId(FeedsPublished).Count;

        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddMinutes(1));

        // The new file stamp makes the service read the post and publish again, with the same bytes.
        await Eventually.UntilAsync(() => Service.Logs.WithId(FeedsPublished).Count > publishes, "a publish after the touch", Eventually.LiveChange);
        Assert.Equal(etag, await Service.GetETagAsync("feed.xml"));
        Assert.Equal(written, File.GetLastWriteTimeUtc(_site.OutputPath("feed.xml")));
    }

    [Fact]
    public async Task Post_Renamed_MovesToItsNewPermalink()
    {
        _site.WritePost("2026-04-03-old-name.md", "Moving post");
        await WaitForTitlesAsync("feed.xml", ["Moving post", "Existing post"], "the post before the rename");

        File.Move(_site.PostPath("2026-04-03-old-name.md"), _site.PostPath("2026-04-03-new-name.md"));

        string[] links = [TestSite.BaseUrl + "/2026/04/03/new-name/", TestSite.BaseUrl + "/2026/04/01/existing/"];
        await Eventually.ValueAsync(async () => FeedParsing.Links(await Service.GetBodyAsync("atom.xml")), links.SequenceEqual, "the new permalink in the served feed", Eventually.LiveChange);
        await Eventually.ObservedAsync(() => FeedParsing.Links(_site.ReadOutput("atom.xml")), links.SequenceEqual, "the new permalink in out/atom.xml", Eventually.LiveChange);
    }

    [Fact]
    public async Task Post_RenamedToAnotherExtension_LeavesTheFeeds()
    {
        _site.WritePost("2026-04-03-parked.md", "Parked post", tags: ["parked"]);
        await WaitForTitlesAsync("feed.xml", ["Parked post", "Existing post"], "the post before the rename");

        File.Move(_site.PostPath("2026-04-03-parked.md"), _site.PostPath("2026-04-03-parked.md.bak"));

        await WaitForTitlesAsync("feed.xml", ["Existing post"], "the post gone");
    }

    [Fact]
    public async Task Post_Deleted_LeavesFeedsAndItsTagFeedFilesGo()
    {
        _site.WritePost("2026-04-04-short-lived.md", "Short-lived post", tags: ["ephemeral", "base"]);
        await WaitForTitlesAsync("tags/ephemeral/feed.xml", ["Short-lived post"], "the tag feed of the new post");

        File.Delete(_site.PostPath("2026-04-04-short-lived.md"));

        await WaitForTitlesAsync("feed.xml", ["Existing post"], "the deleted post gone");
        await WaitForTitlesAsync("tags/base/feed.xml", ["Existing post"], "the deleted post gone from a tag it shared");
        await Eventually.ValueAsync(() => Service.GetBodyAsync("tags/ephemeral/feed.xml"), body => body is null, "a 404 for the tag no post carries");
        Assert.Null(await Service.GetBodyAsync("tags/ephemeral/atom.xml"));
        // The service stops serving a feed before it deletes its file, within the same publish.
        await Eventually.UntilAsync(() => !Directory.Exists(_site.OutputPath("tags/ephemeral")), "out/tags/ephemeral/ deleted", Eventually.LiveChange);
        await Eventually.ObservedAsync(
            () => Service.Logs.WithId(FeedRemoved), entries => entries.Any(entry => entry.Message.Contains("tags/ephemeral/feed.xml", StringComparison.Ordinal)), "the removal logged");
    }

    [Fact]
    public async Task TagDropped_FromItsLastPost_TagFeedFilesAreDeleted()
    {
        _site.WritePost("2026-04-04-tagged.md", "Tagged post", tags: ["passing", "base"]);
        await WaitForTitlesAsync("tags/passing/atom.xml", ["Tagged post"], "the tag feed");
        Assert.True(File.Exists(_site.OutputPath("tags/passing/feed.xml")));

        _site.WritePost("2026-04-04-tagged.md", "Tagged post", tags: ["base"]);

        await Eventually.UntilAsync(() => !Directory.Exists(_site.OutputPath("tags/passing")), "out/tags/passing/ deleted", Eventually.LiveChange);
        Assert.Null(await Service.GetBodyAsync("tags/passing/feed.xml"));
        Assert.Null(await Service.GetBodyAsync("tags/passing/atom.xml"));
        Assert.Equal(["Tagged post", "Existing post"], FeedParsing.Titles(_site.ReadOutput("tags/base/feed.xml")));
    }

    [Fact]
    public async Task EditorFiles_Written_NeverPublish()
    {
        _site.WriteFile(".#lock.md", TestSite.PostText("Emacs lock file", "2026-04-05"));
        _site.WriteFile("#autosave.md#", TestSite.PostText("Emacs autosave", "2026-04-05"));
        _site.WriteFile("backup.md~", TestSite.PostText("Editor backup", "2026-04-05"));
        _site.WriteFile(".swapped.md.swp", TestSite.PostText("Vim swap file", "2026-04-05"));
        _site.WriteFile(".hidden.md", TestSite.PostText("Hidden file", "2026-04-05"));
        _site.WriteFile("4913", "vim's probe for a writable folder");

        // A real post written after them: once it shows, the editor files have been seen and passed over.
        _site.WritePost("2026-04-05-marker.md", "Marker post");

        await WaitForTitlesAsync("feed.xml", ["Marker post", "Existing post"], "the marker post and nothing else");
        Assert.Equal(["Marker post", "Existing post"], FeedParsing.Titles(await Service.GetBodyAsync("feed.json")));
        Assert.Empty(Service.Logs.WithId(PostRejected));
    }

    [Fact]
    public async Task Post_SavedByRenamingTempFileOverIt_PublishesTheNewVersion()
    {
        var temporary = _site.WriteFile(".2026-04-01-existing.md.tmp", TestSite.PostText("Existing post, saved atomically", tags: ["base"]));

        File.Move(temporary, _site.PostPath("2026-04-01-existing.md"), overwrite: true);

        await WaitForTitlesAsync("feed.xml", ["Existing post, saved atomically"], "the version renamed over the post");
        Assert.Empty(Service.Logs.WithId(PostRejected));
    }

    [Fact]
    public async Task Post_WrittenInTwoHalves_PublishesWithoutRejection()
    {
        var text = TestSite.PostText("Slowly written post", "2026-04-06", ["slow"], "Written in two goes.");
        var split = text.IndexOf("---\nWritten", StringComparison.Ordinal);
        await using (var stream = new FileStream(_site.PostPath("2026-04-06-slow.md"), FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite))
        {
            // The first half stops inside the front matter: on its own it is a post with no closing ---.
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text[..split]), TestContext.Current.CancellationToken);
            await stream.FlushAsync(TestContext.Current.CancellationToken);
            await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text[split..]), TestContext.Current.CancellationToken);
        }

        await WaitForTitlesAsync("feed.xml", ["Slowly written post", "Existing post"], "the completed post");
        await WaitForTitlesAsync("tags/slow/feed.xml", ["Slowly written post"], "the completed post's tag feed");
        Assert.Empty(Service.Logs.WithId(PostRejected));
    }

    [Fact]
    public async Task Post_WrittenWhileEditorProbesTheFolder_PublishesWithoutRejection()
    {
        var text = TestSite.PostText("Saved from vim", "2026-04-06", body: "Written while vim checks that it may write here.");
        var split = text.IndexOf("---\nWritten", StringComparison.Ordinal);
        await using (var stream = new FileStream(_site.PostPath("2026-04-06-vim.md"), FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite))
        {
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text[..split]), TestContext.Current.CancellationToken);
            await stream.FlushAsync(TestContext.Current.CancellationToken);

            // vim creates and deletes a file named 4913 on a save; a name without an extension may be a folder,
            // so the service rescans the folder while this post is half-written.
            File.WriteAllText(_site.PostPath("4913"), "");
            File.Delete(_site.PostPath("4913"));
            await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text[split..]), TestContext.Current.CancellationToken);
        }

        await WaitForTitlesAsync("feed.xml", ["Saved from vim", "Existing post"], "the completed post");
        Assert.Empty(Service.Logs.WithId(PostRejected));
    }

    [Fact]
    public async Task Post_BecomesBad_KeepsLastGoodVersionAndLogsRejectionOnce()
    {
        _site.WritePost("2026-04-07-stable.md", "Stable post, good version", tags: ["stable"]);
        await WaitForTitlesAsync("feed.xml", ["Stable post, good version", "Existing post"], "the good version");

        _site.WritePost("2026-04-07-stable.md", "Stable post, broken version", date: "someday", tags: ["stable"]);

        var rejections = await Eventually.ObservedAsync(
            () => Service.Logs.WithId(PostRejected), entries => entries.Count > 0, "the rejection to be logged", Eventually.LiveChange);
        var rejection = Assert.Single(rejections);
        // One sentence per problem: the file once, then the line and field, what to fix, and what happens meanwhile.
        Assert.Matches(@"^Post 2026-04-07-stable\.md rejected: line \d+: date: [^\n]*[^.]\. Its last good version stays published until the file is fixed\.$", rejection.Message);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(rejection.Message, "2026-04-07-stable"));
        Assert.Equal(["Stable post, good version", "Existing post"], FeedParsing.Titles(await Service.GetBodyAsync("feed.xml")));
        Assert.Equal(["Stable post, good version", "Existing post"], FeedParsing.Titles(_site.ReadOutput("feed.xml")));
        Assert.Equal(["Stable post, good version"], FeedParsing.Titles(await Service.GetBodyAsync("tags/stable/atom.xml")));

        // Another change goes through the watcher and publishes; the bad file is not reported again.
        _site.WritePost("2026-04-08-later.md", "Later post");
        await WaitForTitlesAsync("feed.xml", ["Later post", "Stable post, good version", "Existing post"], "a later post next to the kept version");
        Assert.Single(Service.Logs.WithId(PostRejected));

        _site.WritePost("2026-04-07-stable.md", "Stable post, fixed version", tags: ["stable"]);
        await WaitForTitlesAsync("feed.xml", ["Later post", "Stable post, fixed version", "Existing post"], "the fixed version");
        Assert.Contains(Service.Logs.WithId(PostFixed), entry => entry.Message.Contains("2026-04-07-stable.md", StringComparison.Ordinal));
        Assert.Single(Service.Logs.WithId(PostRejected));
    }

    [Fact]
    public async Task OutputFiles_RewrittenManyTimes_AreReplacedAtomically()
    {
        using var stop = new CancellationTokenSource();
        var reads = 0;
        var torn = new List<string>();
        var reader = Task.Run(() =>
        {
            // Every read of a feed file while it is being replaced must be a whole, parseable feed.
            while (!stop.IsCancellationRequested)
            {
                foreach (var name in (string[])["feed.xml", "atom.xml", "feed.json"])
                {
                    var body = _site.ReadOutput(name);
                    try
                    {
                        _ = FeedParsing.Titles(body);
                        reads++;
                    }
                    catch (Exception ex)
                    {
                        torn.Add($"{name}: {ex.Message}");
                    }
                }
            }
        }, TestContext.Current.CancellationToken);

        for (var edit = 1; edit <= 8; edit++)
        {
            _site.WritePost("2026-04-01-existing.md", $"Existing post, edit {edit}", tags: ["base"], body: string.Concat(Enumerable.Repeat($"Paragraph of edit {edit}.\n\n", 200 * edit)));
            await WaitForTitlesAsync("feed.xml", [$"Existing post, edit {edit}"], $"edit {edit}");
        }

        // The tag feeds are the last files a publish writes.
        await WaitForTitlesAsync("tags/base/atom.xml", ["Existing post, edit 8"], "the last edit in the last file");

        await stop.CancelAsync();
        await reader;

        Assert.Empty(torn);
        Assert.True(reads > 0, "the reader read the feed files while they were replaced");
        var leftovers = Directory.EnumerateFileSystemEntries(_site.Output, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(path => path.EndsWith(".tmp", StringComparison.Ordinal) || Path.GetFileName(path).StartsWith('.'))
            .ToArray();
        Assert.Empty(leftovers);
    }

    private async Task WaitForTitlesAsync(string path, string[] titles, string what)
    {
        await Eventually.ValueAsync(async () => FeedParsing.Titles(await Service.GetBodyAsync(path)), titles.SequenceEqual, $"{what} in the served /{path}", Eventually.LiveChange);
        await Eventually.ObservedAsync(() => FeedParsing.Titles(_site.ReadOutput(path)), titles.SequenceEqual, $"{what} in out/{path}", Eventually.LiveChange);
    }
}
