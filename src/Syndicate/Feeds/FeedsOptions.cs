using Microsoft.Extensions.Options;

namespace Syndicate.Feeds;

/// <summary>Which feeds are made and where they go.</summary>
internal sealed class FeedsOptions
{
    public const string Section = "Feeds";

    /// <summary>Feeds:OutputFolder, where the feed files are written (relative to the content root).</summary>
    public string OutputFolder { get; set; } = "out";

    /// <summary>Feeds:ItemLimit, the most items in one feed, newest first; 0 puts every post in.</summary>
    public int ItemLimit { get; set; } = 20;

    /// <summary>Feeds:WebSubHub, a WebSub hub announced in every feed and told when a feed changes; empty for none.</summary>
    public string WebSubHub { get; set; } = "";
}

internal sealed class FeedsOptionsValidator(Microsoft.Extensions.Hosting.IHostEnvironment environment) : IValidateOptions<FeedsOptions>
{
    public ValidateOptionsResult Validate(string? name, FeedsOptions options)
    {
        var failures = new List<string>();
        if (options.ItemLimit < 0)
        {
            failures.Add($"Feeds:ItemLimit {options.ItemLimit} is negative; use 0 for every post or a positive number such as 20.");
        }

        if (string.IsNullOrWhiteSpace(options.OutputFolder))
        {
            failures.Add("Feeds:OutputFolder is empty; set it to the folder the feed files go to, for example out.");
        }
        else if (Hosting.FolderSetting.FileInstead("Feeds:OutputFolder", options.OutputFolder, Path.GetFullPath(options.OutputFolder, environment.ContentRootPath),
            "point Feeds:OutputFolder at a folder (it is created when missing), for example out.") is { } isFile)
        {
            failures.Add(isFile);
        }

        if (!string.IsNullOrWhiteSpace(options.WebSubHub)
            && (!Uri.TryCreate(options.WebSubHub, UriKind.Absolute, out var hub) || (hub.Scheme != Uri.UriSchemeHttp && hub.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"Feeds:WebSubHub '{options.WebSubHub}' is not an absolute http or https address; set it to the hub's address or leave it empty.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
