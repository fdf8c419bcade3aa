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
                stream.Flush(flushToDisk: true);
            }

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
