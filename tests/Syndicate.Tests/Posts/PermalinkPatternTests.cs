using Syndicate.Posts;

namespace Syndicate.Tests.Posts;

public sealed class PermalinkPatternTests
{
    private static readonly DateTime Date = new(2024, 3, 5, 7, 8, 9);

    private static string Expand(string pattern, IReadOnlyList<string>? categories = null, string slug = "hello-world", string fileTitle = "Hello-World")
    {
        Assert.True(PermalinkPattern.TryCreate(pattern, out var permalink, out var error), error);
        return permalink.Expand(Date, slug, fileTitle, categories ?? []);
    }

    [Theory]
    [InlineData("/:year/:month/:day/:slug/", "/2024/03/05/hello-world/")]
    [InlineData("/:year/:i_month/:i_day/:slug", "/2024/3/5/hello-world")]
    [InlineData("/:short_year/:y_day/:slug.html", "/24/065/hello-world.html")]
    [InlineData("/:year/:month/:day/:hour:minute:second/", "/2024/03/05/070809/")]
    [InlineData("/:title/", "/Hello-World/")]
    [InlineData("/:slug:output_ext", "/hello-world.html")]
    [InlineData("blog/:slug/", "/blog/hello-world/")]
    [InlineData("/:categories/:slug/", "/web-dev/news/hello-world/")]
    public void Expand_Placeholders_AreFilled(string pattern, string expected)
    {
        Assert.Equal(expected, Expand(pattern, ["Web Dev", "News"]));
    }

    [Theory]
    [InlineData("date", "/web-dev/2024/03/05/Hello-World.html")]
    [InlineData("pretty", "/web-dev/2024/03/05/Hello-World/")]
    [InlineData("ordinal", "/web-dev/2024/065/Hello-World.html")]
    [InlineData("none", "/web-dev/Hello-World.html")]
    [InlineData("PRETTY", "/web-dev/2024/03/05/Hello-World/")]
    public void Expand_NamedStyles_MatchJekyll(string style, string expected)
    {
        Assert.Equal(expected, Expand(style, ["Web Dev"]));
    }

    [Theory]
    [InlineData("date", "/2024/03/05/Hello-World.html")]
    [InlineData("pretty", "/2024/03/05/Hello-World/")]
    [InlineData("none", "/Hello-World.html")]
    [InlineData("/:categories/:year/:categories/:slug/", "/2024/hello-world/")]
    public void Expand_NoCategories_EmptySegmentsCollapse(string pattern, string expected)
    {
        Assert.Equal(expected, Expand(pattern));
    }

    [Fact]
    public void Expand_CategoriesThatSlugToNothing_AreDropped()
    {
        Assert.Equal("/a-b/2024/hello-world/", Expand("/:categories/:year/:slug/", ["A B", "!!!"]));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("   ", "is empty")]
    [InlineData(null, "is empty")]
    [InlineData("https://example.org/:slug/", "must be a path on the site")]
    [InlineData("/:slug/?page=1", "not a full address, query or fragment")]
    [InlineData("/:slug/#top", "not a full address, query or fragment")]
    [InlineData("/:year/:nope/:slug/", "uses the unknown placeholder :nope; known ones are :categories, :day,")]
    public void TryCreate_InvalidPattern_RejectedWithMessage(string? pattern, string message)
    {
        Assert.False(PermalinkPattern.TryCreate(pattern, out _, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Expand_RandomPatterns_FillEveryPlaceholderAndCollapseEverySlashRun()
    {
        string[] pieces = ["/", "//", "-", "x", ".", ":year", ":month", ":day", ":i_month", ":short_year", ":y_day", ":hour", ":slug", ":title", ":categories", ":output_ext"];
        var values = new Dictionary<string, string>
        {
            [":year"] = "2024",
            [":month"] = "03",
            [":day"] = "05",
            [":i_month"] = "3",
            [":short_year"] = "24",
            [":y_day"] = "065",
            [":hour"] = "07",
            [":slug"] = "hello-world",
            [":title"] = "Hello-World",
            [":output_ext"] = ".html",
        };
        var random = new Random(20261130);
        for (var i = 0; i < 2_000; i++)
        {
            var parts = Enumerable.Range(0, random.Next(1, 8)).Select(_ => pieces[random.Next(pieces.Length)]).ToList();
            // A letter right after a placeholder would make a longer, unknown name: keep placeholders apart from letters.
            var pattern = string.Concat(parts.Select((part, at) => part == "x" && at > 0 && parts[at - 1].StartsWith(':') ? "/x" : part));
            IReadOnlyList<string> categories = random.Next(2) == 0 ? [] : ["Web Dev", "!!!", "News"];
            values[":categories"] = categories.Count == 0 ? "" : "web-dev/news";

            var filled = System.Text.RegularExpressions.Regex.Replace(pattern, ":[a-z_]+", match => values[match.Value]);
            var expected = System.Text.RegularExpressions.Regex.Replace("/" + filled.TrimStart('/'), "/{2,}", "/");
            Assert.Equal(expected, Expand(pattern, categories));
        }
    }
}
