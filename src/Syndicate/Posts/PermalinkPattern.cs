using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Syndicate.Posts;

/// <summary>
/// A Jekyll permalink pattern such as <c>/:year/:month/:day/:slug/</c>, or one of Jekyll's named
/// styles (date, pretty, ordinal, none). Placeholders are filled from a post's date (in the site's
/// time zone), slug, file title and categories; empty segments collapse, as in Jekyll.
/// </summary>
internal sealed partial class PermalinkPattern
{
    private static readonly Dictionary<string, string> Styles = new(StringComparer.OrdinalIgnoreCase)
    {
        ["date"] = "/:categories/:year/:month/:day/:title:output_ext",
        ["pretty"] = "/:categories/:year/:month/:day/:title/",
        ["ordinal"] = "/:categories/:year/:y_day/:title:output_ext",
        ["none"] = "/:categories/:title:output_ext",
    };

    private static readonly HashSet<string> Known =
    [
        "year", "month", "day", "i_month", "i_day", "short_year", "y_day", "hour", "minute", "second",
        "slug", "title", "categories", "output_ext",
    ];

    // The template cut once into literal text and placeholders, alternating, literal first: Expand runs for every post of
    // every scan, and a regex replacement there cost about a tenth of reading a post's front matter.
    private readonly string[] _pieces;

    private PermalinkPattern(string template)
    {
        var pieces = new List<string>();
        var at = 0;
        foreach (Match match in Placeholder().Matches(template))
        {
            pieces.Add(template[at..match.Index]);
            pieces.Add(match.Groups[1].Value);
            at = match.Index + match.Length;
        }

        pieces.Add(template[at..]);
        _pieces = [.. pieces];
    }

    public static bool TryCreate(string? pattern, out PermalinkPattern result, out string error)
    {
        result = null!;
        error = "";
        if (string.IsNullOrWhiteSpace(pattern))
        {
            error = "is empty; use a pattern such as /:year/:month/:day/:slug/ or a style: date, pretty, ordinal, none.";
            return false;
        }

        var template = Styles.TryGetValue(pattern.Trim(), out var style) ? style : pattern.Trim();
        if (template.Contains("://", StringComparison.Ordinal) || template.Contains('?') || template.Contains('#'))
        {
            error = "must be a path on the site, such as /:year/:month/:day/:slug/, not a full address, query or fragment.";
            return false;
        }

        foreach (Match match in Placeholder().Matches(template))
        {
            if (!Known.Contains(match.Groups[1].Value))
            {
                error = $"uses the unknown placeholder :{match.Groups[1].Value}; known ones are :{string.Join(", :", Known.Order(StringComparer.Ordinal))}.";
                return false;
            }
        }

        result = new PermalinkPattern(template.StartsWith('/') ? template : "/" + template);
        return true;
    }

    /// <summary>Fills the pattern for one post and returns its site path, always starting with a slash.</summary>
    public string Expand(DateTime localDate, string slug, string fileTitle, IReadOnlyList<string> categories)
    {
        var path = new StringBuilder(64);
        for (var i = 0; i < _pieces.Length; i++)
        {
            var piece = _pieces[i];
            if (i % 2 == 0)
            {
                Append(path, piece);
                continue;
            }

            Append(path, piece switch
            {
                "year" => localDate.Year.ToString("D4", CultureInfo.InvariantCulture),
                "month" => localDate.Month.ToString("D2", CultureInfo.InvariantCulture),
                "day" => localDate.Day.ToString("D2", CultureInfo.InvariantCulture),
                "i_month" => localDate.Month.ToString(CultureInfo.InvariantCulture),
                "i_day" => localDate.Day.ToString(CultureInfo.InvariantCulture),
                "short_year" => (localDate.Year % 100).ToString("D2", CultureInfo.InvariantCulture),
                "y_day" => localDate.DayOfYear.ToString("D3", CultureInfo.InvariantCulture),
                "hour" => localDate.Hour.ToString("D2", CultureInfo.InvariantCulture),
                "minute" => localDate.Minute.ToString("D2", CultureInfo.InvariantCulture),
                "second" => localDate.Second.ToString("D2", CultureInfo.InvariantCulture),
                "slug" => slug,
                "title" => Slug.Create(fileTitle, keepCase: true),
                "categories" => string.Join('/', categories.Select(c => Slug.Create(c)).Where(c => c.Length > 0)),
                "output_ext" => ".html",
                _ => ":" + piece,
            });
        }

        return path.Length == 0 ? "/" : path.ToString();
    }

    /// <summary>Appends text, dropping a slash that would follow another: Jekyll drops the empty segments left by a post without categories.</summary>
    private static void Append(StringBuilder path, string text)
    {
        foreach (var ch in text)
        {
            if (ch == '/' && path.Length > 0 && path[^1] == '/')
            {
                continue;
            }

            path.Append(ch);
        }
    }

    [GeneratedRegex(":([a-z_]+)")]
    private static partial Regex Placeholder();
}
