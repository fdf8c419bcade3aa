using System.Net;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Extensions.Footnotes;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Renderers.Html.Inlines;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Syndicate.Site;

namespace Syndicate.Posts;

/// <summary>
/// Renders a post body to HTML with Markdig (tables, footnotes, auto links, emphasis extras, task
/// lists; raw HTML passes through), makes its URLs absolute and cuts the excerpt: front matter
/// description, else the part before <c>&lt;!--more--&gt;</c>, else the first paragraph (not one in a table or a footnote).
/// </summary>
internal sealed partial class PostRenderer
{
    internal static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
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
        var links = new LinkResolver(_site, new Uri(post.Url));
        var markdown = Markdown.Parse(body, Pipeline);
        var html = ToHtml(markdown, links, body.Length * 2);

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
            excerptHtml = string.Concat(before.Select(block => ToHtml(block, links))).Trim();
        }
        else
        {
            // A paragraph of prose: a table cell's text ("Name", "Yes") or a footnote is no excerpt of the post.
            var first = markdown.Descendants<ParagraphBlock>().FirstOrDefault(paragraph => !InTableOrFootnote(paragraph));
            excerptHtml = first is null ? "" : ToHtml(first, links).Trim();
        }

        var summary = post.Description ?? PlainText(excerptHtml);
        return new PostContent(html, excerptHtml, summary);
    }

    private static bool InTableOrFootnote(Block block)
    {
        for (var parent = block.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is Markdig.Extensions.Tables.Table or Footnote or FootnoteGroup)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Tags stripped, entities decoded, white space collapsed: for JSON Feed summaries and mail text parts.</summary>
    public static string PlainText(string html)
    {
        // What a script, style or template element holds is code, not text: it goes with its tags.
        var shown = html.Contains('<', StringComparison.Ordinal) ? HiddenElements().Replace(html, " ") : html;
        // Inline tags join their text (<em>a</em>. stays "a."); block tags and line breaks separate words.
        var text = WebUtility.HtmlDecode(Tags().Replace(shown, tag => InlineTag().IsMatch(tag.Value) ? "" : " "));
        return Spaces().Replace(text, " ").Trim();
    }

    /// <param name="capacity">The expected length of the HTML: a whole post's is about twice its Markdown, and sizing the
    /// pooled buffer for it spares the copies a growing one makes.</param>
    internal static string ToHtml(MarkdownObject node, LinkResolver links, int capacity = 256)
    {
        using var writer = new PooledTextWriter(capacity);
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        links.Attach(renderer);
        renderer.Render(node);
        return writer.ToString();
    }

    /// <summary>The excerpt marker on a line of its own (not quoted in code or prose).</summary>
    [GeneratedRegex(@"(?m)^[ \t]*<!--\s*more\s*-->[ \t]*\r?$")]
    private static partial Regex MoreLine();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"<(script|style|template)\b[^>]*>.*?(</\1\s*>|$)", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex HiddenElements();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"^</?(a|abbr|b|bdi|bdo|cite|code|data|del|dfn|em|i|ins|kbd|mark|q|s|samp|small|span|strong|sub|sup|time|u|var)\b", RegexOptions.IgnoreCase)]
    private static partial Regex InlineTag();
}

/// <summary>
/// Makes a post's URLs absolute as Markdig writes its HTML (<see cref="HtmlUrlRewriter"/>'s rules), instead of searching the
/// whole HTML for them afterwards: the address of every Markdown link and image goes through Markdig's link rewriter
/// before it is escaped, and the raw HTML a post holds (blocks and inline tags, which Markdig copies as they are) is
/// rewritten as it is written. Searching every tag of a post's HTML cost about a fifth of rendering it.
/// </summary>
internal sealed class LinkResolver(SiteUrls site, Uri document)
{
    private Func<string, string>? _resolve;

    public void Attach(HtmlRenderer renderer)
    {
        if (renderer.Writer is not PooledTextWriter)
        {
            throw new ArgumentException("The renderer must write into a PooledTextWriter, whose text the raw HTML is rewritten in.", nameof(renderer));
        }

        renderer.LinkRewriter = _resolve ??= url => HtmlUrlRewriter.Resolve(url, site, document);
        renderer.ObjectRenderers.Replace<HtmlBlockRenderer>(new ResolvingBlockRenderer(this));
        renderer.ObjectRenderers.Replace<HtmlInlineRenderer>(new ResolvingInlineRenderer(this));
        // Footnote links (#fn:1 and the way back) are written whole, past the link rewriter.
        renderer.ObjectRenderers.Replace<HtmlFootnoteLinkRenderer>(new ResolvingFootnoteLinkRenderer(this));
    }

    /// <summary>Rewrites what the renderer wrote from <paramref name="start"/> on, in place.</summary>
    private void RewriteFrom(HtmlRenderer renderer, int start)
    {
        var text = (PooledTextWriter)renderer.Writer;
        if (text.Length == start)
        {
            return;
        }

        var written = text.ToString(start);
        var rewritten = HtmlUrlRewriter.Rewrite(written, site, document);
        if (!ReferenceEquals(rewritten, written))
        {
            text.Truncate(start);
            text.Write(rewritten);
        }
    }

    private static int Position(HtmlRenderer renderer) => ((PooledTextWriter)renderer.Writer).Length;

    private sealed class ResolvingBlockRenderer(LinkResolver links) : HtmlBlockRenderer
    {
        protected override void Write(HtmlRenderer renderer, HtmlBlock obj)
        {
            var start = Position(renderer);
            base.Write(renderer, obj);
            links.RewriteFrom(renderer, start);
        }
    }

    private sealed class ResolvingFootnoteLinkRenderer(LinkResolver links) : HtmlFootnoteLinkRenderer
    {
        protected override void Write(HtmlRenderer renderer, FootnoteLink link)
        {
            var start = Position(renderer);
            base.Write(renderer, link);
            links.RewriteFrom(renderer, start);
        }
    }

    private sealed class ResolvingInlineRenderer(LinkResolver links) : HtmlInlineRenderer
    {
        protected override void Write(HtmlRenderer renderer, HtmlInline obj)
        {
            var start = Position(renderer);
            base.Write(renderer, obj);
            links.RewriteFrom(renderer, start);
        }
    }
}
