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
        // The document has its ETag already.
        using var replacement = new FileReplacement(FullPath(document.Path), hashed: false);
        replacement.Write(document.Body);
        return replacement.Commit().Written;
    }

    /// <summary>When the file was last written (null when there is none): files are written only when their bytes change, so this is when its bytes last changed, across restarts.</summary>
    public DateTimeOffset? LastWritten(string relative)
    {
        var info = new FileInfo(FullPath(relative));
        return info.Exists ? new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero) : null;
    }

    /// <summary>
    /// Streams a feed to its file through a <see cref="FileReplacement"/>: no feed is ever held in
    /// memory whole, an unchanged file is only read, and a changed one is replaced atomically.
    /// </summary>
    /// <param name="hashed">Whether the result carries the ETag of the bytes written (for a log line).</param>
    public FeedFileWrite Write(FeedFile file, bool hashed)
    {
        using var replacement = new FileReplacement(FullPath(file.Path), hashed);
        file.WriteTo(replacement);
        return replacement.Commit();
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
}

/// <summary>What <see cref="FeedOutput.Write(FeedFile)"/> did: whether it replaced the file, the feed's size, and its ETag when it wrote.</summary>
internal sealed record FeedFileWrite(bool Written, long Length, string? ETag);
