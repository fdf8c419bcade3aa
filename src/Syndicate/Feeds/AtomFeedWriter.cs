using System.ServiceModel.Syndication;
using System.Xml;

namespace Syndicate.Feeds;

/// <summary>
/// Atom 1.0 (RFC 4287) through System.ServiceModel.Syndication: entry ids that never change,
/// published and updated dates, the excerpt as summary and the full HTML as content, self,
/// alternate and hub links.
/// </summary>
internal static class AtomFeedWriter
{
    private static readonly FeedSplice Splice = new("\n  <entry>"u8, "\n</feed>"u8, FeedSplice.ShellContext, WriteWhole);

    public static byte[] Write(FeedContext context)
    {
        using var stream = new MemoryStream();
        Write(context, stream);
        return stream.ToArray();
    }

    /// <summary>
    /// Writes the feed to <paramref name="output"/>: each entry is serialized once (kept on
    /// <see cref="FeedEntry.Bytes"/>) and copied into every feed that shows it.
    /// </summary>
    public static void Write(FeedContext context, Stream output) =>
        Splice.Write(context, output, entry => entry.Bytes.Atom(() => Splice.Item(entry)));

    /// <summary>Makes the entries of <paramref name="entries"/> not made yet in one run of the formatter, ahead of the feeds that copy them.</summary>
    public static void Prepare(IReadOnlyList<FeedEntry> entries) =>
        Splice.Prepare(entries, entry => entry.Bytes.HasAtom, (entry, item) => entry.Bytes.KeepAtom(item));

    /// <summary>The whole feed through the formatter, items and all: the shell and item bytes are cut from it.</summary>
    internal static byte[] WriteWhole(FeedContext context)
    {
        using var output = new MemoryStream();
        var feed = new SyndicationFeed
        {
            Id = context.SelfUrl,
            Title = new TextSyndicationContent(XmlText.Clean(context.Title)),
            Language = context.Language,
            LastUpdatedTime = context.Updated,
            Generator = "Syndicate",
        };
        if (!string.IsNullOrWhiteSpace(context.Description))
        {
            feed.Description = new TextSyndicationContent(XmlText.Clean(context.Description));
        }

        feed.Links.Add(SyndicationLink.CreateAlternateLink(new Uri(context.HomeUrl), "text/html"));
        feed.Links.Add(SyndicationLink.CreateSelfLink(new Uri(context.SelfUrl), "application/atom+xml"));
        if (context.Hub is { } hub)
        {
            feed.Links.Add(new SyndicationLink(new Uri(hub), "hub", null, null, 0));
        }

        // RFC 4287 4.1.1: a feed needs an author unless every entry has one.
        feed.Authors.Add(new SyndicationPerson { Name = XmlText.Clean(context.Author ?? context.Title) });

        feed.Items = context.Entries.Select(ToItem);

        using (var writer = XmlWriter.Create(output, FeedXml.WriterSettings))
        {
            new Atom10FeedFormatter(feed).WriteTo(writer);
        }

        return output.ToArray();
    }

    private static SyndicationItem ToItem(FeedEntry entry)
    {
        var post = entry.Post;
        var item = new SyndicationItem
        {
            Id = XmlText.Clean(AtomIds.For(entry.Id)),
            Title = new TextSyndicationContent(XmlText.Clean(post.Title)),
            PublishDate = post.Date,
            LastUpdatedTime = post.Updated,
            Summary = new TextSyndicationContent(XmlText.Clean(entry.Content.ExcerptHtml), TextSyndicationContentKind.Html),
            Content = new TextSyndicationContent(XmlText.Clean(entry.Content.Html), TextSyndicationContentKind.Html),
        };
        item.Links.Add(SyndicationLink.CreateAlternateLink(new Uri(post.Url), "text/html"));
        foreach (var tag in post.AllTags)
        {
            item.Categories.Add(new SyndicationCategory(XmlText.Clean(tag)));
        }

        if (post.Author is { } author)
        {
            item.Authors.Add(new SyndicationPerson { Name = XmlText.Clean(author), Email = post.AuthorEmail });
        }

        return item;
    }
}
