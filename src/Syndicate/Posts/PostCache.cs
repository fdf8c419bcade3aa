using System.Buffers;
using System.Diagnostics;
using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.Logging;
using Syndicate.Storage;

namespace Syndicate.Posts;

/// <summary>
/// Posts:CacheFile: the parsed posts and their rendered HTML, kept between runs by file stamp (path, size, write
/// time), so that a `build` or a start of the service reads again only the files that changed since the last run.
/// A post is taken from the cache only with the stamp its file has now, and the whole cache only when it was
/// written by this build of Syndicate with the same settings (<c>fingerprint</c>: address, time zone, permalink
/// pattern, size limit, default author, posts folder); anything else, or a cache that cannot be read, is
/// ignored and every post is read from its file as without a cache. Only posts that parsed without errors are
/// kept. The rendered HTML is not loaded with the posts: it stays in the file and is read when a feed or a
/// digest first needs it. Each post's entry and each HTML block carries a checksum (XxHash3): a cache damaged in
/// any way is ignored as a whole, an HTML block damaged later is rendered again. A file whose write time is within <see cref="RacyWindow"/> of the cache's own writing
/// is read again anyway (as git does with its index): it may have changed again in the same clock tick, with the
/// same size.
/// </summary>
internal sealed class PostCache : IDisposable
{
    private const string Magic = "Syndicate post cache";
    private const int FormatVersion = 3;

    /// <summary>Coarser than any file system's write-time resolution this runs on (FAT and SMB: 2 s).</summary>
    private static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(3);

    private readonly string? _path;
    private readonly string _folder;
    private readonly string _fingerprint;
    private readonly ILogger _logger;
    private readonly Lock _saveGate = new();
    private Dictionary<string, Post>? _loaded;
    private DateTime _loadedWrittenAt;

    // The cache file the stored HTML of the posts is read from: the one loaded, then the one each save wrote.
    private FileStream? _file;

    /// <param name="path">The cache file's full path; null or empty turns the cache off.</param>
    /// <param name="folder">The posts folder, full path: cached posts are stored by their path relative to it.</param>
    public PostCache(string? path, string folder, string fingerprint, ILogger logger)
    {
        _path = string.IsNullOrWhiteSpace(path) ? null : path;
        _folder = folder;
        _fingerprint = fingerprint;
        _logger = logger;
    }

    public string? Path => _path;

    /// <summary>Why the last <see cref="Save"/> failed; null after one that succeeded (or before any).</summary>
    public string? LastSaveFailure { get; private set; }

    /// <summary>
    /// The cached post for <paramref name="file"/> when the cache holds it with exactly <paramref name="stamp"/>;
    /// otherwise null (read the file), and the cached version as <paramref name="lastGood"/>: the post to keep publishing
    /// should the file as it is now not parse. The cache file is read on the first call.
    /// </summary>
    public Post? TryTake(string file, FileStamp stamp, out Post? lastGood)
    {
        var loaded = _loaded ??= Load();
        lastGood = null;
        if (!loaded.Remove(file, out var post))
        {
            return null;
        }

        if (post.Stamp == stamp && stamp.LastWriteUtc < _loadedWrittenAt - RacyWindow)
        {
            return post;
        }

        lastGood = post;
        return null;
    }

    /// <summary>Drops the cached posts that no file asked for (deleted or changed files); returns how many.</summary>
    public int ForgetUntaken()
    {
        var untaken = _loaded?.Count ?? 0;
        _loaded?.Clear();
        return untaken;
    }

    /// <summary>The rendered HTML stored with this version of <paramref name="post"/>, or null when none is (or it cannot be read).</summary>
    public PostContent? ReadContent(Post post)
    {
        if (post.StoredContent is not { } stored)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(stored.Length + sizeof(ulong));
        try
        {
            if (!ReadBlock(stored, buffer))
            {
                PostsLog.CacheUnusable(_logger, _path ?? "", "read", $"the HTML of {post.File} does not match its checksum");
                return null;
            }

            var block = buffer.AsSpan(0, stored.Length);
            return new PostContent(ReadUtf8(ref block), ReadUtf8(ref block), ReadUtf8(ref block));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The post is rendered from its file instead.
            PostsLog.CacheUnusable(_logger, _path ?? "", "read", ex.Message);
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Writes <paramref name="posts"/> (each with its file's current stamp) and every rendered HTML known for them, to a
    /// temporary file renamed over the cache: a run that stops half-way leaves the previous cache whole. The posts whose
    /// HTML is only in the cache then read it from the new file. A failure is logged and changes nothing else; false then.
    /// </summary>
    public bool Save(IReadOnlyCollection<Post> posts)
    {
        if (_path is null)
        {
            return false;
        }

        lock (_saveGate)
        {
            var stopwatch = Stopwatch.StartNew();
            var temporary = $"{_path}.{Environment.ProcessId}.tmp";
            var moved = new List<(Post Post, long Offset, int Length)>();
            var withHtml = 0;
            FileStream? written = null;
            try
            {
                // Usually the data folder, beside the subscribers; the cache holds drafts too. A new one is the owner's only.
                PrivateFiles.CreateFolder(System.IO.Path.GetDirectoryName(_path)!);
                using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                using (var writer = new BinaryWriter(stream, Encoding.UTF8))
                {
                    writer.Write(Magic);
                    writer.Write(FormatVersion);
                    writer.Write(_fingerprint);
                    writer.Write(DateTime.UtcNow.Ticks);
                    writer.Write(posts.Count);
                    // One buffer for every entry and one for every HTML block, grown to the largest: a buffer per post
                    // cost a 10,000-post first build half a gigabyte of allocations and copies as each one grew.
                    using var entry = new MemoryStream();
                    using var entryWriter = new BinaryWriter(entry, Encoding.UTF8, leaveOpen: true);
                    using var html = new MemoryStream();
                    using var htmlWriter = new BinaryWriter(html, Encoding.UTF8, leaveOpen: true);
                    foreach (var post in posts)
                    {
                        entry.SetLength(0);
                        WritePost(entryWriter, post);
                        entryWriter.Flush();
                        WriteChecked(writer, entry.GetBuffer().AsSpan(0, (int)entry.Length));
                        if (WriteContent(writer, post, htmlWriter) is not { } block)
                        {
                            continue;
                        }

                        withHtml++;
                        if (post.Content is null)
                        {
                            moved.Add((post, block.Offset, block.Length));
                        }
                    }
                }

                // Opened before the rename, so it is this file whatever another process renames there next.
                written = new FileStream(temporary, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1);
                File.Move(temporary, _path, overwrite: true);
                foreach (var (post, offset, length) in moved)
                {
                    post.StoredContent = new StoredContent(written, offset, length);
                }

                (_file, written) = (written, _file);
                LastSaveFailure = null;
                PostsLog.CacheWritten(_logger, _path, posts.Count, withHtml, stopwatch.ElapsedMilliseconds);
                DeleteLeftovers();
                return true;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                PostsLog.CacheUnusable(_logger, _path, "written", ex.Message);
                LastSaveFailure = ex.Message;
                Delete(temporary);
                return false;
            }
            finally
            {
                // The file replaced (or, after a failure, the one that was not put in place): no post reads from it now.
                written?.Dispose();
            }
        }
    }

    public void Dispose() => _file?.Dispose();

    private Dictionary<string, Post> Load()
    {
        var posts = new Dictionary<string, Post>(StringComparer.Ordinal);
        if (_path is null || !File.Exists(_path))
        {
            return posts;
        }

        var stopwatch = Stopwatch.StartNew();
        FileStream? file = null;
        try
        {
            // One open file for the posts and, later, their HTML: shared for deleting, so that a save can rename a new
            // cache over it while posts still read here.
            file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16);
            using var reader = new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
            if (reader.ReadString() != Magic || reader.ReadInt32() != FormatVersion || reader.ReadString() != _fingerprint)
            {
                PostsLog.CacheStale(_logger, _path);
                file.Dispose();
                return posts;
            }

            _loadedWrittenAt = new DateTime(reader.ReadInt64(), DateTimeKind.Utc);
            var count = Count(reader);
            using var entry = new MemoryStream();
            using var entryReader = new BinaryReader(entry, Encoding.UTF8, leaveOpen: true);
            // Tags and authors repeat from post to post: one string each, not one per post.
            var repeated = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                ReadChecked(reader, entry);
                var post = ReadPost(entryReader, repeated);
                if (reader.ReadBoolean())
                {
                    var length = Count(reader);
                    post.StoredContent = new StoredContent(file, reader.BaseStream.Position, length);
                    reader.BaseStream.Seek(length + sizeof(ulong), SeekOrigin.Current);
                }

                posts[post.File] = post;
            }

            _file = file;
            PostsLog.CacheLoaded(_logger, _path, posts.Count, stopwatch.ElapsedMilliseconds);
            return posts;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A cache cut short or damaged (a full disk, an edit by hand) is only a slower start.
            file?.Dispose();
            PostsLog.CacheUnusable(_logger, _path, "read", ex.Message);
            return new Dictionary<string, Post>(StringComparer.Ordinal);
        }
    }

    /// <summary>A count or length from the file, checked against the bytes left: a damaged one never makes a huge allocation.</summary>
    private static int Count(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count < 0 || count > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException($"a count of {count} at byte {reader.BaseStream.Position} does not fit the file.");
        }

        return count;
    }

    private void DeleteLeftovers()
    {
        // Temporary files of saves that a stopped process left behind.
        foreach (var leftover in Directory.EnumerateFiles(System.IO.Path.GetDirectoryName(_path)!, System.IO.Path.GetFileName(_path) + ".*.tmp"))
        {
            if (File.GetLastWriteTimeUtc(leftover) < DateTime.UtcNow - TimeSpan.FromHours(1))
            {
                Delete(leftover);
            }
        }
    }

    private static void Delete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next save's cleaning.
        }
    }

    private static void WritePost(BinaryWriter writer, Post post)
    {
        writer.Write(post.File);
        writer.Write(post.Stamp.Length);
        writer.Write(post.Stamp.LastWriteUtc.Ticks);
        writer.Write(post.Title);
        WriteDate(writer, post.Date);
        WriteDate(writer, post.Updated);
        WriteOptional(writer, post.Description);
        WriteList(writer, post.Tags);
        WriteList(writer, post.Categories);
        WriteList(writer, post.AllTags);
        WriteOptional(writer, post.Author);
        WriteOptional(writer, post.AuthorEmail);
        WriteOptional(writer, post.Image);
        writer.Write(post.Slug);
        writer.Write(post.Permalink);
        writer.Write(post.Url);
        writer.Write(post.Id);
        writer.Write(post.IsDraft);
        writer.Write(post.BodyLine);
        writer.Write(post.Warnings.Count);
        foreach (var warning in post.Warnings)
        {
            writer.Write(warning.Line ?? -1);
            WriteOptional(writer, warning.Field);
            writer.Write(warning.Message);
        }
    }

    private Post ReadPost(BinaryReader reader, HashSet<string> repeated)
    {
        var file = reader.ReadString();
        var stamp = new FileStamp(reader.ReadInt64(), new DateTime(reader.ReadInt64(), DateTimeKind.Utc));
        var title = reader.ReadString();
        var date = ReadDate(reader);
        var updated = ReadDate(reader);
        var description = ReadOptional(reader);
        var tags = ReadList(reader, repeated);
        var categories = ReadList(reader, repeated);
        var allTags = ReadList(reader, repeated);
        var author = Shared(ReadOptional(reader), repeated);
        var authorEmail = Shared(ReadOptional(reader), repeated);
        var image = ReadOptional(reader);
        var slug = reader.ReadString();
        var permalink = reader.ReadString();
        var url = reader.ReadString();
        var id = reader.ReadString();
        // Most posts' id is their address: one string for both.
        id = id == url ? url : id;
        var draft = reader.ReadBoolean();
        var bodyLine = reader.ReadInt32();
        var warnings = new PostDiagnostic[Count(reader)];
        for (var i = 0; i < warnings.Length; i++)
        {
            var line = reader.ReadInt32();
            warnings[i] = new PostDiagnostic(file, line < 0 ? null : line, ReadOptional(reader), reader.ReadString(), IsError: false);
        }

        return new Post
        {
            File = file,
            FullPath = System.IO.Path.Combine(_folder, file.Replace('/', System.IO.Path.DirectorySeparatorChar)),
            Stamp = stamp,
            Title = title,
            Date = date,
            Updated = updated,
            Description = description,
            Tags = tags,
            Categories = categories,
            AllTags = allTags,
            Author = author,
            AuthorEmail = authorEmail,
            Image = image,
            Slug = slug,
            Permalink = permalink,
            Url = url,
            Id = id,
            IsDraft = draft,
            BodyLine = bodyLine,
            Warnings = warnings,
        };
    }

    /// <summary>
    /// The post's rendered HTML as one block (its length first, so a load can step over it): rendered in this run, or
    /// copied from the cache it was read from. Returns where the block lies in the new file, null when there is none.
    /// </summary>
    /// <param name="blockWriter">A writer on a <see cref="MemoryStream"/>, emptied here, in which the HTML block is put together.</param>
    private static (long Offset, int Length)? WriteContent(BinaryWriter writer, Post post, BinaryWriter blockWriter)
    {
        if (post.Content is { } content)
        {
            var block = (MemoryStream)blockWriter.BaseStream;
            block.SetLength(0);
            blockWriter.Write(content.Html);
            blockWriter.Write(content.ExcerptHtml);
            blockWriter.Write(content.SummaryText);
            blockWriter.Flush();
            return WriteBlock(writer, block.GetBuffer().AsSpan(0, (int)block.Length));
        }

        if (post.StoredContent is { } stored)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(stored.Length + sizeof(ulong));
            try
            {
                if (ReadBlock(stored, buffer))
                {
                    return WriteBlock(writer, buffer.AsSpan(0, stored.Length));
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        writer.Write(false);
        return null;
    }

    private static (long Offset, int Length) WriteBlock(BinaryWriter writer, ReadOnlySpan<byte> block)
    {
        writer.Write(true);
        writer.Flush();
        var offset = writer.BaseStream.Position + sizeof(int);
        WriteChecked(writer, block);
        return (offset, block.Length);
    }

    /// <summary>Length, bytes, XxHash3 of the bytes.</summary>
    private static void WriteChecked(BinaryWriter writer, ReadOnlySpan<byte> bytes)
    {
        writer.Write(bytes.Length);
        writer.Write(bytes);
        writer.Write(XxHash3.HashToUInt64(bytes));
    }

    /// <summary>Reads one checked entry into <paramref name="entry"/> (reused for every entry), positioned at its start.</summary>
    private static void ReadChecked(BinaryReader reader, MemoryStream entry)
    {
        var length = Count(reader);
        entry.SetLength(length);
        var bytes = entry.GetBuffer().AsSpan(0, length);
        reader.BaseStream.ReadExactly(bytes);
        if (reader.ReadUInt64() != XxHash3.HashToUInt64(bytes))
        {
            throw new InvalidDataException($"an entry ending at byte {reader.BaseStream.Position} does not match its checksum.");
        }

        entry.Position = 0;
    }

    /// <summary>Reads a stored HTML block and its checksum into <paramref name="buffer"/>; false when either is not what was written.</summary>
    private static bool ReadBlock(StoredContent stored, byte[] buffer)
    {
        var span = buffer.AsSpan(0, stored.Length + sizeof(ulong));
        return RandomAccess.Read(stored.File.SafeFileHandle, span, stored.Offset) == span.Length
            && System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(span[stored.Length..]) == XxHash3.HashToUInt64(span[..stored.Length]);
    }

    /// <summary>
    /// One string as <see cref="BinaryWriter.Write(string)"/> wrote it (a 7-bit encoded byte count, then UTF-8), taken
    /// off the front of <paramref name="block"/>. Decoded at once: BinaryReader would decode a post's HTML 128 bytes at
    /// a time into a StringBuilder.
    /// </summary>
    private static string ReadUtf8(ref Span<byte> block)
    {
        int length = 0, shift = 0, at = 0;
        byte next;
        do
        {
            if (at == block.Length || shift > 28)
            {
                throw new InvalidDataException("a string's length in an HTML block is cut short or too long.");
            }

            next = block[at++];
            length |= (next & 0x7F) << shift;
            shift += 7;
        }
        while ((next & 0x80) != 0);

        if (length < 0 || length > block.Length - at)
        {
            throw new InvalidDataException($"a string of {length} bytes does not fit in what is left of its HTML block ({block.Length - at} bytes).");
        }

        var value = Encoding.UTF8.GetString(block.Slice(at, length));
        block = block[(at + length)..];
        return value;
    }

    private static void WriteDate(BinaryWriter writer, DateTimeOffset value)
    {
        writer.Write(value.Ticks);
        writer.Write((short)value.Offset.TotalMinutes);
    }

    private static DateTimeOffset ReadDate(BinaryReader reader) => new(reader.ReadInt64(), TimeSpan.FromMinutes(reader.ReadInt16()));

    private static void WriteOptional(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null)
        {
            writer.Write(value);
        }
    }

    private static string? ReadOptional(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;

    private static void WriteList(BinaryWriter writer, IReadOnlyList<string> values)
    {
        writer.Write(values.Count);
        foreach (var value in values)
        {
            writer.Write(value);
        }
    }

    private static string[] ReadList(BinaryReader reader, HashSet<string> repeated)
    {
        var values = new string[Count(reader)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Shared(reader.ReadString(), repeated)!;
        }

        return values;
    }

    /// <summary>The one instance of <paramref name="value"/> in <paramref name="repeated"/>, added when it is the first.</summary>
    private static string? Shared(string? value, HashSet<string> repeated)
    {
        if (value is null)
        {
            return null;
        }

        if (repeated.TryGetValue(value, out var shared))
        {
            return shared;
        }

        repeated.Add(value);
        return value;
    }
}

/// <summary>Where a post's rendered HTML lies in a cache file this process holds open.</summary>
internal sealed record StoredContent(FileStream File, long Offset, int Length);
