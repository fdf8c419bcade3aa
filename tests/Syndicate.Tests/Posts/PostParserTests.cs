using System.Text;
using Syndicate.Posts;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Posts;

public sealed class PostParserTests
{
    private readonly TestSite _site = new();

    private static string Post(params string[] frontMatter) => "---\n" + string.Join('\n', frontMatter) + "\n---\nBody.\n";

    [Fact]
    public void Parse_DatedFileName_TakesDateAndSlugFromName()
    {
        var post = _site.Parse("2024-05-01-Hello-World.md", Post("title: Hello"));

        Assert.Equal(new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero), post.Date);
        Assert.Equal(post.Date, post.Updated);
        Assert.Equal("hello-world", post.Slug);
        Assert.Equal("/2024/05/01/hello-world/", post.Permalink);
        Assert.Equal("https://example.org/blog/2024/05/01/hello-world/", post.Url);
        Assert.Equal(post.Url, post.Id);
        Assert.Equal("2024-05-01-Hello-World.md", post.File);
        Assert.Equal(4, post.BodyLine);
    }

    [Fact]
    public void Parse_FrontMatterDate_WinsOverFileName()
    {
        var post = _site.Parse("2024-05-01-hello.md", Post("title: Hello", "date: 2024-06-02 10:00"));

        Assert.Equal(new DateTimeOffset(2024, 6, 2, 10, 0, 0, TimeSpan.Zero), post.Date);
        Assert.Equal("/2024/06/02/hello/", post.Permalink);
    }

    [Fact]
    public void Parse_DatedFileNameInSiteZone_IsMidnightThere()
    {
        var site = new TestSite(timeZone: "Europe/Berlin");

        var post = site.Parse("2024-05-01-hello.md", Post("title: Hello"));

        Assert.Equal(new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.FromHours(2)), post.Date);
        Assert.Equal("/2024/05/01/hello/", post.Permalink);
    }

    [Theory]
    [InlineData("2024-05-01", "2024-05-01T00:00:00+00:00")]
    [InlineData("2024-5-1", "2024-05-01T00:00:00+00:00")]
    [InlineData("2024-05-01T14:30", "2024-05-01T14:30:00+00:00")]
    [InlineData("2024-05-01 14:30", "2024-05-01T14:30:00+00:00")]
    [InlineData("2024-05-01 14:30:15", "2024-05-01T14:30:15+00:00")]
    [InlineData("2024-05-01T14:30:15Z", "2024-05-01T14:30:15+00:00")]
    [InlineData("2024-05-01T14:30:15+01:00", "2024-05-01T14:30:15+01:00")]
    [InlineData("2024-05-01T14:30:15+0100", "2024-05-01T14:30:15+01:00")]
    [InlineData("2024-05-01 14:30:15 +0100", "2024-05-01T14:30:15+01:00")]
    [InlineData("2024-05-01 14:30 -05:00", "2024-05-01T14:30:00-05:00")]
    [InlineData("'2024-05-01T14:30:15.250Z'", "2024-05-01T14:30:15.2500000+00:00")]
    public void Parse_DateForms_AreRead(string yaml, string expected)
    {
        var post = _site.Parse("p.md", Post("title: T", "date: " + yaml));

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), post.Date);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture).Offset, post.Date.Offset);
    }

    [Theory]
    [InlineData("2024-01-15 10:00", "2024-01-15T10:00:00+01:00")] // winter: CET
    [InlineData("2024-07-01 10:00", "2024-07-01T10:00:00+02:00")] // summer: CEST
    [InlineData("2024-07-01", "2024-07-01T00:00:00+02:00")]
    [InlineData("2024-10-27 01:59", "2024-10-27T01:59:00+02:00")] // last minute before the fall back
    [InlineData("2024-10-27 03:00", "2024-10-27T03:00:00+01:00")]
    [InlineData("2024-07-01T10:00:00Z", "2024-07-01T10:00:00+00:00")] // an explicit offset is kept
    public void Parse_ZonelessDate_IsReadInSiteTimeZone(string yaml, string expected)
    {
        var site = new TestSite(timeZone: "Europe/Berlin");

        var post = site.Parse("p.md", Post("title: T", "date: " + yaml));

        var want = DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(want, post.Date);
        Assert.Equal(want.Offset, post.Date.Offset);
    }

    [Fact]
    public void Parse_ZonelessTimeInSpringGap_MovesAnHourLater()
    {
        // 02:30 on 2024-03-31 does not exist in Berlin (clocks jump from 02:00 to 03:00): it is read as 03:30 CEST.
        var site = new TestSite(timeZone: "Europe/Berlin");

        var post = site.Parse("p.md", Post("title: T", "date: 2024-03-31 02:30"));

        Assert.Equal(new DateTimeOffset(2024, 3, 31, 1, 30, 0, TimeSpan.Zero), post.Date);
        Assert.Equal(new DateTimeOffset(2024, 3, 31, 3, 30, 0, TimeSpan.FromHours(2)), post.Date);
    }

    [Fact]
    public void Parse_OffsetDate_PermalinkUsesSiteZoneDay()
    {
        // 23:30 in New York is already the next day in Berlin, where the site's addresses are made.
        var site = new TestSite(timeZone: "Europe/Berlin");

        var post = site.Parse("hello.md", Post("title: T", "date: 2024-05-01T23:30:00-04:00"));

        Assert.Equal("/2024/05/02/hello/", post.Permalink);
    }

    [Fact]
    public void Parse_EveryFrontMatterKey_IsRead()
    {
        var post = _site.Parse("2024-05-01-file-name.md", Post(
            "title: \"Everything: all keys\"",
            "date: 2024-05-02T08:00:00Z",
            "description: A short description.",
            "tags: [dotnet, Feeds, DOTNET]",
            "categories: [Web Dev]",
            "author:",
            "  name: Ada Lovelace",
            "  email: ada@example.org",
            "image: cover.png",
            "slug: My Slug",
            "last_modified_at: 2024-05-03T09:00:00Z",
            "id: tag:example.org,2024:everything",
            "draft: false",
            "published: true"));

        Assert.Equal("Everything: all keys", post.Title);
        Assert.Equal(new DateTimeOffset(2024, 5, 2, 8, 0, 0, TimeSpan.Zero), post.Date);
        Assert.Equal(new DateTimeOffset(2024, 5, 3, 9, 0, 0, TimeSpan.Zero), post.Updated);
        Assert.Equal("A short description.", post.Description);
        Assert.Equal(["dotnet", "Feeds"], post.Tags);
        Assert.Equal(["Web Dev"], post.Categories);
        Assert.Equal(["dotnet", "Feeds", "Web Dev"], post.AllTags);
        Assert.Equal("Ada Lovelace", post.Author);
        Assert.Equal("ada@example.org", post.AuthorEmail);
        Assert.Equal("my-slug", post.Slug);
        Assert.Equal("/2024/05/02/my-slug/", post.Permalink);
        Assert.Equal("https://example.org/blog/2024/05/02/my-slug/cover.png", post.Image);
        Assert.Equal("tag:example.org,2024:everything", post.Id);
        Assert.False(post.IsDraft);
        Assert.Empty(post.Warnings);
    }

    [Fact]
    public void Parse_ExcerptKey_UsedWhenNoDescription()
    {
        Assert.Equal("From excerpt.", _site.Parse("p.md", Post("title: T", "date: 2024-01-01", "excerpt: From excerpt.")).Description);
        Assert.Equal("Desc.", _site.Parse("p.md", Post("title: T", "date: 2024-01-01", "excerpt: Ex.", "description: Desc.")).Description);
    }

    [Fact]
    public void Parse_TagsAndCategoriesAsSpaceSeparatedStrings_AreSplit()
    {
        var post = _site.Parse("p.md", Post("title: T", "date: 2024-01-01", "tags: dotnet  feeds\tyaml", "categories: news misc"));

        Assert.Equal(["dotnet", "feeds", "yaml"], post.Tags);
        Assert.Equal(["news", "misc"], post.Categories);
    }

    [Fact]
    public void Parse_SingularCategory_IsACategory()
    {
        var post = _site.Parse("p.md", Post("title: T", "date: 2024-01-01", "category: News"));

        Assert.Equal(["News"], post.Categories);
    }

    [Fact]
    public void Parse_AuthorAsString_HasNoEmail()
    {
        var post = _site.Parse("p.md", Post("title: T", "date: 2024-01-01", "author: Grace Hopper"));

        Assert.Equal("Grace Hopper", post.Author);
        Assert.Null(post.AuthorEmail);
    }

    [Fact]
    public void Parse_NoAuthor_UsesSiteAuthor()
    {
        var site = new TestSite(author: "Site Owner");

        var post = site.Parse("p.md", Post("title: T", "date: 2024-01-01"));

        Assert.Equal("Site Owner", post.Author);
    }

    [Theory]
    [InlineData("/img/a.png", "https://example.org/blog/img/a.png")]
    [InlineData("https://cdn.example.com/a.png", "https://cdn.example.com/a.png")]
    [InlineData("../a.png", "https://example.org/blog/2024/01/01/a.png")]
    public void Parse_Image_IsMadeAbsolute(string image, string expected)
    {
        var post = _site.Parse("p.md", Post("title: T", "date: 2024-01-01", "image: " + image));

        Assert.Equal(expected, post.Image);
    }

    [Fact]
    public void Parse_ImageAsMappingWithPath_UsesPath()
    {
        var post = _site.Parse("p.md", Post("title: T", "date: 2024-01-01", "image:", "  path: /img/b.png", "  alt: B"));

        Assert.Equal("https://example.org/blog/img/b.png", post.Image);
    }

    [Fact]
    public void Parse_OwnPermalink_OverridesSitePattern()
    {
        var post = _site.Parse("2024-03-05-hello.md", Post("title: T", "permalink: /notes/:year/:slug.html"));

        Assert.Equal("/notes/2024/hello.html", post.Permalink);
        Assert.Equal("https://example.org/blog/notes/2024/hello.html", post.Url);
    }

    [Theory]
    [InlineData("pretty", "/2024/03/05/Custom-Slug/")]
    [InlineData("/:year/:slug/", "/2024/custom-slug/")]
    public void Parse_SlugFrontMatter_StandsInForTitlePlaceholderAsInJekyll(string pattern, string expected)
    {
        var site = new TestSite(permalink: pattern);

        var post = site.Parse("2024-03-05-file-name.md", Post("title: T", "slug: Custom Slug"));

        Assert.Equal(expected, post.Permalink);
    }

    [Fact]
    public void Parse_PrettyStyleWithoutSlug_UsesFileTitleWithItsCase()
    {
        var site = new TestSite(permalink: "pretty");

        var post = site.Parse("2024-03-05-My-File.md", Post("title: T", "categories: [Web Dev]"));

        Assert.Equal("/web-dev/2024/03/05/My-File/", post.Permalink);
    }

    [Fact]
    public void Parse_LiteralPermalink_IsUsedAsIs()
    {
        var post = _site.Parse("2024-03-05-hello.md", Post("title: T", "permalink: /about-this/"));

        Assert.Equal("/about-this/", post.Permalink);
    }

    [Fact]
    public void Parse_NonAsciiSlug_IsPercentEncodedInUrl()
    {
        var post = _site.Parse("2024-03-05-grüße.md", Post("title: T"));

        Assert.Equal("grüße", post.Slug);
        Assert.Equal("https://example.org/blog/2024/03/05/gr%C3%BC%C3%9Fe/", post.Url);
    }

    [Theory]
    [InlineData("draft: true", true)]
    [InlineData("draft: yes", true)]
    [InlineData("draft: false", false)]
    [InlineData("published: false", true)]
    [InlineData("published: true", false)]
    public void Parse_DraftAndPublished_MarkDrafts(string line, bool draft)
    {
        Assert.Equal(draft, _site.Parse("p.md", Post("title: T", "date: 2024-01-01", line)).IsDraft);
    }

    [Fact]
    public void Parse_UpdatedKey_SetsUpdated()
    {
        var post = _site.Parse("p.md", Post("title: T", "date: 2024-01-01", "updated: 2024-02-01 12:00"));

        Assert.Equal(new DateTimeOffset(2024, 2, 1, 12, 0, 0, TimeSpan.Zero), post.Updated);
    }

    [Fact]
    public void Parse_LastModifiedBeforeDate_UpdatedIsTheDate()
    {
        var post = _site.Parse("p.md", Post("title: T", "date: 2024-03-01", "last_modified_at: 2024-02-01"));

        Assert.Equal(post.Date, post.Updated);
    }

    [Fact]
    public void Parse_GuidKey_IsTheId()
    {
        var post = _site.Parse("p.md", Post("title: T", "date: 2024-01-01", "guid: urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"));

        Assert.Equal("urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427", post.Id);
    }

    [Fact]
    public void Parse_TabsInYaml_AreReadAsIndentation()
    {
        var post = _site.Parse("p.md", "---\ntitle:\tTabbed\ndate: 2024-01-01\ntags:\n\t- one\n\t- two\nauthor:\n\tname: N\n\temail: n@example.org\n---\nBody\n");

        Assert.Equal("Tabbed", post.Title);
        Assert.Equal(["one", "two"], post.Tags);
        Assert.Equal(("N", "n@example.org"), (post.Author, post.AuthorEmail));
    }

    [Fact]
    public void Parse_BomAndCrlf_ReadsEveryKey()
    {
        var bytes = Encoding.UTF8.GetBytes("\uFEFF---\r\ntitle: Windows\r\ndate: 2024-01-01 10:00\r\ntags: a b\r\n---\r\nBody\r\n");

        var post = TestSite.Good(_site.ParseBytes("p.md", bytes));

        Assert.Equal("Windows", post.Title);
        Assert.Equal(["a", "b"], post.Tags);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 10, 0, 0, TimeSpan.Zero), post.Date);
    }

    [Fact]
    public void Parse_TestDataPosts_AreReadAsWritten()
    {
        var site = new TestSite(timeZone: "Europe/Berlin");

        var crlf = TestSite.Good(site.ParseBytes("2024-03-10-bom-and-crlf.md", File.ReadAllBytes(TestPaths.TestPost("2024-03-10-bom-and-crlf.md"))));
        var tabs = TestSite.Good(site.ParseBytes("2024-07-01-tabs-in-yaml.md", File.ReadAllBytes(TestPaths.TestPost("2024-07-01-tabs-in-yaml.md"))));

        Assert.Equal("Windows line ends & a byte order mark", crlf.Title);
        Assert.Equal(new DateTimeOffset(2024, 3, 10, 9, 15, 0, TimeSpan.FromHours(1)), crlf.Date);
        Assert.Equal(["dotnet", "feeds"], crlf.Tags);
        Assert.Equal("Tabs in the front matter", tabs.Title);
        Assert.Equal(new DateTimeOffset(2024, 7, 1, 18, 30, 0, TimeSpan.FromHours(2)), tabs.Date);
        Assert.Equal(["dotnet", "yaml"], tabs.Tags);
        Assert.Equal(("Grace Hopper", "grace@example.org"), (tabs.Author, tabs.AuthorEmail));
    }

    [Fact]
    public void Parse_MalformedYaml_ReportsTheFileLineCountingTheOpeningFence()
    {
        // File line 1 is ---, line 2 the date, line 3 the title with an unquoted colon.
        var error = _site.Reject("2024-05-07-bad.md", "---\ndate: 2024-05-07\ntitle: Dotnet: the good parts\n---\nBody.\n");

        Assert.Equal(("2024-05-07-bad.md", 3, (string?)null), (error.File, error.Line, error.Field));
        Assert.StartsWith("the front matter is not valid YAML: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("a title holding a colon needs quotes", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Idx:", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("2024-05-07-bad.md:3: the front matter is not valid YAML: ", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("---\ntitle: One\ndate: 2024-05-07\ntitle: Two\n---\nBody.\n", "p.md:4: the key title is given twice, on lines 2 and 4; keep one of them.")]
    [InlineData("---\r\ntitle: T\r\nauthor:\r\n  name: Ann\r\n  name: Bob\r\n---\r\n", "p.md:5: the key name is given twice, on lines 4 and 5; keep one of them.")]
    [InlineData("---\ntitle: T\ntags: [a, {x: 1, x: 2}]\n---\n", "p.md:3: the key x is given twice, on lines 3 and 3; keep one of them.")]
    public void Parse_KeyGivenTwice_NamesBothLinesAndSaysToKeepOne(string text, string expected)
    {
        var error = _site.Reject("p.md", text);

        Assert.Equal(expected, error.ToString());
    }

    [Fact]
    public void Parse_MalformedYamlAfterBomAndCrlf_LineIsStillTheFileLine()
    {
        var bytes = Encoding.UTF8.GetBytes("\uFEFF---\r\ntitle: Fine\r\ndate: 2024-01-01\r\ntags: [a, b\r\n---\r\n");

        var error = TestSite.Single(_site.ParseBytes("p.md", bytes));

        Assert.Contains("not valid YAML", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.Line ?? 0, 4, 5);
    }

    [Theory]
    [InlineData("---\ntitle: x\ntags: [a, b\ndate: 2026-05-02\n---\nB\n", 3)]
    [InlineData("---\ntitle: x\nauthor: {name: Ann\ndate: 2026-05-02\ntags: [a]\n---\nB\n", 3)]
    public void Parse_InlineListLeftOpenBeforeMoreKeys_IsRejectedWithTheLineNotThrown(string text, int line)
    {
        // YamlDotNet throws InvalidOperationException here rather than a YamlException with a position.
        var error = _site.Reject("2026-05-02-x.md", text);

        Assert.Equal(("2026-05-02-x.md", line), (error.File, error.Line));
        Assert.StartsWith("the front matter is not valid YAML: the list or mapping opened with [ or { on this line is never closed", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tags: [a, b]\ntitle: x", null)]
    [InlineData("title: x\ntags: [a, b\ndate: 1", 2)]
    [InlineData("title: \"[not a list\"\ntags: [a]", null)]
    [InlineData("title: it's [fine\ntags: [a", 1)]
    [InlineData("title: x # [comment\ntags: {a: [b, c]}\nmore: [", 3)]
    [InlineData("title: '[quoted'\nother: \"a \\\" [\"", null)]
    public void UnclosedBracketLine_FindsTheLineOfTheFirstBracketLeftOpen(string yaml, int? line) =>
        Assert.Equal(line, FrontMatterReader.UnclosedBracketLine(yaml));

    [Fact]
    public void Parse_FrontMatterNotAMapping_SaysKeyValueLines()
    {
        var error = _site.Reject("p.md", "---\n- just\n- a list\n---\n");

        Assert.Equal(2, error.Line);
        Assert.Contains("must be key: value lines", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingTitle_NamesFieldAndFix()
    {
        var error = _site.Reject("2024-01-01-x.md", "---\ndate: 2024-01-01\n---\nBody\n");

        Assert.Equal(("2024-01-01-x.md", (int?)null, "title"), (error.File, error.Line, error.Field));
        Assert.Contains("there is no title; add a line such as title: My first post", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("title:")]
    [InlineData("title: \"\"")]
    [InlineData("title: '   '")]
    public void Parse_EmptyTitle_NamesLineFieldAndFix(string line)
    {
        var error = _site.Reject("2024-01-01-x.md", "---\ndate: 2024-01-01\n" + line + "\n---\nBody\n");

        Assert.Equal((3, "title"), (error.Line, error.Field));
        Assert.Contains("the title is empty; give the post a title", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TitleAsList_ReportedOnceAsWrongShape()
    {
        var result = _site.ParseResult("2024-01-01-x.md", "---\ntitle:\n  - a\n  - b\n---\n");

        var error = TestSite.Single(result);
        Assert.Equal("title", error.Field);
        Assert.Contains("title must be text, not a list", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("next tuesday")]
    [InlineData("2024-13-01")]
    [InlineData("2024-02-30")]
    [InlineData("2024-05-01T25:00")]
    [InlineData("2024-05-01T10:00+15:00")]
    [InlineData("2024-05-01T10:00-00:60")]
    [InlineData("2024-05-01 10:00 +0175")]
    [InlineData("01/05/2024")]
    public void Parse_UnparseableDate_NamesValueLineAndFormats(string value)
    {
        var error = _site.Reject("p.md", "---\ntitle: T\ndate: " + value + "\n---\n");

        Assert.Equal(("p.md", 3, "date"), (error.File, error.Line, error.Field));
        Assert.Contains($"'{value}' is not a date; write it as 2024-05-01", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoDateAnywhere_SaysToAddOneOrRenameTheFile()
    {
        var error = _site.Reject("undated.md", "---\ntitle: T\n---\n");

        Assert.Equal(("date", (int?)null), (error.Field, error.Line));
        Assert.Contains("add date: 2024-05-01 to the front matter or name the file 2024-05-01-title.md", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnparseableUpdated_NamesTheKey()
    {
        var error = _site.Reject("p.md", "---\ntitle: T\ndate: 2024-01-01\nlast_modified_at: soon\n---\n");

        Assert.Equal((4, "last_modified_at"), (error.Line, error.Field));
        Assert.Contains("'soon' is not a date", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TagsAsMapping_NamesFieldLineAndFix()
    {
        var error = _site.Reject("p.md", "---\ntitle: T\ndate: 2024-01-01\ntags:\n  dotnet: yes\n---\n");

        Assert.Equal(("p.md", 5, "tags"), (error.File, error.Line, error.Field));
        Assert.Contains("tags must be a list such as [news, dotnet] or a space-separated string, not a set of key: value pairs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TagsListHoldingAList_NamesTheEntry()
    {
        var error = _site.Reject("p.md", "---\ntitle: T\ndate: 2024-01-01\ntags:\n  - a\n  - [b, c]\n---\n");

        Assert.Equal((6, "tags"), (error.Line, error.Field));
        Assert.Contains("this entry is a list", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DraftNotABoolean_SaysTrueOrFalse()
    {
        var error = _site.Reject("p.md", "---\ntitle: T\ndate: 2024-01-01\ndraft: maybe\n---\n");

        Assert.Equal((4, "draft"), (error.Line, error.Field));
        Assert.Equal("draft must be true or false.", error.Message);
    }

    [Fact]
    public void Parse_InvalidOwnPermalink_NamesTheKey()
    {
        var error = _site.Reject("p.md", "---\ntitle: T\ndate: 2024-01-01\npermalink: /:nope/\n---\n");

        Assert.Equal((4, "permalink"), (error.Line, error.Field));
        Assert.Contains("unknown placeholder :nope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralBadKeys_ReportsEachOnce()
    {
        var result = _site.ParseResult("p.md", "---\ntitle: T\ndate: someday\ntags: {a: b}\ndraft: perhaps\n---\n");

        Assert.Null(result.Post);
        Assert.Equal(["date", "tags", "draft"], result.Errors.Select(e => e.Field));
        Assert.Equal([3, 4, 5], result.Errors.Select(e => e.Line));
    }

    [Fact]
    public void Parse_InvalidUtf8File_ReportsTheLine()
    {
        var error = TestSite.Single(_site.ParseBytes("2024-05-06-latin1.md", File.ReadAllBytes(TestPaths.TestPost("2024-05-06-latin1.md"))));

        Assert.Equal(("2024-05-06-latin1.md", 2), (error.File, error.Line));
        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BinaryFileNamedMd_IsRejectedAsBinary()
    {
        var error = TestSite.Single(_site.ParseBytes("2024-05-05-binary.md", File.ReadAllBytes(TestPaths.TestPost("2024-05-05-binary.md"))));

        Assert.Contains("binary file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FileOverMaxFileBytes_IsRejected()
    {
        var site = new TestSite(maxFileBytes: 100);

        var error = TestSite.Single(site.ParseBytes("big.md", Encoding.UTF8.GetBytes(Post("title: T", "date: 2024-01-01") + new string('a', 200))));

        Assert.Contains("over Posts:MaxFileBytes (100)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ControlCharactersAndLineBreaksInTitle_BecomeSpacesWithAWarning()
    {
        var post = _site.Parse("p.md", Post("title: \"Bell\\a and\\x01 escape\\e\\r\\nSecond line\\u2028end\"", "date: 2024-01-01"));

        Assert.Equal("Bell and escape Second line end", post.Title);
        Assert.DoesNotContain(post.Title, char.IsControl);
        var warning = Assert.Single(post.Warnings);
        Assert.Equal((2, "title", false), (warning.Line, warning.Field, warning.IsError));
        Assert.Contains("control characters", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_LineBreaksInDescription_AreJoined()
    {
        var post = _site.Parse("p.md", Post("title: T", "date: 2024-01-01", "description: |", "  one", "  two"));

        Assert.Equal("one two", post.Description);
        Assert.Empty(post.Warnings);
    }

    [Fact]
    public void Parse_MarkupInTitle_IsKeptAsText()
    {
        // Escaping is the feed writers' job; the title is text and keeps what the author wrote.
        var post = _site.Parse("p.md", Post("title: <script>alert(1)</script> & more", "date: 2024-01-01"));

        Assert.Equal("<script>alert(1)</script> & more", post.Title);
    }

    [Fact]
    public void Parse_NewlineInTagsOrAuthor_CannotReachAHeader()
    {
        var post = _site.Parse("p.md", Post("title: T", "date: 2024-01-01", "author: \"Eve\\r\\nBcc: x@example.org\"", "tags: [\"a\\nb\"]"));

        Assert.Equal("Eve Bcc: x@example.org", post.Author);
        Assert.Equal(["a b"], post.Tags);
    }
}
