using System.Globalization;
using System.Text;

namespace Syndicate.Benchmarks;

/// <summary>
/// Writes N Jekyll-style posts of 8-16 KB Markdown, the same bytes for the same count every time
/// (fixed seed): front matter with title, description, date and 1-4 of 40 tags (a few tags are
/// common, most are rare), and a body of headings, paragraphs with emphasis, inline code and links,
/// lists, fenced code blocks, block quotes and images, with relative and absolute addresses.
/// </summary>
internal static class PostGenerator
{
    public const int Version = 1;
    private const ulong Seed = 20261125;

    public static readonly string[] Tags =
    [
        "dotnet", "csharp", "linux", "rss", "markdown", "performance", "testing", "web", "http", "css",
        "javascript", "databases", "sqlite", "postgres", "devops", "containers", "security", "privacy", "email", "writing",
        "photography", "travel", "cooking", "music", "books", "gardening", "cycling", "hiking", "history", "mathematics",
        "physics", "astronomy", "design", "typography", "accessibility", "open-source", "career", "productivity", "hardware", "retro-computing",
    ];

    private static readonly string[] Words =
    [
        "the", "a", "of", "and", "to", "in", "is", "that", "it", "for", "on", "with", "as", "this", "was", "by", "but", "not", "from", "at",
        "feed", "reader", "post", "server", "cache", "request", "header", "build", "folder", "file", "index", "query", "table", "page", "link",
        "garden", "morning", "river", "mountain", "bicycle", "library", "kitchen", "window", "letter", "station", "market", "harbour", "forest",
        "quick", "quiet", "careful", "simple", "broken", "patient", "curious", "modern", "ancient", "gentle", "bright", "heavy", "narrow",
        "write", "read", "measure", "compare", "explain", "render", "parse", "publish", "subscribe", "notice", "wonder", "repair", "travel",
        "always", "rarely", "slowly", "together", "instead", "perhaps", "however", "nearly", "already", "almost", "again", "often",
        "network", "memory", "latency", "throughput", "compiler", "runtime", "syntax", "database", "schema", "migration", "benchmark",
        "weather", "autumn", "winter", "summer", "spring", "coffee", "bread", "journey", "chapter", "margin", "paragraph", "sentence",
    ];

    private static readonly string[] Languages = ["csharp", "bash", "json", "yaml", "python", "go", "sql", "xml"];

    /// <summary>Writes the posts into <paramref name="folder"/> (created, emptied of .md files first) and returns their file names, oldest first.</summary>
    public static IReadOnlyList<string> Generate(string folder, int count)
    {
        Directory.CreateDirectory(folder);
        foreach (var old in Directory.EnumerateFiles(folder, "*.md"))
        {
            File.Delete(old);
        }

        var rng = new Rng(Seed);
        var start = new DateTimeOffset(2011, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var end = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var step = (end - start) / count;
        var names = new List<string>(count);
        var slugs = new List<(DateTimeOffset Date, string Slug)>(count);
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        for (var i = 0; i < count; i++)
        {
            var date = start + (step * i) + TimeSpan.FromMinutes(rng.Next(Math.Max(1, (int)(step.TotalMinutes / 2))));
            date = new DateTimeOffset(date.Year, date.Month, date.Day, date.Hour, date.Minute, date.Second, TimeSpan.Zero);
            var titleWords = Sentence(rng, rng.Between(4, 8), capitalizeAll: true);
            var slug = string.Join('-', titleWords.Split(' ').Take(5)).ToLowerInvariant() + "-" + i.ToString(CultureInfo.InvariantCulture);
            var name = $"{date:yyyy-MM-dd}-{slug}.md";
            var text = Post(rng, titleWords, date, slugs);
            File.WriteAllText(Path.Combine(folder, name), text, utf8);
            names.Add(name);
            slugs.Add((date, slug));
        }

        return names;
    }

    private static string Post(Rng rng, string title, DateTimeOffset date, List<(DateTimeOffset Date, string Slug)> earlier)
    {
        var sb = new StringBuilder(16 * 1024);
        sb.Append("---\n");
        sb.Append("title: \"").Append(title).Append("\"\n");
        sb.Append("description: \"").Append(Sentence(rng, rng.Between(12, 24), capitalizeAll: false)).Append(".\"\n");
        sb.Append("date: ").Append(date.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append('\n');
        var tagCount = rng.Between(1, 4);
        var tags = new List<string>();
        while (tags.Count < tagCount)
        {
            // Skewed towards the first tags: a few are on many posts, most on few.
            var tag = Tags[(int)(Tags.Length * Math.Pow(rng.NextDouble(), 1.8))];
            if (!tags.Contains(tag))
            {
                tags.Add(tag);
            }
        }

        sb.Append("tags: [").Append(string.Join(", ", tags)).Append("]\n");
        sb.Append("---\n\n");

        var target = rng.Between(8 * 1024, 16 * 1024);
        sb.Append(Paragraph(rng, earlier)).Append("\n\n");
        var section = 0;
        while (sb.Length < target)
        {
            section++;
            sb.Append("## ").Append(Sentence(rng, rng.Between(2, 6), capitalizeAll: true)).Append("\n\n");
            for (var p = rng.Between(1, 3); p > 0; p--)
            {
                sb.Append(Paragraph(rng, earlier)).Append("\n\n");
            }

            switch (rng.Next(6))
            {
                case 0:
                case 1:
                    for (var item = rng.Between(3, 7); item > 0; item--)
                    {
                        sb.Append("- ").Append(Inline(rng, rng.Between(5, 16), earlier)).Append('\n');
                    }

                    sb.Append('\n');
                    break;
                case 2:
                    for (var item = 1; item <= rng.Between(3, 6); item++)
                    {
                        sb.Append(item.ToString(CultureInfo.InvariantCulture)).Append(". ").Append(Inline(rng, rng.Between(5, 14), earlier)).Append('\n');
                    }

                    sb.Append('\n');
                    break;
                case 3:
                    sb.Append("> ").Append(Inline(rng, rng.Between(15, 40), earlier)).Append("\n\n");
                    break;
                default:
                    break;
            }

            if (rng.Chance(0.5))
            {
                sb.Append(CodeBlock(rng)).Append('\n');
            }

            if (rng.Chance(0.4))
            {
                sb.Append(Image(rng)).Append("\n\n");
            }

            if (section % 2 == 0)
            {
                sb.Append("### ").Append(Sentence(rng, rng.Between(2, 5), capitalizeAll: true)).Append("\n\n");
                sb.Append(Paragraph(rng, earlier)).Append("\n\n");
            }
        }

        return sb.ToString();
    }

    private static string Sentence(Rng rng, int words, bool capitalizeAll)
    {
        var parts = new string[words];
        for (var i = 0; i < words; i++)
        {
            var word = rng.Pick(Words);
            parts[i] = capitalizeAll || i == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word;
        }

        return string.Join(' ', parts);
    }

    private static string Paragraph(Rng rng, List<(DateTimeOffset Date, string Slug)> earlier)
    {
        var sb = new StringBuilder();
        for (var s = rng.Between(3, 7); s > 0; s--)
        {
            sb.Append(Inline(rng, rng.Between(8, 22), earlier)).Append(". ");
        }

        return sb.ToString().TrimEnd();
    }

    /// <summary>Words with, now and then, emphasis, strong text, inline code or a link.</summary>
    private static string Inline(Rng rng, int words, List<(DateTimeOffset Date, string Slug)> earlier)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }

            var word = rng.Pick(Words);
            if (i == 0)
            {
                word = char.ToUpperInvariant(word[0]) + word[1..];
            }

            switch (rng.Next(40))
            {
                case 0:
                    sb.Append('*').Append(word).Append('*');
                    break;
                case 1:
                    sb.Append("**").Append(word).Append("**");
                    break;
                case 2:
                    sb.Append('`').Append(word).Append("()`");
                    break;
                case 3 when earlier.Count > 0:
                    var (date, slug) = earlier[rng.Next(earlier.Count)];
                    sb.Append('[').Append(word).Append("](/").Append(date.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture)).Append('/').Append(slug).Append("/)");
                    break;
                case 4:
                    sb.Append('[').Append(word).Append("](https://example.com/").Append(rng.Pick(Words)).Append('/').Append(rng.Pick(Words)).Append(".html)");
                    break;
                case 5:
                    sb.Append('[').Append(word).Append("](../").Append(rng.Pick(Words)).Append("/)");
                    break;
                default:
                    sb.Append(word);
                    break;
            }
        }

        return sb.ToString();
    }

    private static string CodeBlock(Rng rng)
    {
        var sb = new StringBuilder();
        sb.Append("```").Append(rng.Pick(Languages)).Append('\n');
        for (var line = rng.Between(4, 14); line > 0; line--)
        {
            sb.Append(new string(' ', 4 * rng.Next(3)))
                .Append(rng.Pick(Words)).Append('.').Append(rng.Pick(Words)).Append("(\"")
                .Append(rng.Pick(Words)).Append("\", ").Append(rng.Next(1000).ToString(CultureInfo.InvariantCulture)).Append(") < x && y > z;\n");
        }

        sb.Append("```\n");
        return sb.ToString();
    }

    private static string Image(Rng rng)
    {
        var n = rng.Next(10_000).ToString(CultureInfo.InvariantCulture);
        return rng.Next(3) switch
        {
            0 => $"![{rng.Pick(Words)} {rng.Pick(Words)}](/images/photo-{n}.jpg)",
            1 => $"![{rng.Pick(Words)}](diagram-{n}.png \"{rng.Pick(Words)}\")",
            _ => $"![{rng.Pick(Words)} {rng.Pick(Words)}](https://cdn.example.net/pictures/{n}.webp)",
        };
    }
}
