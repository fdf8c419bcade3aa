using Syndicate.Site;

namespace Syndicate.Templates;

/// <summary>
/// The <c>site</c> variable of every template: <c>site.title</c>, <c>site.url</c>, <c>site.description</c>, <c>site.language</c>
/// and <c>site.direction</c> (<c>rtl</c> for a language written right to left, else <c>ltr</c>).
/// </summary>
internal sealed record SiteModel(string Title, string Url, string Description, string Language)
{
    /// <summary>The text direction of <see cref="Language"/>, for <c>dir</c> attributes: <c>rtl</c> or <c>ltr</c>.</summary>
    public string Direction => TextDirection.Of(Language);

    /// <summary>The site as templates see it; an empty Site:Title falls back to the host name of Site:BaseUrl.</summary>
    public static SiteModel From(SiteOptions site)
    {
        ArgumentNullException.ThrowIfNull(site);
        var title = site.Title.Trim();
        if (title.Length == 0)
        {
            title = Uri.TryCreate(site.BaseUrl, UriKind.Absolute, out var url) ? url.Host : site.BaseUrl;
        }

        return new SiteModel(title, site.BaseUrl, site.Description, string.IsNullOrWhiteSpace(site.Language) ? "en" : site.Language);
    }
}

/// <summary>Whether a language tag (BCP 47, such as <c>he</c>, <c>ar-EG</c> or <c>pa-Arab</c>) is written right to left.</summary>
internal static class TextDirection
{
    // Languages written right to left in their usual script.
    private static readonly HashSet<string> RightToLeftLanguages = new(StringComparer.OrdinalIgnoreCase)
    {
        "ar", "arc", "ckb", "dv", "fa", "he", "iw", "ji", "ks", "nqo", "ps", "sd", "syr", "ug", "ur", "yi",
    };

    // Scripts written right to left, for a tag that names its script (az-Arab, pa-Arab).
    private static readonly HashSet<string> RightToLeftScripts = new(StringComparer.OrdinalIgnoreCase)
    {
        "Adlm", "Arab", "Hebr", "Nkoo", "Rohg", "Syrc", "Thaa",
    };

    public static string Of(string? language)
    {
        if (string.IsNullOrWhiteSpace(language))
        {
            return "ltr";
        }

        var subtags = language.Trim().Split('-', '_');
        // A script subtag (four letters, after the language) decides: ku-Latn is left to right, az-Arab right to left.
        for (var i = 1; i < subtags.Length; i++)
        {
            if (subtags[i].Length == 4 && subtags[i].All(char.IsAsciiLetter))
            {
                return RightToLeftScripts.Contains(subtags[i]) ? "rtl" : "ltr";
            }
        }

        return RightToLeftLanguages.Contains(subtags[0]) ? "rtl" : "ltr";
    }
}
