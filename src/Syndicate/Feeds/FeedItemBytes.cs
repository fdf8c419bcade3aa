namespace Syndicate.Feeds;

/// <summary>
/// An entry's RSS item and Atom entry as the feed writers write them, kept once made: a post
/// shows in the site feeds and in the feeds of each of its tags, and its HTML is escaped once
/// per format instead of once per feed; every later feed copies the bytes.
/// </summary>
internal sealed class FeedItemBytes
{
    private readonly Lock _gate = new();
    private byte[]? _rss;
    private byte[]? _atom;

    public byte[] Rss(Func<byte[]> make) => Get(ref _rss, make);

    public byte[] Atom(Func<byte[]> make) => Get(ref _atom, make);

    public bool HasRss => Volatile.Read(ref _rss) is not null;

    public bool HasAtom => Volatile.Read(ref _atom) is not null;

    /// <summary>Keeps <paramref name="item"/> as the RSS item unless one was made meanwhile.</summary>
    public void KeepRss(byte[] item) => Rss(() => item);

    /// <summary>Keeps <paramref name="item"/> as the Atom entry unless one was made meanwhile.</summary>
    public void KeepAtom(byte[] item) => Atom(() => item);

    private byte[] Get(ref byte[]? slot, Func<byte[]> make)
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
