using Syndicate.Posts;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Posts;

public sealed class PostCatalogTests : IDisposable
{
    private readonly CatalogHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private static string Post(string title, string date, params string[] more) =>
        "---\ntitle: " + title + "\ndate: " + date + "\n" + string.Concat(more.Select(line => line + "\n")) + "---\nBody of " + title + ".\n";

    [Fact]
    public void Scan_GoodPosts_PublishNewestFirst()
    {
        _harness.WritePost("2024-01-01-first.md", Post("First", "2024-01-01"));
        _harness.WritePost("2024-03-01-third.md", Post("Third", "2024-03-01"));
        _harness.WritePost("nested/2024-02-01-second.md", Post("Second", "2024-02-01"));

        Assert.Equal(3, _harness.Catalog.Scan());
        var snapshot = _harness.Snapshot();

        Assert.Equal(["Third", "Second", "First"], snapshot.Posts.Select(p => p.Title));
        Assert.Equal("nested/2024-02-01-second.md", snapshot.Posts[1].File);
        Assert.Empty(snapshot.Rejected);
    }

    [Fact]
    public void Scan_PostTurnsBad_LastGoodVersionStaysAndErrorIsListed()
    {
        _harness.WritePost("2024-01-01-a.md", Post("Good version", "2024-01-01"));
        _harness.Catalog.Scan();
        var good = Assert.Single(_harness.Snapshot().Posts);

        _harness.WritePost("2024-01-01-a.md", "---\ntitle: Broken: now\ndate: 2024-01-01\n---\n");
        Assert.Equal(1, _harness.Catalog.Scan());
        var snapshot = _harness.Snapshot();

        Assert.Same(good, Assert.Single(snapshot.Posts));
        var error = Assert.Single(snapshot.Rejected);
        Assert.Equal(("2024-01-01-a.md", 2), (error.File, error.Line));
        Assert.Contains("not valid YAML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_BadPostFixed_ErrorGoesAndNewVersionPublishes()
    {
        _harness.WritePost("2024-01-01-a.md", "---\ndate: 2024-01-01\n---\n");
        _harness.Catalog.Scan();
        Assert.Empty(_harness.Snapshot().Posts);
        Assert.Equal("title", Assert.Single(_harness.Snapshot().Rejected).Field);

        _harness.WritePost("2024-01-01-a.md", Post("Fixed", "2024-01-01"));
        _harness.Catalog.Scan();

        Assert.Equal("Fixed", Assert.Single(_harness.Snapshot().Posts).Title);
        Assert.Empty(_harness.Snapshot().Rejected);
    }

    [Fact]
    public void Scan_BadFilesBesideGoodOnes_GoodOnesPublishAndEachErrorIsListed()
    {
        _harness.WritePost("2024-01-01-good.md", Post("Good", "2024-01-01"));
        _harness.WritePost("2024-01-02-binary.md", [0x89, 0x50, 0x4E, 0x47, 0x00, 0x00]);
        _harness.WritePost("2024-01-03-notitle.md", "---\ndate: 2024-01-03\n---\n");
        _harness.WritePost("2024-01-04-open-list.md", "---\ntitle: x\ntags: [a, b\ndate: 2024-01-04\n---\nB\n");

        _harness.Catalog.Scan();
        var snapshot = _harness.Snapshot();

        Assert.Equal("Good", Assert.Single(snapshot.Posts).Title);
        Assert.Equal(["2024-01-02-binary.md", "2024-01-03-notitle.md", "2024-01-04-open-list.md"], snapshot.Rejected.Select(d => d.File));
        Assert.Equal(3, snapshot.Rejected[2].Line);
    }

    [Fact]
    public void Scan_FileOverMaxFileBytes_RejectedWithoutReading()
    {
        using var harness = new CatalogHarness(new TestSite(maxFileBytes: 64));
        harness.WritePost("2024-01-01-big.md", Post("Big", "2024-01-01") + new string('x', 100));

        harness.Catalog.Scan();
        var error = Assert.Single(harness.Snapshot().Rejected);

        Assert.Equal("2024-01-01-big.md", error.File);
        Assert.Contains("over Posts:MaxFileBytes (64)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Snapshot_DraftsAndFuturePosts_AreLeftOut()
    {
        _harness.WritePost("2024-01-01-live.md", Post("Live", "2024-01-01"));
        _harness.WritePost("2024-01-02-draft.md", Post("Draft", "2024-01-02", "draft: true"));
        _harness.WritePost("2024-01-03-unpublished.md", Post("Unpublished", "2024-01-03", "published: false"));
        _harness.WritePost("2025-06-01-future.md", Post("Future", "2025-06-01T09:00:00Z"));

        _harness.Catalog.Scan();
        var snapshot = _harness.Snapshot();

        Assert.Equal("Live", Assert.Single(snapshot.Posts).Title);
        Assert.Equal(2, snapshot.Drafts);
        Assert.Equal(1, snapshot.Scheduled);
        Assert.Equal(new DateTimeOffset(2025, 6, 1, 9, 0, 0, TimeSpan.Zero), snapshot.NextPublication);
    }

    [Fact]
    public void Snapshot_ClockPassesFutureDate_PostAppearsWithoutRescan()
    {
        _harness.WritePost("2025-01-01-soon.md", Post("Soon", "2025-01-01T10:00:00Z"));
        _harness.Catalog.Scan();
        Assert.Empty(_harness.Snapshot().Posts);

        _harness.Time.Advance(TimeSpan.FromHours(10) - TimeSpan.FromSeconds(1));
        Assert.Empty(_harness.Snapshot().Posts);

        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("Soon", Assert.Single(_harness.Snapshot().Posts).Title);
        Assert.Equal(0, _harness.Snapshot().Scheduled);
    }

    [Fact]
    public void Snapshot_SamePermalink_OlderWinsAndBothAreNamed()
    {
        _harness.WritePost("b-newer.md", Post("Newer", "2024-05-01T12:00:00Z", "permalink: /same/"));
        _harness.WritePost("a-older.md", Post("Older", "2024-05-01T08:00:00Z", "permalink: /same/"));

        _harness.Catalog.Scan();
        var snapshot = _harness.Snapshot();

        Assert.Equal("Older", Assert.Single(snapshot.Posts).Title);
        var error = Assert.Single(snapshot.Rejected);
        Assert.Equal("b-newer.md", error.File);
        Assert.Contains("same permalink /same/ as a-older.md", error.Message, StringComparison.Ordinal);
        Assert.Contains("give one of them another slug, permalink or id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Snapshot_SamePermalinkAndDate_FileNameDecidesEveryTime()
    {
        _harness.WritePost("z.md", Post("Z", "2024-05-01", "slug: same"));
        _harness.WritePost("a.md", Post("A", "2024-05-01", "slug: same"));
        _harness.Catalog.Scan();

        for (var i = 0; i < 5; i++)
        {
            var snapshot = _harness.Snapshot();
            Assert.Equal("A", Assert.Single(snapshot.Posts).Title);
            Assert.Contains("as a.md", Assert.Single(snapshot.Rejected).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Snapshot_SameExplicitId_OlderWins()
    {
        _harness.WritePost("one.md", Post("One", "2024-05-01", "id: urn:x:1"));
        _harness.WritePost("two.md", Post("Two", "2024-05-02", "id: urn:x:1"));
        _harness.Catalog.Scan();
        var snapshot = _harness.Snapshot();

        Assert.Equal("One", Assert.Single(snapshot.Posts).Title);
        Assert.Contains("same id urn:x:1 as one.md", Assert.Single(snapshot.Rejected).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_UnchangedFiles_AreNotParsedAgain()
    {
        _harness.WritePost("2024-01-01-a.md", Post("A", "2024-01-01"));
        _harness.WritePost("2024-01-02-b.md", Post("B", "2024-01-02"));
        _harness.Catalog.Scan();
        var before = _harness.Snapshot().Posts.ToArray();
        var version = _harness.Catalog.Version;

        Assert.Equal(0, _harness.Catalog.Scan());
        var after = _harness.Snapshot().Posts;

        Assert.Same(before[0], after[0]);
        Assert.Same(before[1], after[1]);
        Assert.Equal(version, _harness.Catalog.Version);
    }

    [Fact]
    public void Scan_ChangedFile_OnlyThatFileIsParsedAgain()
    {
        _harness.WritePost("2024-01-01-a.md", Post("A", "2024-01-01"));
        _harness.WritePost("2024-01-02-b.md", Post("B", "2024-01-02"));
        _harness.Catalog.Scan();
        var a = _harness.Snapshot().Posts.Single(p => p.Title == "A");

        _harness.WritePost("2024-01-02-b.md", Post("B2", "2024-01-02"));
        Assert.Equal(1, _harness.Catalog.Scan());

        Assert.Same(a, _harness.Snapshot().Posts.Single(p => p.Title == "A"));
        Assert.Contains(_harness.Snapshot().Posts, p => p.Title == "B2");
    }

    [Fact]
    public void Scan_DeletedFile_IsForgotten()
    {
        var path = _harness.WritePost("2024-01-01-a.md", Post("A", "2024-01-01"));
        _harness.Catalog.Scan();

        File.Delete(path);

        Assert.Equal(1, _harness.Catalog.Scan());
        Assert.Empty(_harness.Snapshot().Posts);
    }

    [Fact]
    public void Scan_HiddenTempAndUnderscoreFiles_AreIgnored()
    {
        _harness.WritePost("2024-01-01-real.md", Post("Real", "2024-01-01"));
        _harness.WritePost(".hidden.md", Post("Hidden", "2024-01-02"));
        _harness.WritePost(".#2024-01-01-real.md", Post("Emacs lock", "2024-01-03"));
        _harness.WritePost("2024-01-01-real.md~", Post("Backup", "2024-01-04"));
        _harness.WritePost("~2024-01-01-real.md", Post("Tilde", "2024-01-05"));
        _harness.WritePost(".2024-01-01-real.md.swp", [0x62, 0x30, 0x56, 0x49, 0x4D, 0x00]);
        _harness.WritePost("#2024-01-01-real.md#", Post("Emacs autosave", "2024-01-06"));
        _harness.WritePost("_drafts/2024-01-07-draft.md", Post("Underscore folder", "2024-01-07"));
        _harness.WritePost(".git/x.md", Post("Git", "2024-01-08"));
        _harness.WritePost("notes.txt", "not a post");
        _harness.WritePost("2024-01-09-other.markdown", Post("Markdown extension", "2024-01-09"));

        _harness.Catalog.Scan();
        var snapshot = _harness.Snapshot();

        Assert.Equal(["Markdown extension", "Real"], snapshot.Posts.Select(p => p.Title));
        Assert.Empty(snapshot.Rejected);
    }

    [Fact]
    public void Scan_LinkedFoldersLoopingBack_EachPostOnceAndALinkOutsideIsRead()
    {
        _harness.WritePost("2024-01-01-a.md", Post("A", "2024-01-01"));
        _harness.WritePost("sub/2024-01-02-b.md", Post("B", "2024-01-02"));
        using var outside = new TempFolder();
        File.WriteAllText(Path.Combine(outside.Path, "2024-01-03-shared.md"), Post("Shared", "2024-01-03"));
        Directory.CreateSymbolicLink(_harness.PostPath("loop"), ".");
        Directory.CreateSymbolicLink(_harness.PostPath("up"), "..");
        Directory.CreateSymbolicLink(_harness.PostPath("sub/side"), _harness.PostPath("sub"));
        Directory.CreateSymbolicLink(_harness.PostPath("shared"), outside.Path);
        Directory.CreateSymbolicLink(Path.Combine(outside.Path, "back"), outside.Path);

        _harness.Catalog.Scan();
        var snapshot = _harness.Snapshot();

        Assert.Equal(["Shared", "B", "A"], snapshot.Posts.Select(p => p.Title));
        Assert.Equal("shared/2024-01-03-shared.md", snapshot.Posts[0].File);
        Assert.Empty(snapshot.Rejected);
    }

    [Fact]
    public void GetContent_SamePostTwice_RendersOnce()
    {
        _harness.WritePost("2024-01-01-a.md", Post("A", "2024-01-01"));
        _harness.Catalog.Scan();
        var post = Assert.Single(_harness.Snapshot().Posts);

        var first = _harness.Catalog.GetContent(post);
        var second = _harness.Catalog.GetContent(post);

        Assert.Same(first, second);
        Assert.Equal("<p>Body of A.</p>\n", first.Html);
    }

    [Fact]
    public void GetContent_BomAndCrlfFile_RendersBodyOnly()
    {
        _harness.WritePost("2024-01-01-a.md", [.. "\uFEFF"u8, .. "---\r\ntitle: A\r\n---\r\nLine one\r\n\r\nLine two\r\n"u8]);
        _harness.Catalog.Scan();

        var content = _harness.Catalog.GetContent(Assert.Single(_harness.Snapshot().Posts));

        Assert.Equal("<p>Line one</p>\n<p>Line two</p>\n", content.Html.Replace("\r", "", StringComparison.Ordinal));
        Assert.DoesNotContain("title:", content.Html, StringComparison.Ordinal);
    }
}
