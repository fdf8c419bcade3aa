using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Syndicate.Feeds;

/// <summary>
/// The feed files in Feeds:OutputFolder. A file is replaced atomically (written beside it, then
/// renamed over it), so a web server reading the folder never sees half a feed, and only when
/// its bytes changed, so its modification time and any server's validators stay put.
/// </summary>
internal sealed class FeedOutput
{
    private static readonly string[] FeedFileNames = ["feed.xml", "atom.xml"];

    public FeedOutput(IOptions<FeedsOptions> options, IHostEnvironment environment)
    {
        Folder = Path.GetFullPath(options.Value.OutputFolder, environment.ContentRootPath);
    }

    public string Folder { get; }

    /// <summary>Writes the document unless the file already holds these bytes; true when it wrote.</summary>
    public bool Write(FeedDocument document)
    {
        var target = FullPath(document.Path);
        if (SameBytes(target, document.Body))
        {
            return false;
        }

        var directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                stream.Write(document.Body);
            }

            // No fsync: the rename is what makes the replacement atomic for readers, who see the
            // old file or the new one, never a part. Flushing each file to disk only guarded
            // against a power cut, after which the next build writes the feeds again anyway.
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }

        return true;
    }

    /// <summary>
    /// Streams a feed into a temporary file beside its target, hashing it on the way, then renames
    /// it over the target unless the target already holds the same bytes: no feed is ever held
    /// in memory whole, and an unchanged file keeps its modification time.
    /// </summary>
    public FeedFileWrite Write(FeedFile file)
    {
        var target = FullPath(file.Path);
        var directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            long length;
            string eTag;
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var hashing = new HashingStream(stream))
            {
                file.WriteTo(hashing);
                length = hashing.Length;
                eTag = FeedDocument.ETagOfHash(hashing.Hash());
            }

            if (SameFiles(target, temporary, length))
            {
                return new FeedFileWrite(false, length, eTag);
            }

            // No fsync, as in Write(FeedDocument): the rename alone makes the replacement atomic for readers.
            File.Move(temporary, target, overwrite: true);
            return new FeedFileWrite(true, length, eTag);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Deletes tag feeds that are no longer made (a tag no post carries any more); returns their paths.</summary>
    public IReadOnlyList<string> RemoveStale(IReadOnlySet<string> live)
    {
        var removed = new List<string>();
        var tags = Path.Combine(Folder, "tags");
        if (!Directory.Exists(tags))
        {
            return removed;
        }

        foreach (var directory in Directory.EnumerateDirectories(tags))
        {
            foreach (var name in FeedFileNames)
            {
                var relative = $"tags/{Path.GetFileName(directory)}/{name}";
                var full = Path.Combine(directory, name);
                if (!live.Contains(relative) && File.Exists(full))
                {
                    File.Delete(full);
                    removed.Add(relative);
                }
            }

            if (!Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }

        return removed;
    }

    public string FullPath(string relative) => Path.Combine(Folder, relative.Replace('/', Path.DirectorySeparatorChar));

    private static bool SameFiles(string existing, string written, long length)
    {
        try
        {
            var info = new FileInfo(existing);
            if (!info.Exists || info.Length != length)
            {
                return false;
            }

            using var a = File.OpenHandle(existing);
            using var b = File.OpenHandle(written);
            var left = new byte[1 << 16];
            var right = new byte[1 << 16];
            for (long offset = 0; offset < length;)
            {
                var count = RandomAccess.Read(a, left, offset);
                if (count == 0 || RandomAccess.Read(b, right.AsSpan(0, count), offset) != count
                    || !left.AsSpan(0, count).SequenceEqual(right.AsSpan(0, count)))
                {
                    return false;
                }

                offset += count;
            }

            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool SameBytes(string path, ReadOnlySpan<byte> body)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length != body.Length)
            {
                return false;
            }

            return File.ReadAllBytes(path).AsSpan().SequenceEqual(body);
        }
        catch (IOException)
        {
            return false;
        }
    }
}

/// <summary>What <see cref="FeedOutput.Write(FeedFile)"/> did: whether it replaced the file, and the feed's size and ETag.</summary>
internal sealed record FeedFileWrite(bool Written, long Length, string ETag);
