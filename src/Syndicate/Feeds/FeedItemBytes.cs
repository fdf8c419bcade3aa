namespace Syndicate.Feeds;

/// <summary>
/// An entry's RSS item and Atom entry as the feed writers write them, kept once made: a post
/// shows in the site feeds and in the feeds of each of its tags, and is serialized once per
/// format instead of once per feed; every later feed copies the bytes. The full HTML, escaped,
/// is nearly all of either and the same in both: it is escaped once and shared by the two.
/// </summary>
internal sealed class FeedItemBytes
{
    private readonly Lock _gate = new();
    private ItemBytes? _rss;
    private ItemBytes? _atom;
    private byte[]? _content;

    public ItemBytes Rss(Func<ItemBytes> make) => Get(ref _rss, make);

    public ItemBytes Atom(Func<ItemBytes> make) => Get(ref _atom, make);

    /// <summary>The entry's HTML escaped as element text (UTF-8), made once for both formats.</summary>
    public byte[] Content(Func<byte[]> make) => Get(ref _content, make);

    public bool HasRss => Volatile.Read(ref _rss) is not null;

    public bool HasAtom => Volatile.Read(ref _atom) is not null;

    /// <summary>Keeps <paramref name="item"/> as the RSS item unless one was made meanwhile.</summary>
    public void KeepRss(ItemBytes item) => Rss(() => item);

    /// <summary>Keeps <paramref name="item"/> as the Atom entry unless one was made meanwhile.</summary>
    public void KeepAtom(ItemBytes item) => Atom(() => item);

    private T Get<T>(ref T? slot, Func<T> make)
        where T : class
    {
        if (Volatile.Read(ref slot) is { } made)
        {
            return made;
        }

        // Two feeds written at once may ask for the same item; one makes it, the other waits for it.
        lock (_gate)
        {
            return slot ??= make();
        }
    }
}

/// <summary>One serialized item: what comes before its escaped HTML, the HTML (shared between formats; empty when the item holds none), and what follows.</summary>
internal sealed record ItemBytes(byte[] Head, byte[] Content, byte[] Tail)
{
    public long Length => (long)Head.Length + Content.Length + Tail.Length;

    public void WriteTo(Stream output)
    {
        output.Write(Head);
        output.Write(Content);
        output.Write(Tail);
    }

    /// <summary>The item's bytes in one array (for tests and for comparing with a whole feed).</summary>
    public byte[] ToArray() => [.. Head, .. Content, .. Tail];
}
