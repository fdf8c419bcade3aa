using Syndicate.Site;

namespace Syndicate.Templates;

/// <summary>The <c>site</c> variable of every template: <c>site.title</c>, <c>site.url</c>, <c>site.description</c>, <c>site.language</c>.</summary>
internal sealed record SiteModel(string Title, string Url, string Description, string Language)
{
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
