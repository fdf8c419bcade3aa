using Microsoft.Extensions.Options;
using Syndicate.Templates;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Templates;

public sealed class TemplateSetTests
{
    private static readonly SiteModel Site = new("Test Blog", "https://example.org/blog/", "Posts for tests", "en");

    [Fact]
    public void Render_ShippedConfirm_PutsTheLinkInBothParts()
    {
        var set = TemplateFolders.ShippedSet();

        var mail = set.Render("confirm", Model("Ann", "https://example.org/blog/confirm/abc?x=1&y=2"));

        Assert.Contains("href=\"https://example.org/blog/confirm/abc?x=1&amp;y=2\"", mail.Html, StringComparison.Ordinal);
        Assert.Contains("https://example.org/blog/confirm/abc?x=1&y=2", mail.Text, StringComparison.Ordinal);
        Assert.Contains("Hello,", mail.Text, StringComparison.Ordinal);
        // The form's name is anyone's words: the shipped confirmation mail does not carry them.
        Assert.DoesNotContain("Ann", mail.Text + mail.Html, StringComparison.Ordinal);
        Assert.StartsWith("<!DOCTYPE html>", mail.Html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Render_ScriptInName_IsEncodedInHtmlAndPlainInText()
    {
        using var temp = new TempFolder();
        var set = TemplateFolders.Open(TemplateFolders.Write(temp,
            ("confirm.html", "<p>Hello {{ subscriber.name }},</p>"), ("confirm.txt", "Hello {{ subscriber.name }},")));

        var mail = set.Render("confirm", Model("<script>alert(1)</script>", "https://example.org/c/1"));

        Assert.DoesNotContain("<script>", mail.Html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", mail.Html, StringComparison.Ordinal);
        Assert.Contains("Hello <script>alert(1)</script>,", mail.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ShippedLayout_InlinesCssAndKeepsTheMediaQueries()
    {
        var set = TemplateFolders.ShippedSet();

        var mail = set.Render("confirm", Model("", "https://example.org/c/1"));

        Assert.Matches("<td class=\"content\" style=\"[^\"]*font-size: 16px", mail.Html);
        Assert.Contains("@media (prefers-color-scheme: dark)", mail.Html, StringComparison.Ordinal);
        Assert.Contains("<!--[if mso]>", mail.Html, StringComparison.Ordinal);
        Assert.Contains("Hello,", mail.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ShippedConfirm_HiddenPreheaderIsTheFirstTextOfTheBody()
    {
        var set = TemplateFolders.ShippedSet();

        var mail = set.Render("confirm", Model("Ann", "https://example.org/c/1"));

        var (style, _, text) = HiddenPreheader.Read(mail.Html);
        Assert.Equal("Confirm your subscription to Test Blog", text);
        Assert.All(HiddenPreheader.Hiding, declaration => Assert.Contains(declaration, style));
        Assert.Equal(-1, mail.Text.IndexOfAny(HiddenPreheader.Filler));
    }

    [Theory]
    [InlineData(" \r\n ", "<p>Hi</p>")]
    [InlineData("From the model", "{% assign preheader = \"\" %}<p>Hi</p>")]
    public void Render_ShippedLayoutWithoutAPreheader_NoHiddenElement(string preheader, string page)
    {
        using var temp = new TempFolder();
        var shipped = File.ReadAllText(Path.Combine(TemplateFolders.Shipped(), "layout.html"));
        var set = TemplateFolders.Open(TemplateFolders.Write(temp, ("layout.html", shipped), ("note.html", page)));

        var mail = set.Render("note", new { site = Site, preheader });

        Assert.DoesNotContain("<div class=\"preheader\"", mail.Html, StringComparison.Ordinal);
        Assert.Matches("<body[^>]*>\\s*<div role=\"article\"", mail.Html);
    }

    [Theory]
    [InlineData("{% assign preheader = who | append: \" & <i>more</i>\" %}<p>x</p>")]
    [InlineData("{% capture preheader %}{{ who }} & <i>more</i>{% endcapture %}<p>x</p>")]
    public void Render_MailTemplateSetsThePreheader_LayoutPrintsItEncodedOnOneLine(string page)
    {
        using var temp = new TempFolder();
        var folder = TemplateFolders.Write(
            temp,
            ("layout.html", "<html><body><div class=\"preheader\">{{ preheader }}</div>{{ content }}</body></html>"),
            ("note.html", page));
        var set = TemplateFolders.Open(folder);

        var mail = set.Render("note", new { site = Site, who = "Zoë <b>\r\nnext", preheader = "the model's" });

        // An assigned value is encoded where the layout prints it; a captured one as the capture rendered it (the
        // value encoded, the template's own markup kept): never encoded twice.
        var expected = page.Contains("capture", StringComparison.Ordinal)
            ? "<div class=\"preheader\">Zoë &lt;b&gt; next &amp; <i>more</i></div>"
            : "<div class=\"preheader\">Zoë &lt;b&gt; next &amp; &lt;i&gt;more&lt;/i&gt;</div>";
        Assert.True(mail.Html.Contains(expected, StringComparison.Ordinal), mail.Html);
    }

    [Theory]
    [InlineData("he", "rtl")]
    [InlineData("ar-EG", "rtl")]
    [InlineData("fa", "rtl")]
    [InlineData("pa-Arab", "rtl")]
    [InlineData("en", "ltr")]
    [InlineData("ku-Latn", "ltr")]
    public void Render_ShippedLayout_DirectionFollowsTheSiteLanguage(string language, string direction)
    {
        var set = TemplateFolders.ShippedSet();

        var mail = set.Render("confirm", new
        {
            site = Site with { Language = language },
            subscriber = new { email = "ann@example.com", name = "" },
            confirm_url = "https://example.org/c/1",
        });

        // A site in Hebrew or Arabic reads right to left: aligned to the right, its punctuation at the end of the line.
        Assert.Contains($"<html lang=\"{language}\" dir=\"{direction}\"", mail.Html, StringComparison.Ordinal);
        Assert.Matches($"<div role=\"article\"[^>]* lang=\"{language}\" dir=\"{direction}\">", mail.Html);
    }

    [Fact]
    public void Render_ModelPreheader_TheLayoutPrintsIt()
    {
        using var temp = new TempFolder();
        var folder = TemplateFolders.Write(
            temp,
            ("layout.html", "<html><body><div class=\"preheader\">{{ preheader }}</div>{{ content }}</body></html>"),
            ("note.html", "<p>x</p>"));

        var mail = TemplateFolders.Open(folder).Render("note", new { site = Site, preheader = "From the <model>" });

        Assert.Contains("<div class=\"preheader\">From the &lt;model&gt;</div>", mail.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_RawFilter_IsTheOnlyWayToPrintHtml()
    {
        using var temp = new TempFolder();
        var folder = TemplateFolders.Write(temp, ("post.html", "<div>{{ body | raw }}</div><div>{{ body }}</div>"), ("post.txt", "{{ body }} & {{ title }}"));
        var set = TemplateFolders.Open(folder);

        var mail = set.Render("post", new { body = "<p>Hi <b>there</b></p>", title = "Tom & Jerry" });

        Assert.Contains("<div><p style=\"color: #123456\">Hi <b>there</b></p></div>", mail.Html, StringComparison.Ordinal);
        Assert.Contains("<div>&lt;p&gt;Hi &lt;b&gt;there&lt;/b&gt;&lt;/p&gt;</div>", mail.Html, StringComparison.Ordinal);
        Assert.Equal("<p>Hi <b>there</b></p> & Tom & Jerry\n", mail.Text);
    }

    [Fact]
    public void Render_Layout_GetsTheContentRawAndTheSameVariables()
    {
        using var temp = new TempFolder();
        var folder = TemplateFolders.Write(
            temp,
            ("layout.html", "<html><head><style>.x { color: #123456; }</style></head><body><h1>{{ site.title }}</h1>{{ content }}</body></html>"),
            ("note.html", "<p class=\"x\">{{ site.title }} &amp; {{ who }}</p>"));
        var set = TemplateFolders.Open(folder);

        var mail = set.Render("note", new { site = Site with { Title = "A <b> Blog" }, who = "Zoë" });

        Assert.Contains("<h1>A &lt;b&gt; Blog</h1>", mail.Html, StringComparison.Ordinal);
        Assert.Contains("<p class=\"x\" style=\"color: #123456\">A &lt;b&gt; Blog &amp; Zoë</p>", mail.Html, StringComparison.Ordinal);
        Assert.Contains("<style>", mail.Html, StringComparison.Ordinal);
        Assert.Equal("", mail.Text.Trim());
    }

    [Fact]
    public void Open_ParseError_NamesTheFileTheLineAndFluidsMessage()
    {
        using var temp = new TempFolder();
        var folder = TemplateFolders.Write(temp, ("confirm.html", "<p>one</p>\n<p>two</p>\n{% if subscriber.name %}\n<p>never closed</p>"));

        var error = Assert.Throws<OptionsValidationException>(() => TemplateFolders.Open(folder));

        var failure = Assert.Single(error.Failures);
        Assert.Contains("/templates/confirm.html line 4, column", failure, StringComparison.Ordinal);
        Assert.Contains("'{% endif %}' was expected", failure, StringComparison.Ordinal);
        Assert.EndsWith("fix the template and start again.", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TemplateMissingFromFolder_BuiltInDefaultServes()
    {
        using var temp = new TempFolder();
        var folder = TemplateFolders.Write(temp, ("confirm.html", "<p>Own page {{ confirm_url }}</p>"));
        File.Delete(Path.Combine(folder, "confirm.txt"));

        var mail = TemplateFolders.Open(folder).Render("confirm", Model("Ann", "https://example.org/c/1"));

        Assert.Contains("Own page https://example.org/c/1", mail.Html, StringComparison.Ordinal);
        // The text part falls back to the shipped confirm.txt, which carries the link too.
        Assert.Contains("https://example.org/c/1", mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Own page", mail.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_ReportsEveryBadTemplateWithTheConfiguredFolder()
    {
        using var temp = new TempFolder();
        TemplateFolders.Write(temp, ("confirm.txt", "{{ confirm_url | }}"), ("digest.html", "{% for p in posts %}"));
        var validator = new TemplatesOptionsValidator(new TestHostEnvironment(temp.Path));

        var result = validator.Validate(null, new TemplatesOptions { TemplatesFolder = "templates" });

        Assert.True(result.Failed);
        Assert.Equal(2, result.Failures!.Count());
        Assert.Contains(result.Failures!, failure => failure.StartsWith("Template templates/confirm.txt line 1, column", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, failure => failure.StartsWith("Template templates/digest.html line 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_MissingFolder_BuiltInDefaultsPass()
    {
        using var temp = new TempFolder();
        var validator = new TemplatesOptionsValidator(new TestHostEnvironment(temp.Path));

        var result = validator.Validate(null, new TemplatesOptions { TemplatesFolder = "nowhere" });

        Assert.True(result.Succeeded, string.Join(" ", result.Failures ?? []));
        var mail = TemplateFolders.Open(Path.Combine(temp.Path, "nowhere")).Render("confirm", Model("Ann", "https://example.org/c/2"));
        Assert.Contains("https://example.org/c/2", mail.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_ShippedTemplates_Pass()
    {
        var validator = new TemplatesOptionsValidator(new TestHostEnvironment(Path.GetTempPath()));

        var result = validator.Validate(null, new TemplatesOptions { TemplatesFolder = TemplateFolders.Shipped() });

        Assert.True(result.Succeeded, string.Join(" ", result.Failures ?? []));
    }

    private static object Model(string name, string confirmUrl) => new
    {
        site = Site,
        subscriber = new { email = "ann@example.com", name },
        confirm_url = confirmUrl,
    };
}
