using System.Buffers;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Syndicate.Posts;

/// <summary>
/// Posts:CacheFile: the parsed posts and their rendered HTML, kept between runs by file stamp (path, size, write
/// time), so that a `build` or a start of the service reads again only the files that changed since the last run.
/// A post is taken from the cache only with the stamp its file has now, and the whole cache only when it was
/// written by this build of Syndicate with the same settings (<c>fingerprint</c>: address, time zone, permalink
/// pattern, size limit, default author, posts folder); anything else, or a cache that cannot be read, is
/// ignored and every post is read from its file as without a cache. Only posts that parsed without errors are
/// kept. The rendered HTML is not loaded with the posts: it stays in the file and is read when a feed or a
/// digest first needs it.
/// </summary>
internal sealed class PostCache : IDisposable
{
    private const string Magic = "Syndicate post cache";
    private const int FormatVersion = 1;

    private readonly string? _path;
    private readonly string _folder;
    private readonly string _fingerprint;
    private readonly ILogger _logger;
    private readonly Lock _saveGate = new();
    private Dictionary<string, Post>? _loaded;
    private SafeFileHandle? _handle;

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

    /// <summary>
    /// The cached post for <paramref name="file"/> when the cache holds it with exactly <paramref name="stamp"/>;
    /// otherwise null (read the file). The cache file is read on the first call.
    /// </summary>
    public Post? TryTake(string file, FileStamp stamp)
    {
        var loaded = _loaded ??= Load();
        return loaded.Remove(file, out var post) && post.Stamp == stamp ? post : null;
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

        var buffer = ArrayPool<byte>.Shared.Rent(stored.Length);
        try
        {
            if (RandomAccess.Read(stored.Handle, buffer.AsSpan(0, stored.Length), stored.Offset) != stored.Length)
            {
                return null;
            }

            using var reader = new BinaryReader(new MemoryStream(buffer, 0, stored.Length), Encoding.UTF8);
            return new PostContent(reader.ReadString(), reader.ReadString(), reader.ReadString());
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or EndOfStreamException)
        {
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
    /// temporary file renamed over the cache: a run that stops half-way leaves the previous cache whole. A failure is
    /// logged and changes nothing else; false then.
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
            var withContent = 0;
            try
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
                using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                using (var writer = new BinaryWriter(stream, Encoding.UTF8))
                {
                    writer.Write(Magic);
                    writer.Write(FormatVersion);
                    writer.Write(_fingerprint);
                    writer.Write(posts.Count);
                    foreach (var post in posts)
                    {
                        WritePost(writer, post);
                        if (WriteContent(writer, post))
                        {
                            withContent++;
                        }
                    }
                }

                File.Move(temporary, _path, overwrite: true);
                PostsLog.CacheWritten(_logger, _path, posts.Count, withContent, stopwatch.ElapsedMilliseconds);
                return true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                PostsLog.CacheUnusable(_logger, _path, "written", ex.Message);
                try
                {
                    File.Delete(temporary);
                }
                catch (Exception) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Nothing more to do: the next save writes the same name again.
                }

                return false;
            }
        }
    }

    public void Dispose() => _handle?.Dispose();

    private Dictionary<string, Post> Load()
    {
        var posts = new Dictionary<string, Post>(StringComparer.Ordinal);
        if (_path is null || !File.Exists(_path))
        {
            return posts;
        }

        var stopwatch = Stopwatch.StartNew();
        SafeFileHandle? handle = null;
        try
        {
            // Shared for deleting: a later save renames its new file over this one while its posts still read their HTML here.
            handle = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
            // The posts are read through a stream of their own (which closes its handle); the HTML later through this handle.
            using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            if (reader.ReadString() != Magic || reader.ReadInt32() != FormatVersion || reader.ReadString() != _fingerprint)
            {
                PostsLog.CacheStale(_logger, _path);
                handle.Dispose();
                return posts;
            }

            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                var post = ReadPost(reader, handle);
                posts[post.File] = post;
            }

            _handle = handle;
            PostsLog.CacheLoaded(_logger, _path, posts.Count, stopwatch.ElapsedMilliseconds);
            return posts;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A cache cut short or damaged (a full disk, an edit by hand) is only a slower start.
            handle?.Dispose();
            PostsLog.CacheUnusable(_logger, _path, "read", ex.Message);
            return new Dictionary<string, Post>(StringComparer.Ordinal);
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

    private Post ReadPost(BinaryReader reader, SafeFileHandle handle)
    {
        var file = reader.ReadString();
        var stamp = new FileStamp(reader.ReadInt64(), new DateTime(reader.ReadInt64(), DateTimeKind.Utc));
        var title = reader.ReadString();
        var date = ReadDate(reader);
        var updated = ReadDate(reader);
        var description = ReadOptional(reader);
        var tags = ReadList(reader);
        var categories = ReadList(reader);
        var allTags = ReadList(reader);
        var author = ReadOptional(reader);
        var authorEmail = ReadOptional(reader);
        var image = ReadOptional(reader);
        var slug = reader.ReadString();
        var permalink = reader.ReadString();
        var url = reader.ReadString();
        var id = reader.ReadString();
        var draft = reader.ReadBoolean();
        var bodyLine = reader.ReadInt32();
        var warnings = new PostDiagnostic[reader.ReadInt32()];
        for (var i = 0; i < warnings.Length; i++)
        {
            var line = reader.ReadInt32();
            warnings[i] = new PostDiagnostic(file, line < 0 ? null : line, ReadOptional(reader), reader.ReadString(), IsError: false);
        }

        StoredContent? stored = null;
        if (reader.ReadBoolean())
        {
            var length = reader.ReadInt32();
            stored = new StoredContent(handle, reader.BaseStream.Position, length);
            reader.BaseStream.Seek(length, SeekOrigin.Current);
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
            StoredContent = stored,
        };
    }

    /// <summary>The post's rendered HTML as one block (its length first, so a load can step over it): rendered in this run, or copied from the cache it was loaded from.</summary>
    private static bool WriteContent(BinaryWriter writer, Post post)
    {
        if (post.Content is { } content)
        {
            using var block = new MemoryStream();
            using (var blockWriter = new BinaryWriter(block, Encoding.UTF8, leaveOpen: true))
            {
                blockWriter.Write(content.Html);
                blockWriter.Write(content.ExcerptHtml);
                blockWriter.Write(content.SummaryText);
            }

            writer.Write(true);
            writer.Write((int)block.Length);
            writer.Write(block.GetBuffer(), 0, (int)block.Length);
            return true;
        }

        if (post.StoredContent is { } stored)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(stored.Length);
            try
            {
                if (RandomAccess.Read(stored.Handle, buffer.AsSpan(0, stored.Length), stored.Offset) == stored.Length)
                {
                    writer.Write(true);
                    writer.Write(stored.Length);
                    writer.Write(buffer, 0, stored.Length);
                    return true;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        writer.Write(false);
        return false;
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

    private static string[] ReadList(BinaryReader reader)
    {
        var values = new string[reader.ReadInt32()];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadString();
        }

        return values;
    }
}

/// <summary>Where a post's rendered HTML lies in the cache file it was loaded from.</summary>
internal sealed record StoredContent(SafeFileHandle Handle, long Offset, int Length);
