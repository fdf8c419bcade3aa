using System.ServiceModel.Syndication;
using System.Xml;

namespace Syndicate.Feeds;

/// <summary>
/// RSS 2.0 through System.ServiceModel.Syndication, with the extensions feed readers look for:
/// atom:link rel=self (and rel=hub for WebSub), content:encoded with the full HTML and
/// dc:creator for authors without an address.
/// </summary>
internal static class RssFeedWriter
{
    public const string ContentNamespace = "http://purl.org/rss/1.0/modules/content/";
    public const string DublinCoreNamespace = "http://purl.org/dc/elements/1.1/";
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    private static readonly FeedSplice Splice = new("\n    <item>"u8, "\n  </channel>"u8, FeedSplice.ShellContext, WriteWhole);

    public static byte[] Write(FeedContext context)
    {
        using var stream = new MemoryStream();
        Write(context, stream);
        return stream.ToArray();
    }

    /// <summary>
    /// Writes the feed to <paramref name="output"/>: each item is serialized once per entry (kept
    /// on <see cref="FeedEntry.Bytes"/>) and copied into every feed that shows it.
    /// </summary>
    public static void Write(FeedContext context, Stream output) =>
        Splice.Write(context, output, entry => entry.Bytes.Rss(() => Splice.Item(entry)));

    /// <summary>Makes the items of <paramref name="entries"/> not made yet in one run of the formatter, ahead of the feeds that copy them.</summary>
    public static void Prepare(IReadOnlyList<FeedEntry> entries) =>
        Splice.Prepare(entries, entry => entry.Bytes.HasRss, (entry, item) => entry.Bytes.KeepRss(item));

    /// <summary>The whole feed through the formatter, items and all: the shell and item bytes are cut from it.</summary>
    internal static byte[] WriteWhole(FeedContext context)
    {
        using var output = new MemoryStream();
        var feed = new SyndicationFeed(XmlText.Clean(context.Title), XmlText.Clean(context.Description), new Uri(context.HomeUrl))
        {
            Language = context.Language,
            LastUpdatedTime = context.Updated,
            Generator = "Syndicate",
        };
        feed.AttributeExtensions.Add(new XmlQualifiedName("content", XmlnsNamespace), ContentNamespace);
        feed.AttributeExtensions.Add(new XmlQualifiedName("dc", XmlnsNamespace), DublinCoreNamespace);
        feed.Links.Add(SyndicationLink.CreateSelfLink(new Uri(context.SelfUrl), "application/rss+xml"));
        if (context.Hub is { } hub)
        {
            feed.Links.Add(new SyndicationLink(new Uri(hub), "hub", null, null, 0));
        }

        feed.Items = context.Entries.Select(entry => (SyndicationItem)new RssItem(entry));

        using (var writer = XmlWriter.Create(output, FeedXml.WriterSettings))
        {
            new Rss20FeedFormatter(feed, serializeExtensionsAsAtom: true).WriteTo(writer);
        }

        return output.ToArray();
    }

    private sealed class RssItem : SyndicationItem
    {
        private readonly string _contentHtml;
        private readonly string? _creator;

        public RssItem(FeedEntry entry)
        {
            var post = entry.Post;
            Id = XmlText.Clean(entry.Id);
            Title = new TextSyndicationContent(XmlText.Clean(post.Title));
            Links.Add(SyndicationLink.CreateAlternateLink(new Uri(post.Url)));
            PublishDate = post.Date;
            Summary = new TextSyndicationContent(XmlText.Clean(entry.Content.ExcerptHtml));
            foreach (var tag in post.AllTags)
            {
                Categories.Add(new SyndicationCategory(XmlText.Clean(tag)));
            }

            if (post.AuthorEmail is { } email && post.Author is { } name)
            {
                // RSS's <author> holds an address, conventionally followed by the name in parentheses.
                Authors.Add(new SyndicationPerson(XmlText.Clean($"{email} ({name})")));
            }
            else
            {
                _creator = post.Author is null ? null : XmlText.Clean(post.Author);
            }

            _contentHtml = XmlText.Clean(entry.Content.Html);
        }

        protected override void WriteElementExtensions(XmlWriter writer, string version)
        {
            base.WriteElementExtensions(writer, version);
            if (_creator is not null)
            {
                writer.WriteElementString("dc", "creator", DublinCoreNamespace, _creator);
            }

            writer.WriteElementString("content", "encoded", ContentNamespace, _contentHtml);
        }
    }
}
