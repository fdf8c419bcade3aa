using System.ServiceModel.Syndication;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using CodeHollow.FeedReader;

namespace Syndicate.Tests.Support;

/// <summary>Reads feed bytes back with parsers that share no code with the writers.</summary>
internal static class FeedParsing
{
    public static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    public static readonly XNamespace Content = "http://purl.org/rss/1.0/modules/content/";
    public static readonly XNamespace Dc = "http://purl.org/dc/elements/1.1/";

    public static SyndicationFeed Syndication(byte[] bytes)
    {
        using var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
        return SyndicationFeed.Load(reader);
    }

    public static Feed FeedReader(byte[] bytes) => CodeHollow.FeedReader.FeedReader.ReadFromString(Text(bytes));

    /// <summary>A strict XML 1.0 parse (character checking on), for the raw elements the object models hide.</summary>
    public static XDocument Xml(byte[] bytes)
    {
        using var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, CheckCharacters = true });
        return XDocument.Load(reader);
    }

    public static JsonDocument Json(byte[] bytes) => JsonDocument.Parse(bytes);

    public static string Text(byte[] bytes) => new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
}
