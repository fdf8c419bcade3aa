using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Renderers;
using Markdig.Syntax;
using Syndicate.Site;

namespace Syndicate.Posts;

/// <summary>
/// Renders a post body to HTML with Markdig (tables, footnotes, auto links, emphasis extras, task
/// lists; raw HTML passes through), makes its URLs absolute and cuts the excerpt: front matter
/// description, else the part before <c>&lt;!--more--&gt;</c>, else the first paragraph.
/// </summary>
internal sealed partial class PostRenderer
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseGridTables()
        .UseFootnotes()
        .UseAutoLinks()
        .UseEmphasisExtras()
        .UseTaskLists()
        .UseListExtras()
        .UseDefinitionLists()
        .UseAbbreviations()
        .UseAutoIdentifiers(Markdig.Extensions.AutoIdentifiers.AutoIdentifierOptions.GitHub)
        .Build();

    private readonly SiteUrls _site;

    public PostRenderer(SiteUrls site) => _site = site;

    public PostContent Render(Post post, string body)
    {
        var document = new Uri(post.Url);
        var markdown = Markdown.Parse(body, Pipeline);
        var html = HtmlUrlRewriter.Rewrite(ToHtml(markdown, body.Length * 2), _site, document);

        string excerptHtml;
        // The marker is a top-level HTML block of its own; the same text inside a code block is content.
        var more = markdown.OfType<HtmlBlock>().FirstOrDefault(block => MoreLine().IsMatch(block.Lines.ToString()));
        if (post.Description is { } description)
        {
            excerptHtml = "<p>" + WebUtility.HtmlEncode(description) + "</p>";
        }
        else if (more is not null)
        {
            // The blocks before the marker, from the whole document, so that reference links and
            // footnotes defined further down still resolve.
            var before = markdown.TakeWhile(block => !ReferenceEquals(block, more)).ToArray();
            excerptHtml = HtmlUrlRewriter.Rewrite(string.Concat(before.Select(block => ToHtml(block))), _site, document).Trim();
        }
        else
        {
            var first = markdown.Descendants<ParagraphBlock>().FirstOrDefault();
            excerptHtml = first is null ? "" : HtmlUrlRewriter.Rewrite(ToHtml(first), _site, document).Trim();
        }

        var summary = post.Description ?? PlainText(excerptHtml);
        return new PostContent(html, excerptHtml, summary);
    }

    /// <summary>Tags stripped, entities decoded, white space collapsed: for JSON Feed summaries and mail text parts.</summary>
    public static string PlainText(string html)
    {
        // Inline tags join their text (<em>a</em>. stays "a."); block tags and line breaks separate words.
        var text = WebUtility.HtmlDecode(Tags().Replace(html, tag => InlineTag().IsMatch(tag.Value) ? "" : " "));
        return Spaces().Replace(text, " ").Trim();
    }

    /// <param name="capacity">The expected length of the HTML: a whole post's is about twice its Markdown, and sizing the
    /// buffer for it spares the copies a growing one makes (a few hundred KB per post).</param>
    private static string ToHtml(MarkdownObject node, int capacity = 256)
    {
        using var writer = new StringWriter(new StringBuilder(capacity), CultureInfo.CurrentCulture);
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(node);
        writer.Flush();
        return writer.ToString();
    }

    /// <summary>The excerpt marker on a line of its own (not quoted in code or prose).</summary>
    [GeneratedRegex(@"(?m)^[ \t]*<!--\s*more\s*-->[ \t]*\r?$")]
    private static partial Regex MoreLine();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"^</?(a|abbr|b|bdi|bdo|cite|code|data|del|dfn|em|i|ins|kbd|mark|q|s|samp|small|span|strong|sub|sup|time|u|var)\b", RegexOptions.IgnoreCase)]
    private static partial Regex InlineTag();
}
