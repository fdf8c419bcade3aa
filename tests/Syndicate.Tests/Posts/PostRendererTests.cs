using Syndicate.Posts;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Posts;

public sealed class PostRendererTests
{
    private readonly TestSite _site = new();

    private (string Html, string Excerpt, string Summary) Render(string body, params string[] frontMatter)
    {
        var text = "---\ntitle: T\ndate: 2024-05-01\n" + string.Concat(frontMatter.Select(line => line + "\n")) + "---\n" + body;
        var (_, content) = _site.ParseAndRender("hello.md", text);
        return (content.Html, content.ExcerptHtml, content.SummaryText);
    }

    [Fact]
    public void Render_PipeTable_IsATable()
    {
        var (html, _, _) = Render("| A | B |\n| - | - |\n| 1 | 2 |\n");

        Assert.Contains("<table>", html, StringComparison.Ordinal);
        Assert.Contains("<th>A</th>", html, StringComparison.Ordinal);
        Assert.Contains("<td>2</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Footnote_HasReferenceAndDefinitionLinkedThroughThePostsAddress()
    {
        var (post, content) = _site.ParseAndRender("hello.md", "---\ntitle: T\ndate: 2024-05-01\n---\nText.[^1]\n\n[^1]: The note.\n");
        var html = content.Html;

        // A feed gives its items no base address: a bare #fn:1 would point into the feed file.
        Assert.StartsWith("https://example.org/blog/2024/05/01/", post.Url, StringComparison.Ordinal);
        Assert.Contains($"<a id=\"fnref:1\" href=\"{post.Url}#fn:1\" class=\"footnote-ref\">", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"{post.Url}#fnref:1\" class=\"footnote-back-ref\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"#", html, StringComparison.Ordinal);
        Assert.Contains("id=\"fn:1\"", html, StringComparison.Ordinal);
        Assert.Contains("The note.", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_BareUrl_IsAutolinked()
    {
        var (html, _, _) = Render("See https://example.com/page for more.\n");

        Assert.Contains("<a href=\"https://example.com/page\">https://example.com/page</a>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_EmphasisExtras_AreRendered()
    {
        var (html, _, _) = Render("~~gone~~ and ==marked== and H~2~O and x^2^\n");

        Assert.Contains("<del>gone</del>", html, StringComparison.Ordinal);
        Assert.Contains("<mark>marked</mark>", html, StringComparison.Ordinal);
        Assert.Contains("H<sub>2</sub>O", html, StringComparison.Ordinal);
        Assert.Contains("x<sup>2</sup>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_TaskList_HasCheckboxes()
    {
        var (html, _, _) = Render("- [x] done\n- [ ] open\n");

        Assert.Contains("type=\"checkbox\"", html, StringComparison.Ordinal);
        Assert.Contains("checked=\"checked\"", html, StringComparison.Ordinal);
        Assert.Equal(2, html.Split("type=\"checkbox\"").Length - 1);
    }

    [Fact]
    public void Render_RawHtml_PassesThrough()
    {
        var (html, _, _) = Render("<div class=\"note\"><span>raw</span></div>\n\nInline <kbd>Ctrl</kbd>.\n");

        Assert.Contains("<div class=\"note\"><span>raw</span></div>", html, StringComparison.Ordinal);
        Assert.Contains("<kbd>Ctrl</kbd>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_RelativeLinks_AreMadeAbsolute()
    {
        var (html, _, _) = Render("[about](/about/) ![pic](pic.png)\n");

        Assert.Contains("href=\"https://example.org/blog/about/\"", html, StringComparison.Ordinal);
        Assert.Contains("src=\"https://example.org/blog/2024/05/01/hello/pic.png\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Description_IsTheExcerpt()
    {
        var (_, excerpt, summary) = Render("First paragraph.\n\n<!--more-->\n\nRest.\n", "description: Fish & <chips>");

        Assert.Equal("<p>Fish &amp; &lt;chips&gt;</p>", excerpt);
        Assert.Equal("Fish & <chips>", summary);
    }

    [Fact]
    public void Render_MoreMarker_ExcerptIsEverythingBeforeIt()
    {
        var (html, excerpt, summary) = Render("One.\n\nTwo with [a link](/x/).\n\n<!--more-->\n\nThree.\n");

        Assert.Equal("<p>One.</p>\n<p>Two with <a href=\"https://example.org/blog/x/\">a link</a>.</p>", excerpt);
        Assert.Equal("One. Two with a link.", summary);
        Assert.Contains("<p>Three.</p>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_MoreMarkerWithReferenceLinkDefinedBelow_ExcerptResolvesIt()
    {
        var (_, excerpt, summary) = Render("Read [the docs][docs] first.[^1]\n\n<!--more-->\n\nRest.\n\n[docs]: /docs/\n[^1]: A note.\n");

        Assert.Equal("<p>Read <a href=\"https://example.org/blog/docs/\">the docs</a> first.<a id=\"fnref:1\" href=\"https://example.org/blog/2024/05/01/hello/#fn:1\" class=\"footnote-ref\"><sup>1</sup></a></p>", excerpt);
        Assert.Equal("Read the docs first.1", summary);
    }

    [Fact]
    public void PlainText_BlocksAndBreaks_SeparateWordsInlineTagsDoNot()
    {
        Assert.Equal("a b c d.", PostRenderer.PlainText("<p>a</p><p>b<br>c <strong>d</strong>.</p>"));
        Assert.Equal("x & y", PostRenderer.PlainText("<p>x &amp; <em>y</em></p>"));
    }

    [Fact]
    public void Render_MoreMarkerWithCrlfAndSpaces_IsFound()
    {
        var (_, excerpt, _) = Render("One.\r\n\r\n  <!-- more -->  \r\n\r\nTwo.\r\n");

        Assert.Equal("<p>One.</p>", excerpt);
    }

    [Fact]
    public void Render_NoMarker_ExcerptIsFirstParagraph()
    {
        var (_, excerpt, summary) = Render("# Heading\n\nFirst *paragraph*.\n\nSecond.\n");

        Assert.Equal("<p>First <em>paragraph</em>.</p>", excerpt);
        Assert.Equal("First paragraph.", summary);
    }

    [Theory]
    [InlineData("| Name | Done |\n| - | - |\n| a | yes |\n\nThe results so far.\n")]
    [InlineData("```\ncode\n```\n\n| Name | Done |\n| - | - |\n| a | yes |\n\nThe results so far.\n")]
    [InlineData("+------+------+\n| Name | Done |\n+======+======+\n| a    | yes  |\n+------+------+\n\nThe results so far.\n")]
    public void Render_NoMarkerAndATableFirst_ExcerptIsTheFirstParagraphOutsideTheTable(string body)
    {
        var (_, excerpt, summary) = Render(body);

        Assert.Equal("<p>The results so far.</p>", excerpt);
        Assert.Equal("The results so far.", summary);
    }

    [Fact]
    public void Render_NoMarkerAndOnlyATableAndAFootnote_NoExcerpt()
    {
        var (_, excerpt, summary) = Render("| Name | Done[^1] |\n| - | - |\n| a | yes |\n\n[^1]: As of May.\n");

        Assert.Equal("", excerpt);
        Assert.Equal("", summary);
    }

    [Fact]
    public void Render_MoreMarkerInsideCodeBlock_IsNotAMarker()
    {
        var (_, excerpt, _) = Render("Intro.\n\n```html\n<!--more-->\n```\n\nAfter.\n");

        Assert.Equal("<p>Intro.</p>", excerpt);
    }

    [Fact]
    public void Render_EmptyBody_HasEmptyExcerpt()
    {
        var (html, excerpt, summary) = Render("");

        Assert.Equal("", html);
        Assert.Equal("", excerpt);
        Assert.Equal("", summary);
    }
}

public sealed class LinkResolverTests
{
    private static readonly string[] Urls =
    [
        "/about/", "a.png", "../x/", "./img/b.png?w=1&h=2", "#fn", "https://other.example/é?q=1", "café.png", "~user/page",
        "mailto:me@example.org", "//cdn.example/x.js", "a%20b.png", "/path/ü/", "q?x='y'", "../../02/x/", "", "?only=query",
        "tel:+4930123", "data:image/png;base64,iVBORw0KGgo=", "HTTP://UPPER.example/", "dir/sub/../file.html", "/a(b)c",
    ];

    private static readonly string[] Pieces =
    [
        "[text]({0})", "![alt]({0})", "[t]({0} \"title\")", "[ref][r]\n\n[r]: {0}\n", "<{0}>", "<https://auto.example/{0}>",
        "<img src=\"{0}\" alt=\"raw\">", "<a href='{0}'>raw</a>", "<video poster={0} controls></video>", "<img srcset=\"{0} 1x, /b.png 2x\">",
        "<div>\n<a href=\"{0}\">block</a>\n</div>\n", "`<a href=\"{0}\">code</a>`", "    <a href=\"{0}\">indented code</a>\n",
        "plain href=\"{0}\" text", "www.example.org/{0}", "[^1]\n\n[^1]: note [in]({0})\n",
    ];

    [Fact]
    public void ToHtml_RandomPosts_GivesWhatRewritingTheWholeHtmlGives()
    {
        var site = new Syndicate.Site.SiteUrls("https://example.org/blog/");
        var document = new Uri("https://example.org/blog/2024/05/01/hello/");
        var random = new Random(20261130);
        var changed = 0;
        for (var i = 0; i < 3_000; i++)
        {
            var body = new System.Text.StringBuilder();
            for (var j = random.Next(1, 6); j > 0; j--)
            {
                var url = Urls[random.Next(Urls.Length)];
                body.Append(System.Globalization.CultureInfo.InvariantCulture, $"Words {j} ").Append(string.Format(System.Globalization.CultureInfo.InvariantCulture, Pieces[random.Next(Pieces.Length)], url));
                body.Append(random.Next(3) == 0 ? "\n\n" : " and ");
            }

            var markdown = body.ToString();
            var plain = Markdig.Markdown.ToHtml(markdown, PostRenderer.Pipeline);
            var expected = Syndicate.Site.HtmlUrlRewriter.Rewrite(plain, site, document);
            var actual = PostRenderer.ToHtml(Markdig.Markdown.Parse(markdown, PostRenderer.Pipeline), new LinkResolver(site, document));
            // One known difference: Markdig writes '~' as %7E, which System.Uri turned back into '~' when the whole HTML was
            // rewritten (relative addresses only); now every address keeps Markdig's %7E. Both are the same URL (RFC 3986, 6.2.2.2).
            Assert.True(expected.Replace("%7E", "~", StringComparison.Ordinal) == actual.Replace("%7E", "~", StringComparison.Ordinal), $"Markdown:\n{markdown}\nexpected:\n{expected}\nactual:\n{actual}");
            changed += expected == plain ? 0 : 1;
        }

        // Most posts had an address to resolve.
        Assert.InRange(changed, 1_500, 3_000);
    }
}
