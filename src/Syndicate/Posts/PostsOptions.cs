using Microsoft.Extensions.Options;

namespace Syndicate.Posts;

/// <summary>Where the posts are and how their addresses are made.</summary>
internal sealed class PostsOptions
{
    public const string Section = "Posts";

    /// <summary>Posts:Folder, the folder of Markdown posts (relative to the content root), watched while the service runs.</summary>
    public string Folder { get; set; } = "posts";

    /// <summary>Posts:Permalink, a Jekyll permalink pattern (:year :month :day :slug :title :categories ...) or style (date, pretty, ordinal, none).</summary>
    public string Permalink { get; set; } = "/:year/:month/:day/:slug/";

    /// <summary>Posts:MaxFileBytes, the largest post file accepted; larger files are rejected with a message.</summary>
    public long MaxFileBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>
    /// Posts:CacheFile (relative to the content root), where the parsed posts and their rendered HTML are kept between
    /// runs, so that only changed files are read again; empty for none.
    /// </summary>
    public string CacheFile { get; set; } = "data/posts.cache";

    /// <summary>Posts:RescanInterval, how often the whole folder is checked in case the file watcher missed an event.</summary>
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(30);
}

internal sealed class PostsOptionsValidator(Microsoft.Extensions.Hosting.IHostEnvironment environment) : IValidateOptions<PostsOptions>
{
    public ValidateOptionsResult Validate(string? name, PostsOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Folder))
        {
            failures.Add("Posts:Folder is empty; set it to the folder that holds the Markdown posts, for example posts.");
        }
        else
        {
            var full = Path.GetFullPath(options.Folder, environment.ContentRootPath);
            if (Hosting.FolderSetting.FileInstead("Posts:Folder", options.Folder, full, "point Posts:Folder at the folder that holds the posts.") is { } isFile)
            {
                failures.Add(isFile);
            }
            else if (!Directory.Exists(full))
            {
                failures.Add($"Posts:Folder '{options.Folder}' does not exist (looked for {full}); create it or point Posts:Folder at the folder of posts.");
            }
        }

        if (!PermalinkPattern.TryCreate(options.Permalink, out _, out var permalinkError))
        {
            failures.Add($"Posts:Permalink '{options.Permalink}' {permalinkError}");
        }

        if (options.MaxFileBytes <= 0)
        {
            failures.Add($"Posts:MaxFileBytes {options.MaxFileBytes} must be a positive number of bytes, for example 5242880 (5 MB).");
        }

        if (options.RescanInterval < TimeSpan.FromSeconds(1) || options.RescanInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"Posts:RescanInterval {options.RescanInterval} must be between a second and a day; use for example 00:00:30.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
