using Syndicate.Site;

namespace Syndicate.Tests.Site;

public sealed class HtmlUrlRewriterTests
{
    private static readonly SiteUrls Site = new("https://example.org/blog/");
    private static readonly Uri Document = new("https://example.org/blog/2024/05/01/hello/");

    private static string Rewrite(string html) => HtmlUrlRewriter.Rewrite(html, Site, Document);

    [Theory]
    [InlineData("""<a href="/about/">x</a>""", """<a href="https://example.org/blog/about/">x</a>""")]
    [InlineData("""<img src="/img/a.png" alt="a">""", """<img src="https://example.org/blog/img/a.png" alt="a">""")]
    [InlineData("""<source src="/v/a.webm" type="video/webm">""", """<source src="https://example.org/blog/v/a.webm" type="video/webm">""")]
    [InlineData("""<video poster="/v/a.jpg" controls></video>""", """<video poster="https://example.org/blog/v/a.jpg" controls></video>""")]
    public void Rewrite_SiteRelative_JoinsBaseUrlWithItsPath(string html, string expected)
    {
        Assert.Equal(expected, Rewrite(html));
    }

    [Theory]
    [InlineData("""<img src="a.png">""", """<img src="https://example.org/blog/2024/05/01/hello/a.png">""")]
    [InlineData("""<a href="../">up</a>""", """<a href="https://example.org/blog/2024/05/01/">up</a>""")]
    [InlineData("""<a href="../../02/x/">x</a>""", """<a href="https://example.org/blog/2024/05/02/x/">x</a>""")]
    [InlineData("""<a href="./img/b.png?w=1">b</a>""", """<a href="https://example.org/blog/2024/05/01/hello/img/b.png?w=1">b</a>""")]
    public void Rewrite_DocumentRelative_ResolvesAgainstPermalink(string html, string expected)
    {
        Assert.Equal(expected, Rewrite(html));
    }

    [Fact]
    public void Rewrite_SrcSet_ResolvesEveryCandidate()
    {
        var html = """<img srcset="/img/a-1x.png 1x, b-2x.png 2x, https://cdn.example.com/c.png 3x" src="/img/a.png">""";

        Assert.Equal(
            """<img srcset="https://example.org/blog/img/a-1x.png 1x, https://example.org/blog/2024/05/01/hello/b-2x.png 2x, https://cdn.example.com/c.png 3x" src="https://example.org/blog/img/a.png">""",
            Rewrite(html));
    }

    [Theory]
    [InlineData(
        """<img srcset="https://res.cloudinary.com/demo/image/upload/w_480,c_fill/a.jpg 480w, https://res.cloudinary.com/demo/image/upload/w_800,c_fill/a.jpg 800w">""",
        """<img srcset="https://res.cloudinary.com/demo/image/upload/w_480,c_fill/a.jpg 480w, https://res.cloudinary.com/demo/image/upload/w_800,c_fill/a.jpg 800w">""")]
    [InlineData(
        """<img srcset="/img/w_480,h_320/a.jpg 1x,img/b,c.png 2x">""",
        """<img srcset="https://example.org/blog/img/w_480,h_320/a.jpg 1x, https://example.org/blog/2024/05/01/hello/img/b,c.png 2x">""")]
    [InlineData(
        """<img srcset="a.png,, b.png 2x">""",
        """<img srcset="https://example.org/blog/2024/05/01/hello/a.png, https://example.org/blog/2024/05/01/hello/b.png 2x">""")]
    [InlineData(
        "<img srcset=\"\n  small.png 1x,\n  big.png 2x\n\">",
        """<img srcset="https://example.org/blog/2024/05/01/hello/small.png 1x, https://example.org/blog/2024/05/01/hello/big.png 2x">""")]
    public void Rewrite_SrcSet_CommaInsideAUrl_IsPartOfTheUrl(string html, string expected)
    {
        Assert.Equal(expected, Rewrite(html));
    }

    [Fact]
    public void Rewrite_ProtocolRelative_TakesTheSiteScheme()
    {
        Assert.Equal("""<img src="https://cdn.example.com/a.png">""", Rewrite("""<img src="//cdn.example.com/a.png">"""));
    }

    [Theory]
    [InlineData("""<a href="https://other.example/x">x</a>""")]
    [InlineData("""<a href="http://other.example/x">x</a>""")]
    [InlineData("""<a href="mailto:me@example.org">mail</a>""")]
    [InlineData("""<a href="tel:+4930123">call</a>""")]
    [InlineData("""<img src="data:image/png;base64,iVBORw0KGgo=">""")]
    [InlineData("""<p>Plain text with href="/x" outside any tag.</p>""")]
    [InlineData("""<img data-src="/lazy.png">""")]
    public void Rewrite_AbsoluteAndOtherSchemes_AreUntouched(string html)
    {
        Assert.Equal(html, Rewrite(html));
    }

    [Theory]
    [InlineData("""<sup id="fnref:1"><a href="#fn:1" class="footnote-ref">1</a></sup>""",
        """<sup id="fnref:1"><a href="https://example.org/blog/2024/05/01/hello/#fn:1" class="footnote-ref">1</a></sup>""")]
    [InlineData("""<a href="#top">top</a>""", """<a href="https://example.org/blog/2024/05/01/hello/#top">top</a>""")]
    [InlineData("""<a href="?page=2#c">next</a>""", """<a href="https://example.org/blog/2024/05/01/hello/?page=2#c">next</a>""")]
    public void Rewrite_FragmentOnly_PointsIntoThePostNotTheFeed(string html, string expected)
    {
        Assert.Equal(expected, Rewrite(html));
    }

    [Theory]
    [InlineData("""<img alt="1 > 0" src="gt.png">""", """<img alt="1 > 0" src="https://example.org/blog/2024/05/01/hello/gt.png">""")]
    [InlineData("""<img alt='a <b> c' src=/x.png>""", """<img alt='a <b> c' src="https://example.org/blog/x.png">""")]
    [InlineData("""<a title="see href=/x" href="page.html">t</a>""", """<a title="see href=/x" href="https://example.org/blog/2024/05/01/hello/page.html">t</a>""")]
    [InlineData("""<a data-x='src="/y"' HREF = "/z">t</a>""", """<a data-x='src="/y"' HREF = "https://example.org/blog/z">t</a>""")]
    [InlineData("""<img src="/a.png"/><img src=/b.png />""", """<img src="https://example.org/blog/a.png"/><img src="https://example.org/blog/b.png" />""")]
    public void Rewrite_QuotedValues_AreReadWhole(string html, string expected)
    {
        Assert.Equal(expected, Rewrite(html));
    }

    [Fact]
    public void Rewrite_SingleQuotes_KeepsTheQuotes()
    {
        Assert.Equal("<a href='https://example.org/blog/x/'>x</a>", Rewrite("<a href='/x/'>x</a>"));
    }

    [Fact]
    public void Rewrite_UnquotedAttribute_IsQuoted()
    {
        Assert.Equal("""<img src="https://example.org/blog/img/a.png" alt=a>""", Rewrite("<img src=/img/a.png alt=a>"));
    }

    [Fact]
    public void Rewrite_UpperCaseAttribute_IsRewritten()
    {
        Assert.Equal("""<A HREF="https://example.org/blog/x">x</A>""", Rewrite("""<A HREF="/x">x</A>"""));
    }

    [Fact]
    public void Rewrite_EscapedMarkupInCode_IsNotATag()
    {
        var html = "<pre><code>&lt;a href=\"/x\"&gt;</code></pre>";

        Assert.Equal(html, Rewrite(html));
    }

    [Fact]
    public void Resolve_BaseUrlWithoutPath_JoinsAtRoot()
    {
        var site = new SiteUrls("https://example.org");

        Assert.Equal("https://example.org/img/a.png", HtmlUrlRewriter.Resolve("/img/a.png", site, new Uri("https://example.org/2024/x/")));
    }
}
