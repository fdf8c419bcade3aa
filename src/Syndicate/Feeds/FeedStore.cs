using System.Collections.Concurrent;
using System.IO.Compression;

namespace Syndicate.Feeds;

/// <summary>
/// The feeds being served, by path. Each keeps its bytes and, made on first request, its gzip and
/// brotli forms, each with its own ETag (a compressed body is a different representation).
/// </summary>
internal sealed class FeedStore
{
    private readonly ConcurrentDictionary<string, ServedFeed> _feeds = new(StringComparer.Ordinal);

    /// <summary>True when these are the bytes served now at the document's path.</summary>
    public bool Serves(FeedDocument document) => _feeds.TryGetValue(document.Path, out var current) && current.Document.ETag == document.ETag;

    /// <summary>
    /// Sets a document; true when its bytes differ from what was served before. Its Last-Modified is when its bytes
    /// changed, <paramref name="changedAt"/> in whole seconds (HTTP's precision), and always past the previous bytes'
    /// Last-Modified: a reader asking If-Modified-Since with the old date never gets a 304 for the new bytes, even for
    /// two changes in one second. (Not the newest post's date: an edit of an older post, or a post added with an older
    /// date, changes the bytes but not that date.)
    /// </summary>
    public bool Set(FeedDocument document, DateTimeOffset changedAt)
    {
        var current = _feeds.GetValueOrDefault(document.Path);
        if (current is not null && current.Document.ETag == document.ETag)
        {
            return false;
        }

        var lastModified = new DateTimeOffset(changedAt.UtcTicks - changedAt.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        if (current is not null && lastModified <= current.LastModified)
        {
            lastModified = current.LastModified.AddSeconds(1);
        }

        _feeds[document.Path] = new ServedFeed(document, lastModified);
        return true;
    }

    public void RemoveAllBut(IReadOnlySet<string> live)
    {
        foreach (var path in _feeds.Keys)
        {
            if (!live.Contains(path))
            {
                _feeds.TryRemove(path, out _);
            }
        }
    }

    public bool TryGet(string path, out ServedFeed feed) => _feeds.TryGetValue(path, out feed!);

    public IReadOnlyList<FeedDocument> All() => _feeds.Values.Select(feed => feed.Document).OrderBy(d => d.Path, StringComparer.Ordinal).ToArray();

    public int Count => _feeds.Count;
}

/// <summary>One served feed and its compressed forms.</summary>
internal sealed class ServedFeed
{
    private readonly Lazy<byte[]> _gzip;
    private readonly Lazy<byte[]> _brotli;

    public ServedFeed(FeedDocument document, DateTimeOffset lastModified)
    {
        Document = document;
        LastModified = lastModified;
        _gzip = new Lazy<byte[]>(() => Compress(document.Body, stream => new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true)));
        _brotli = new Lazy<byte[]>(() => Compress(document.Body, stream => new BrotliStream(stream, CompressionLevel.Optimal, leaveOpen: true)));
    }

    public FeedDocument Document { get; }

    /// <summary>When these bytes were first served or written (see <see cref="FeedStore.Set"/>).</summary>
    public DateTimeOffset LastModified { get; }

    /// <summary>The body and ETag for a content coding: "br", "gzip" or "identity".</summary>
    public (byte[] Body, string ETag) For(string coding) => coding switch
    {
        "br" => (_brotli.Value, Document.ETag.Insert(Document.ETag.Length - 1, "-br")),
        "gzip" => (_gzip.Value, Document.ETag.Insert(Document.ETag.Length - 1, "-gz")),
        _ => (Document.Body, Document.ETag),
    };

    private static byte[] Compress(byte[] body, Func<Stream, Stream> wrap)
    {
        using var output = new MemoryStream(body.Length / 4 + 64);
        using (var compressor = wrap(output))
        {
            compressor.Write(body);
        }

        return output.ToArray();
    }
}
