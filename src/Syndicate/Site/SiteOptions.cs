using Microsoft.Extensions.Options;

namespace Syndicate.Site;

/// <summary>The blog itself: its name, where it lives on the web, and how its dates read.</summary>
internal sealed class SiteOptions
{
    public const string Section = "Site";

    /// <summary>Site:Title, the feed title.</summary>
    public string Title { get; set; } = "";

    /// <summary>Site:Description, the feed subtitle.</summary>
    public string Description { get; set; } = "";

    /// <summary>Site:BaseUrl, the absolute http(s) address of the blog; may carry a path such as https://example.org/blog/.</summary>
    public string BaseUrl { get; set; } = "https://blog.example.org";

    /// <summary>Site:Author, the default author of posts that name none.</summary>
    public string Author { get; set; } = "";

    /// <summary>Site:Language, a BCP 47 tag such as en or de-CH.</summary>
    public string Language { get; set; } = "en";

    /// <summary>Site:TimeZone, the IANA or Windows zone in which dates without an offset are read.</summary>
    public string TimeZone { get; set; } = "UTC";
}

internal sealed class SiteOptionsValidator : IValidateOptions<SiteOptions>
{
    public ValidateOptionsResult Validate(string? name, SiteOptions options)
    {
        var failures = new List<string>();
        if (!SiteUrls.TryParseBaseUrl(options.BaseUrl, out _))
        {
            failures.Add($"Site:BaseUrl '{options.BaseUrl}' is not an absolute http or https address; set it to the blog's address, for example https://blog.example.org/.");
        }

        if (!TryFindTimeZone(options.TimeZone, out _))
        {
            failures.Add($"Site:TimeZone '{options.TimeZone}' is not a known time zone; use an IANA name such as UTC or Europe/Berlin.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static bool TryFindTimeZone(string id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id.Trim());
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }
}
