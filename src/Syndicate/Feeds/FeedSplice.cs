using System.Buffers;

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
    private readonly ReadOnlyMemory<byte> _itemStart;
    private readonly Func<FeedContext, byte[]> _write;

    /// <param name="itemStart">How every item begins: the newline and indentation before its start tag, and the tag.</param>
    /// <param name="end">What follows the last item: the closing tags, from the newline before the first of them.</param>
    /// <param name="shell">Any feed context; its items are ignored.</param>
    /// <param name="write">Writes a whole feed of the format.</param>
    public FeedSplice(ReadOnlySpan<byte> itemStart, ReadOnlySpan<byte> end, FeedContext shell, Func<FeedContext, byte[]> write)
    {
        _itemStart = itemStart.ToArray();
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
    public void Write(FeedContext context, Stream output, Func<FeedEntry, ItemBytes> item)
    {
        var shell = _write(context with { Entries = [] });
        var at = ItemsAt(shell);
        output.Write(shell, 0, at);
        foreach (var entry in context.Entries)
        {
            item(entry).WriteTo(output);
        }

        output.Write(shell, at, shell.Length - at);
    }

    /// <summary>
    /// The bytes the formatter writes for one entry, among the items of any feed. The full HTML,
    /// nearly all of an item, is escaped here rather than by XmlWriter, which escapes and encodes
    /// one character at a time: the item is written with a marker in its place, and the escaped
    /// UTF-8 (<see cref="FeedItemBytes.Content"/>, shared with the entry's other format) goes
    /// where the marker was, exactly as XmlWriter escapes element text.
    /// </summary>
    public ItemBytes Item(FeedEntry entry) => Item(entry, XmlText.Clean(entry.Content.Html));

    /// <summary><see cref="Item(FeedEntry)"/> with the entry's HTML already clean.</summary>
    private ItemBytes Item(FeedEntry entry, string html) =>
        html.Length > 0 && Around(Cut(Marked(entry))) is var (head, tail)
            ? new ItemBytes(head, Content(entry, html), tail)
            : new ItemBytes(Cut(entry), [], []);

    /// <summary>
    /// <see cref="Item"/> for many entries, from one run of the formatter over all of them: a run costs about as much
    /// as the small item it writes, so this is several times quicker than an item at a time. The run's items are
    /// told apart by the start tag that begins each one, which element text and attributes cannot hold unescaped.
    /// </summary>
    public ItemBytes[] Items(IReadOnlyList<FeedEntry> entries)
    {
        var items = new ItemBytes[entries.Count];
        var html = new string[entries.Count];
        var batch = new List<int>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            html[i] = XmlText.Clean(entries[i].Content.Html);
            if (html[i].Length == 0 || html[i].Contains(ContentMarker, StringComparison.Ordinal))
            {
                items[i] = Item(entries[i], html[i]);
            }
            else
            {
                batch.Add(i);
            }
        }

        if (batch.Count == 0)
        {
            return items;
        }

        var marked = new FeedEntry[batch.Count];
        for (var k = 0; k < marked.Length; k++)
        {
            marked[k] = Marked(entries[batch[k]]);
        }

        var whole = _write(Shell with { Entries = marked });
        var run = Inner(whole);
        var starts = new List<int>(batch.Count);
        for (var from = 0; from < run.Length;)
        {
            var next = run[from..].IndexOf(_itemStart.Span);
            if (next < 0)
            {
                break;
            }

            starts.Add(from + next);
            from += next + 1;
        }

        // Not told apart (a formatter writing other than this class expects): an item at a time, as Item does.
        var toldApart = starts.Count == batch.Count && starts[0] == 0;
        for (var k = 0; k < batch.Count; k++)
        {
            var index = batch[k];
            var parts = toldApart ? Around(run[starts[k]..(k + 1 < starts.Count ? starts[k + 1] : run.Length)]) : null;
            items[index] = parts is var (head, tail)
                ? new ItemBytes(head, Content(entries[index], html[index]), tail)
                : Item(entries[index], html[index]);
        }

        return items;
    }

    /// <summary>Makes, in one run (<see cref="Items"/>), the items of the entries that <paramref name="made"/> says have none yet, and hands each to <paramref name="keep"/>.</summary>
    public void Prepare(IReadOnlyList<FeedEntry> entries, Func<FeedEntry, bool> made, Action<FeedEntry, ItemBytes> keep)
    {
        var missing = entries.Where(entry => !made(entry)).ToArray();
        var items = Items(missing);
        for (var i = 0; i < missing.Length; i++)
        {
            keep(missing[i], items[i]);
        }
    }

    private static FeedEntry Marked(FeedEntry entry) => entry with { Content = entry.Content with { Html = ContentMarker } };

    /// <summary>What comes before and after the one marker in <paramref name="marked"/>; null without exactly one.</summary>
    private static (byte[] Head, byte[] Tail)? Around(ReadOnlySpan<byte> marked)
    {
        var at = marked.IndexOf(ContentMarkerBytes);
        if (at < 0 || marked[(at + ContentMarkerBytes.Length)..].IndexOf(ContentMarkerBytes) >= 0)
        {
            // The post itself holds the marker text: the formatter writes it all.
            return null;
        }

        return (marked[..at].ToArray(), marked[(at + ContentMarkerBytes.Length)..].ToArray());
    }

    /// <summary>The entry's clean HTML escaped as element text, made once for all its formats.</summary>
    private static byte[] Content(FeedEntry entry, string html) => entry.Bytes.Content(() =>
    {
        var escaped = ArrayPool<byte>.Shared.Rent(XmlText.MaxEscapedLength(html));
        try
        {
            return escaped.AsSpan(0, XmlText.Escape(html, escaped)).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(escaped);
        }
    });

    private const string ContentMarker = "SyndicateItemContent9f8c3b6e2d1a4f7c";

    private static ReadOnlySpan<byte> ContentMarkerBytes => "SyndicateItemContent9f8c3b6e2d1a4f7c"u8;

    private byte[] Cut(FeedEntry entry) => Inner(_write(Shell with { Entries = [entry] })).ToArray();

    /// <summary>The items of a feed written around the fixed shell: what lies between the empty shell's two parts.</summary>
    private ReadOnlySpan<byte> Inner(byte[] whole)
    {
        var tail = _emptyShell.Length - _itemsAt;
        var length = whole.Length - _itemsAt - tail;
        if (length < 0
            || !whole.AsSpan(0, _itemsAt).SequenceEqual(_emptyShell.AsSpan(0, _itemsAt))
            || !whole.AsSpan(whole.Length - tail).SequenceEqual(_emptyShell.AsSpan(_itemsAt)))
        {
            throw new InvalidOperationException("A feed of the fixed shell does not wrap its items in the shell of an empty feed.");
        }

        return whole.AsSpan(_itemsAt, length);
    }

    private int ItemsAt(byte[] shell)
    {
        var at = shell.AsSpan().LastIndexOf(_end.Span);
        return at >= 0 ? at : throw new InvalidOperationException("The feed does not end as its format's items are spliced in.");
    }
}
