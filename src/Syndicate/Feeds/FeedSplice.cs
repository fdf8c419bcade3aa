namespace Syndicate.Feeds;

/// <summary>
/// Writes an XML feed as its shell (the feed written without items) with each item's bytes put in
/// where the items go. An item's bytes are cut out of a one-item feed of a fixed shell, which
/// declares the same namespace prefixes as every real feed, so the result is byte for byte what
/// the formatter writes for the whole feed: the items are its last children, each on its own
/// indented lines, and the formatter writes an item the same way whatever the feed around it.
/// </summary>
internal sealed class FeedSplice
{
    private readonly byte[] _emptyShell;
    private readonly int _itemsAt;
    private readonly ReadOnlyMemory<byte> _end;
    private readonly Func<FeedContext, byte[]> _write;

    /// <param name="end">What follows the last item: the closing tags, from the newline before the first of them.</param>
    /// <param name="shell">Any feed context; its items are ignored.</param>
    /// <param name="write">Writes a whole feed of the format.</param>
    public FeedSplice(ReadOnlySpan<byte> end, FeedContext shell, Func<FeedContext, byte[]> write)
    {
        _end = end.ToArray();
        _write = write;
        _emptyShell = write(shell with { Entries = [] });
        _itemsAt = ItemsAt(_emptyShell);
        Shell = shell;
    }

    /// <summary>The feed around the items when they are cut out: only its namespace declarations matter.</summary>
    public static FeedContext ShellContext { get; } = new(
        Title: "Items", Description: "", HomeUrl: "https://example.org/", SelfUrl: "https://example.org/feed",
        Hub: null, Language: "en", Author: null, Updated: DateTimeOffset.UnixEpoch, Entries: []);

    private FeedContext Shell { get; }

    /// <summary>Writes the feed of <paramref name="context"/>, taking each entry's bytes from <paramref name="item"/>.</summary>
    public void Write(FeedContext context, Stream output, Func<FeedEntry, byte[]> item)
    {
        var shell = _write(context with { Entries = [] });
        var at = ItemsAt(shell);
        output.Write(shell, 0, at);
        foreach (var entry in context.Entries)
        {
            output.Write(item(entry));
        }

        output.Write(shell, at, shell.Length - at);
    }

    /// <summary>
    /// The bytes the formatter writes for one entry, among the items of any feed. The full HTML,
    /// nearly all of an item, is escaped here rather than by XmlWriter, which escapes and encodes
    /// one character at a time: the item is written with a marker in its place, and the marker
    /// replaced with the escaped UTF-8, exactly as XmlWriter escapes element text.
    /// </summary>
    public byte[] Item(FeedEntry entry)
    {
        var html = XmlText.Clean(entry.Content.Html);
        if (html.Length == 0)
        {
            return Cut(entry);
        }

        var marked = Cut(entry with { Content = entry.Content with { Html = ContentMarker } });
        var at = marked.AsSpan().IndexOf(ContentMarkerBytes);
        if (at < 0 || marked.AsSpan(at + ContentMarkerBytes.Length).IndexOf(ContentMarkerBytes) >= 0)
        {
            // The post itself holds the marker text: let the formatter write it all.
            return Cut(entry);
        }

        var tail = marked.Length - at - ContentMarkerBytes.Length;
        var item = new byte[at + XmlText.EscapedLength(html) + tail];
        marked.AsSpan(0, at).CopyTo(item);
        var written = XmlText.Escape(html, item.AsSpan(at));
        marked.AsSpan(marked.Length - tail).CopyTo(item.AsSpan(at + written));
        return item;
    }

    private const string ContentMarker = "SyndicateItemContent9f8c3b6e2d1a4f7c";

    private static ReadOnlySpan<byte> ContentMarkerBytes => "SyndicateItemContent9f8c3b6e2d1a4f7c"u8;

    private byte[] Cut(FeedEntry entry)
    {
        var whole = _write(Shell with { Entries = [entry] });
        var tail = _emptyShell.Length - _itemsAt;
        var length = whole.Length - _itemsAt - tail;
        if (length < 0
            || !whole.AsSpan(0, _itemsAt).SequenceEqual(_emptyShell.AsSpan(0, _itemsAt))
            || !whole.AsSpan(whole.Length - tail).SequenceEqual(_emptyShell.AsSpan(_itemsAt)))
        {
            throw new InvalidOperationException("A one-item feed does not wrap its item in the shell of an empty feed.");
        }

        return whole.AsSpan(_itemsAt, length).ToArray();
    }

    private int ItemsAt(byte[] shell)
    {
        var at = shell.AsSpan().LastIndexOf(_end.Span);
        return at >= 0 ? at : throw new InvalidOperationException("The feed does not end as its format's items are spliced in.");
    }
}
