using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Syndicate.Feeds;

/// <summary>JSON Feed 1.1 (https://jsonfeed.org/version/1.1), written with Utf8JsonWriter in a fixed key order.</summary>
internal static class JsonFeedWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        // Non-ASCII text stays readable; characters that matter to HTML are still escaped.
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    private const int FlushAt = 1 << 16;

    public static byte[] Write(FeedContext context)
    {
        using var stream = new MemoryStream();
        Write(context, stream);
        return stream.ToArray();
    }

    public static void Write(FeedContext context, Stream stream)
    {
        using (var json = new Utf8JsonWriter(stream, Options))
        {
            json.WriteStartObject();
            json.WriteString("version", "https://jsonfeed.org/version/1.1");
            json.WriteString("title", context.Title);
            json.WriteString("home_page_url", context.HomeUrl);
            json.WriteString("feed_url", context.SelfUrl);
            if (!string.IsNullOrWhiteSpace(context.Description))
            {
                json.WriteString("description", context.Description);
            }

            json.WriteString("language", context.Language);
            if (context.Author is { } author)
            {
                WriteAuthors(json, author);
            }

            if (context.Hub is { } hub)
            {
                json.WriteStartArray("hubs");
                json.WriteStartObject();
                json.WriteString("type", "WebSub");
                json.WriteString("url", hub);
                json.WriteEndObject();
                json.WriteEndArray();
            }

            json.WriteStartArray("items");
            foreach (var entry in context.Entries)
            {
                var post = entry.Post;
                json.WriteStartObject();
                json.WriteString("id", entry.Id);
                json.WriteString("url", post.Url);
                json.WriteString("title", post.Title);
                json.WriteString("content_html", entry.Content.Html);
                if (entry.Content.SummaryText.Length > 0)
                {
                    json.WriteString("summary", entry.Content.SummaryText);
                }

                if (post.Image is { } image)
                {
                    json.WriteString("image", image);
                }

                json.WriteString("date_published", Rfc3339(post.Date));
                json.WriteString("date_modified", Rfc3339(post.Updated));
                if (post.Author is { } postAuthor)
                {
                    WriteAuthors(json, postAuthor);
                }

                if (post.AllTags.Count > 0)
                {
                    json.WriteStartArray("tags");
                    foreach (var tag in post.AllTags)
                    {
                        json.WriteStringValue(tag);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();

                // Utf8JsonWriter keeps everything in its own buffer until flushed: without this a
                // full-content feed.json would be held whole in memory before it reaches the file.
                if (json.BytesPending > FlushAt)
                {
                    json.Flush();
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
    }

    public static string Rfc3339(DateTimeOffset value) =>
        value.Offset == TimeSpan.Zero
            ? value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)
            : value.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);

    private static void WriteAuthors(Utf8JsonWriter json, string name)
    {
        json.WriteStartArray("authors");
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteEndObject();
        json.WriteEndArray();
    }
}
