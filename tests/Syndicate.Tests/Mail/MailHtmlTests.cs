using Syndicate.Mail;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Mail;

/// <summary>
/// The mail sanitizer: HTML Markdig writes for Markdown is given back untouched (no sanitizer run), anything else goes
/// through HtmlSanitizer and loses what mail should not carry.
/// </summary>
public sealed class MailHtmlTests
{
    private readonly TestSite _site = new();

    [Fact]
    public void Clean_EveryMarkdownFeature_GivenBackAsItIsWithoutTheSanitizer()
    {
        const string Body = """
            # Heading with *emphasis*

            A paragraph with **strong**, `code`, ~~struck~~, ==marked==, H~2~O, x^2^, a [link](/about/ "About"), a
            [relative one](../other/), an ![image](pic.png "Pic"), <https://example.org/auto>, www.example.org, mail
            <mailto:ann@example.org>, a footnote[^1] and an HTML abbreviation.

            | Left | Centre | Right |
            | :--- | :----: | ----: |
            | a    | b      | c     |

            - [x] done
            - [ ] to do

            1. one
            2. two

            > A quote.

            Term
            :   Definition

            ```cs
            var x = a < b && c > d;
            ```

            ---

            <!--more-->

            *[HTML]: HyperText Markup Language
            [^1]: The note.
            """;
        var (_, content) = _site.ParseAndRender("2024-05-01-all.md", "---\ntitle: All\n---\n" + Body);

        foreach (var html in new[] { content.Html, content.ExcerptHtml })
        {
            Assert.False(MailHtml.NeedsSanitizer(html), html);
            Assert.Same(html, MailHtml.Clean(html));
        }

        // The features really are there: a table with alignment, a task box, a footnote, an abbreviation.
        Assert.Contains("style=\"text-align: right;\"", content.Html, StringComparison.Ordinal);
        Assert.Contains("type=\"checkbox\"", content.Html, StringComparison.Ordinal);
        Assert.Contains("class=\"footnote-ref\"", content.Html, StringComparison.Ordinal);
        Assert.Contains("<abbr title=", content.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<style>body { display: none }</style><p>x</p>", "display")]
    [InlineData("<STYLE>p { color: red }</STYLE><p>x</p>", "color")]
    [InlineData("<p>a<script>alert(1)</script></p>", "alert")]
    [InlineData("<p onclick=\"evil()\">x</p>", "evil")]
    [InlineData("<p ONCLICK=\"evil()\">x</p>", "evil")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>", "javascript")]
    [InlineData("<a href=\"&#106;avascript:alert(1)\">x</a>", "alert")]
    [InlineData("<a href=javascript:alert(1)>x</a>", "javascript")]
    [InlineData("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">", "data:")]
    [InlineData("<p style=\"position: fixed; top: 0\">x</p>", "position")]
    [InlineData("<form action=\"/subscribe\"><input name=\"e\"></form>", "form")]
    [InlineData("<input type=\"text\" onfocus=\"evil()\">", "evil")]
    [InlineData("<!--[if mso]><p>Outlook only</p><![endif]--><p>x</p>", "Outlook")]
    [InlineData("<svg><script>alert(1)</script></svg>", "alert")]
    [InlineData("<iframe src=\"javascript:alert(1)\"></iframe>", "javascript")]
    public void Clean_SomethingMarkdownDoesNotWrite_GoesThroughTheSanitizer(string html, string gone)
    {
        Assert.True(MailHtml.NeedsSanitizer(html));

        var clean = MailHtml.Clean(html);

        Assert.DoesNotContain(gone, clean, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Clean_EmbeddedVideo_BecomesALinkToIt()
    {
        var clean = MailHtml.Clean("<p>Watch:</p><iframe src=\"https://www.youtube.com/embed/abc\"></iframe><video src=\"https://example.org/v.mp4\" controls></video>");

        Assert.Equal("<p>Watch:</p><p><a href=\"https://www.youtube.com/embed/abc\">https://www.youtube.com/embed/abc</a></p>"
            + "<p><a href=\"https://example.org/v.mp4\">https://example.org/v.mp4</a></p>", clean);
    }
}
