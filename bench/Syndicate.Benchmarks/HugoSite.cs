using System.Globalization;

namespace Syndicate.Benchmarks;

/// <summary>
/// A Hugo site around the generated posts (content/posts is the posts folder Syndicate reads too)
/// that makes nothing but the home RSS feed: no taxonomies, sections, sitemap, robots.txt or 404,
/// and every regular page cascaded to render never (listed, not written; the cascade
/// targets kind page, else Hugo 0.111 applies it to the home page too and writes nothing). Two configurations: Hugo's own
/// RSS template with services.rss.limit 20, and a template that puts every post's full content
/// in the feed (limit -1).
/// </summary>
internal sealed class HugoSite
{
    private const string FullTemplate = """
        <?xml version="1.0" encoding="utf-8" standalone="yes"?>
        <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
          <channel>
            <title>{{ .Site.Title }}</title>
            <link>{{ .Permalink }}</link>
            <description>Every post of {{ .Site.Title }}</description>
            <language>en</language>{{ with .OutputFormats.Get "RSS" }}
            {{ printf "<atom:link href=%q rel=\"self\" type=%q />" .Permalink .MediaType | safeHTML }}{{ end }}
            {{- range .Site.RegularPages }}
            <item>
              <title>{{ .Title }}</title>
              <link>{{ .Permalink }}</link>
              <pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
              <guid>{{ .Permalink }}</guid>
              <description>{{ .Content | html }}</description>
            </item>
            {{- end }}
          </channel>
        </rss>

        """;

    public HugoSite(string root)
    {
        Root = root;
    }

    public string Root { get; }

    /// <summary>The folder of posts, shared with Syndicate.</summary>
    public string PostsFolder => Path.Combine(Root, "content", "posts");

    public void WriteConfiguration()
    {
        Directory.CreateDirectory(PostsFolder);
        File.WriteAllText(Path.Combine(Root, "content", "_index.md"), """
            ---
            title: Syndicate benchmark
            cascade:
              - _build:
                  render: never
                  list: always
                _target:
                  kind: page
            ---

            """);
        foreach (var limit in (int[])[20, -1])
        {
            File.WriteAllText(ConfigFile(limit), $"""
                baseURL = "https://blog.example.org/"
                title = "Syndicate benchmark"
                languageCode = "en"
                disableKinds = ["taxonomy", "term", "section", "sitemap", "robotsTXT", "404"]

                [outputs]
                home = ["RSS"]

                [services.rss]
                limit = {limit.ToString(CultureInfo.InvariantCulture)}

                # Syndicate does not highlight code; with Chroma on, Hugo's full-content build takes 3 times as long.
                [markup.highlight]
                codeFences = false

                """);
        }

        Directory.CreateDirectory(LayoutFolder(20));
        var full = LayoutFolder(-1);
        Directory.CreateDirectory(full);
        File.WriteAllText(Path.Combine(full, "index.rss.xml"), FullTemplate);
    }

    /// <summary>The Hugo command line for one variant: limit 20 (Hugo's template) or -1 (every post, full content).</summary>
    public IReadOnlyList<string> Arguments(int limit) =>
    [
        "--source", Root, "--config", ConfigFile(limit), "--layoutDir", LayoutFolder(limit),
        "--destination", Destination(limit), "--quiet",
    ];

    public string Destination(int limit) => Path.Combine(Root, limit > 0 ? "public-20" : "public-all");

    public string FeedFile(int limit) => Path.Combine(Destination(limit), "index.xml");

    private string ConfigFile(int limit) => Path.Combine(Root, limit > 0 ? "hugo-20.toml" : "hugo-all.toml");

    private string LayoutFolder(int limit) => Path.Combine(Root, limit > 0 ? "layouts-hugo" : "layouts-full");
}
