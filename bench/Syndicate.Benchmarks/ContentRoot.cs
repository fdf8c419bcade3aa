using System.Text.Json;
using System.Text.Json.Nodes;

namespace Syndicate.Benchmarks;

/// <summary>A Syndicate content root: appsettings.json pointing at the shared posts folder, and its output folder.</summary>
internal static class ContentRoot
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The Site section every benchmark content root has.</summary>
    public static JsonObject Site() => new()
    {
        ["Title"] = "Syndicate benchmark",
        ["Description"] = "Generated posts.",
        ["BaseUrl"] = "https://blog.example.org",
        ["Author"] = "Bench Author",
        ["Language"] = "en",
        ["TimeZone"] = "UTC",
    };

    public static string Create(string folder, string postsFolder, int itemLimit, string? urls = null)
    {
        Directory.CreateDirectory(folder);
        var settings = new JsonObject
        {
            ["Logging"] = new JsonObject
            {
                ["LogLevel"] = new JsonObject
                {
                    ["Default"] = "Warning",
                    // The service's "Feeds published ... (N ms)" line is how the benchmark sees an edit that changes no feed.
                    ["Syndicate.Feeds.FeedPublisher"] = "Information",
                },
            },
            ["Site"] = Site(),
            ["Posts"] = new JsonObject { ["Folder"] = postsFolder },
            ["Feeds"] = new JsonObject { ["OutputFolder"] = "out", ["ItemLimit"] = itemLimit },
        };
        if (urls is not null)
        {
            settings["Urls"] = urls;
        }

        File.WriteAllText(Path.Combine(folder, "appsettings.json"), settings.ToJsonString(Indented));
        return folder;
    }

    public static string OutputFolder(string folder) => Path.Combine(folder, "out");
}
