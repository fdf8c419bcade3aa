using System.ServiceModel.Syndication;
using System.Text.Json;
using System.Xml;
using CodeHollow.FeedReader;

namespace Syndicate.IntegrationTests.Infrastructure;

/// <summary>Reads feed bytes the way feed readers do: System.ServiceModel.Syndication, CodeHollow.FeedReader, JSON.</summary>
internal static class FeedParsing
{
    public static SyndicationFeed Syndication(byte[] body)
    {
        using var stream = new MemoryStream(body);
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
        return SyndicationFeed.Load(reader);
    }

    public static Feed Reader(byte[] body) => FeedReader.ReadFromByteArray(body);

    public static JsonDocument Json(byte[] body) => JsonDocument.Parse(body);

    /// <summary>The item titles of an RSS, Atom or JSON feed, in document order.</summary>
    public static IReadOnlyList<string> Titles(byte[]? body)
    {
        if (body is null || body.Length == 0)
        {
            return [];
        }

        if (body[0] == (byte)'{')
        {
            using var json = Json(body);
            return json.RootElement.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("title").GetString()!).ToArray();
        }

        return Syndication(body).Items.Select(item => item.Title.Text).ToArray();
    }

    /// <summary>The item links of an RSS or Atom feed, in document order.</summary>
    public static IReadOnlyList<string> Links(byte[]? body) =>
        body is null ? [] : Syndication(body).Items.Select(item => item.Links.First(link => link.RelationshipType is null or "alternate").Uri.AbsoluteUri).ToArray();
}
