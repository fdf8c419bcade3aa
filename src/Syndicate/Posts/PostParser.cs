using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Syndicate.Site;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Syndicate.Posts;

/// <summary>
/// Turns one post file into a <see cref="Post"/> or into diagnostics naming the file, line,
/// key and fix. Only the front matter is read here; the body is rendered later, on demand.
/// </summary>
internal sealed partial class PostParser
{
    private readonly SiteUrls _site;
    private readonly TimeZoneInfo _zone;
    private readonly PermalinkPattern _permalink;
    private readonly long _maxBytes;
    private readonly string _defaultAuthor;

    public PostParser(IOptions<SiteOptions> site, IOptions<PostsOptions> posts)
    {
        _site = new SiteUrls(site.Value.BaseUrl);
        SiteOptionsValidator.TryFindTimeZone(site.Value.TimeZone, out _zone);
        if (!PermalinkPattern.TryCreate(posts.Value.Permalink, out _permalink, out var error))
        {
            throw new OptionsValidationException(PostsOptions.Section, typeof(PostsOptions), [$"Posts:Permalink {error}"]);
        }

        _maxBytes = posts.Value.MaxFileBytes;
        _defaultAuthor = site.Value.Author;
        Fingerprint = string.Join('\n', site.Value.BaseUrl, _zone.Id, posts.Value.Permalink, _maxBytes, _defaultAuthor);
    }

    /// <summary>The settings a parsed or rendered post depends on: a post cached under others is read again.</summary>
    public string Fingerprint { get; }

    public SiteUrls Site => _site;

    public long MaxFileBytes => _maxBytes;

    public TimeZoneInfo TimeZone => _zone;

    public PostParseResult Parse(string fullPath, string file, ReadOnlySpan<byte> bytes, FileStamp stamp)
    {
        var source = PostSource.Read(file, bytes, _maxBytes, out var readError, withBody: false);
        if (source is null)
        {
            return new PostParseResult(null, [readError!]);
        }

        return Parse(fullPath, file, source, stamp);
    }

    public PostParseResult Parse(string fullPath, string file, PostSource source, FileStamp stamp)
    {
        var front = new FrontMatterReader(file, source.FrontMatterLine);
        if (!front.Load(source.FrontMatter))
        {
            return new PostParseResult(null, front.Errors);
        }

        var fileName = Path.GetFileNameWithoutExtension(file);
        var nameMatch = DatedFileName().Match(fileName);
        var fileTitle = nameMatch.Success ? nameMatch.Groups["title"].Value : fileName;

        var title = front.Text("title", singleLine: true);
        if (string.IsNullOrWhiteSpace(title) && !front.Errors.Any(error => error.Field == "title"))
        {
            front.Error("title", front.LineOf("title"), front.Has("title")
                ? "the title is empty; give the post a title."
                : "there is no title; add a line such as title: My first post to the front matter.");
        }

        DateTimeOffset date = default;
        var dateText = front.Text("date", singleLine: true);
        if (!string.IsNullOrWhiteSpace(dateText))
        {
            if (!PostDate.TryParse(dateText, _zone, out date))
            {
                front.Error("date", front.LineOf("date"),
                    $"'{dateText}' is not a date; write it as 2024-05-01, 2024-05-01 14:30 or 2024-05-01T14:30:00+02:00.");
            }
        }
        else if (nameMatch.Success && PostDate.TryParse(nameMatch.Groups["date"].Value, _zone, out var fromName))
        {
            date = fromName;
        }
        else
        {
            front.Error("date", front.LineOf("date"),
                "there is no date; add date: 2024-05-01 to the front matter or name the file 2024-05-01-title.md.");
        }

        var updated = date;
        foreach (var key in (string[])["last_modified_at", "updated"])
        {
            var text = front.Text(key, singleLine: true);
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (!PostDate.TryParse(text, _zone, out var value))
            {
                front.Error(key, front.LineOf(key), $"'{text}' is not a date; write it as 2024-05-01 or 2024-05-01T14:30:00+02:00.");
            }
            else if (value > updated)
            {
                updated = value;
            }

            break;
        }

        var tags = front.List("tags");
        var categories = front.List("categories");
        if (categories.Count == 0)
        {
            categories = front.List("category");
        }

        var description = front.Text("description", singleLine: true) ?? front.Text("excerpt", singleLine: true);
        var (author, authorEmail) = front.Person("author");
        var image = front.Text("image", singleLine: true, mappingKey: "path");
        var slugValue = front.Text("slug", singleLine: true);
        var permalinkValue = front.Text("permalink", singleLine: true);
        var id = front.Text("id", singleLine: true) ?? front.Text("guid", singleLine: true);
        if (!string.IsNullOrWhiteSpace(id) && !Feeds.AtomIds.IsIri(id))
        {
            front.Warn(front.Has("id") ? "id" : "guid",
                $"{id} is not a URI; RSS and JSON Feed carry it as written, but an Atom entry's id must be a URI, so atom.xml gives this post " +
                $"{Feeds.AtomIds.For(id)}; write the id as a URI (such as tag:example.org,2024:{id}) to choose it yourself.");
        }
        var draft = front.Bool("draft") == true || front.Bool("published") == false;

        if (front.Errors.Count > 0)
        {
            return new PostParseResult(null, front.Errors);
        }

        var slug = Slug.Create(string.IsNullOrWhiteSpace(slugValue) ? fileTitle : slugValue);
        if (slug.Length == 0)
        {
            slug = Slug.Create(title!);
        }

        var localDate = TimeZoneInfo.ConvertTime(date, _zone).DateTime;

        // Jekyll's :title is the file name's title unless front matter gives a slug, which then stands in for it too.
        var permalinkTitle = string.IsNullOrWhiteSpace(slugValue) ? fileTitle : slugValue;
        string permalink;
        if (!string.IsNullOrWhiteSpace(permalinkValue))
        {
            if (!PermalinkPattern.TryCreate(permalinkValue, out var own, out var permalinkError))
            {
                front.Error("permalink", front.LineOf("permalink"), $"'{permalinkValue}' {permalinkError}");
                return new PostParseResult(null, front.Errors);
            }

            permalink = own.Expand(localDate, slug, permalinkTitle, categories);
        }
        else
        {
            permalink = _permalink.Expand(localDate, slug, permalinkTitle, categories);
        }

        var url = _site.AbsoluteEncoded(permalink);
        var allTags = tags.Concat(categories).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();

        var post = new Post
        {
            File = file,
            FullPath = fullPath,
            Stamp = stamp,
            Title = title!,
            Date = date,
            Updated = updated,
            Description = string.IsNullOrWhiteSpace(description) ? null : description,
            Tags = tags,
            Categories = categories,
            AllTags = allTags,
            Author = string.IsNullOrWhiteSpace(author) ? NullIfEmpty(_defaultAuthor) : author,
            AuthorEmail = authorEmail,
            Image = string.IsNullOrWhiteSpace(image) ? null : HtmlUrlRewriter.Resolve(image, _site, new Uri(url)),
            Slug = slug,
            Permalink = permalink,
            Url = url,
            Id = string.IsNullOrWhiteSpace(id) ? url : id,
            IsDraft = draft,
            BodyLine = source.BodyLine,
            Warnings = front.Warnings,
        };
        return new PostParseResult(post, []);
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value;

    [GeneratedRegex("""^(?<date>\d{4}-\d{2}-\d{2})-(?<title>.+)$""")]
    private static partial Regex DatedFileName();
}

/// <summary>The outcome of parsing one file: a post, or the reasons it was rejected.</summary>
internal sealed record PostParseResult(Post? Post, IReadOnlyList<PostDiagnostic> Errors);
