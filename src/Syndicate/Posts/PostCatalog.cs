using System.Buffers;
using System.Diagnostics;
using System.IO.Enumeration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Syndicate.Posts;

/// <summary>
/// Every post in the posts folder, parsed once per file version (path, size, write time). A file
/// that turns bad keeps its last good version published until it is fixed; each problem is
/// logged once, when the file version that has it is first read.
/// </summary>
internal sealed class PostCatalog : IDisposable
{
    /// <summary>How long after its last write a failing file is given to finish being written (watch mode).</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reportedConflicts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reportedLinks = new(StringComparer.Ordinal);
    private readonly PostParser _parser;
    private readonly PostRenderer _renderer;
    private readonly TimeProvider _time;
    private readonly ILogger<PostCatalog> _logger;
    private readonly PostCache _cache;
    private long _version;

    // Changes the cache file does not hold yet: a post read from its file, a post gone, an HTML rendered.
    private long _unsaved;

    public PostCatalog(IOptions<PostsOptions> options, IHostEnvironment environment, PostParser parser, PostRenderer renderer,
        TimeProvider time, ILogger<PostCatalog> logger)
    {
        Folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.Value.Folder, environment.ContentRootPath));
        _parser = parser;
        _renderer = renderer;
        _time = time;
        _logger = logger;
        var cacheFile = string.IsNullOrWhiteSpace(options.Value.CacheFile) ? null : Path.GetFullPath(options.Value.CacheFile, environment.ContentRootPath);
        var build = typeof(PostCatalog).Assembly.ManifestModule.ModuleVersionId;
        _cache = new PostCache(cacheFile, Folder, $"{build}\n{Folder}\n{parser.Fingerprint}", logger);
    }

    public void Dispose() => _cache.Dispose();

    /// <summary>The absolute path of the posts folder.</summary>
    public string Folder { get; }

    /// <summary>Grows by one whenever a post is added, changed or removed.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Reads every post file whose stamp changed since the last scan and forgets deleted ones.</summary>
    /// <param name="settle">
    /// While the service runs: a file that fails within <see cref="SettleTime"/> of its last write is
    /// left for the next event or scan instead of being reported, as it may still be being written.
    /// </param>
    public int Scan(bool settle = false)
    {
        var stopwatch = Stopwatch.StartNew();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var toRead = new List<FoundFile>();
        if (Directory.Exists(Folder))
        {
            foreach (var info in EnumerateFiles())
            {
                if (!IsPostFile(info.FullName))
                {
                    continue;
                }

                seen.Add(info.FullName);
                var stamp = FileStamp.Of(info);
                lock (_gate)
                {
                    if (_entries.TryGetValue(info.FullName, out var entry) && entry.Stamp == stamp)
                    {
                        continue;
                    }
                }

                toRead.Add(new FoundFile(info.FullName, stamp));
            }
        }

        var misses = new List<FoundFile>(toRead.Count);
        foreach (var found in toRead)
        {
            if (_cache.TryTake(RelativeName(found.Path), found.Stamp, out var lastGood) is { } cached)
            {
                found.Result = new PostParseResult(cached, []);
            }
            else
            {
                found.LastGood = lastGood;
                misses.Add(found);
            }
        }

        var untaken = _cache.ForgetUntaken();
        Parallel.ForEach(misses, found => found.Result = ReadAndParse(found.Path, found.Stamp, retryUnreadable: false));

        // A file that fails is read again next time anyway; only new good posts and forgotten ones change the cache.
        if (untaken > 0 || misses.Any(found => found.Result is { Post: not null }))
        {
            Interlocked.Increment(ref _unsaved);
        }

        var changes = 0;
        lock (_gate)
        {
            var now = _time.GetUtcNow().UtcDateTime;
            foreach (var found in toRead)
            {
                var (path, stamp, result) = found;
                if (settle && result is { Post: null } && (stamp.Length == 0 || now - stamp.LastWriteUtc < SettleTime))
                {
                    continue;
                }

                if (result is { Post: null } && found.LastGood is { } lastGood && !_entries.ContainsKey(path))
                {
                    // A file that broke while the service was stopped (or between two builds): the version the cache kept
                    // from the last run stays published, as it would have had the service seen the file break.
                    _entries[path] = new Entry(lastGood.Stamp, lastGood, []);
                }

                if (result is not null)
                {
                    Record(path, stamp, result);
                    changes++;
                }
            }

            foreach (var path in _entries.Keys.Where(path => !seen.Contains(path)).ToList())
            {
                Remove(path);
                changes++;
                Interlocked.Increment(ref _unsaved);
            }
        }

        if (changes > 0)
        {
            Interlocked.Increment(ref _version);
        }

        PostsLog.PostRead(_logger, Folder, $"scan: {misses.Count} read, {toRead.Count - misses.Count} from the cache, {changes} changed in {stopwatch.ElapsedMilliseconds} ms");
        return changes;
    }

    /// <summary>
    /// Every file under the posts folder, as DirectoryInfo.EnumerateFiles lists them, but never into a folder no post can be in
    /// (hidden, or starting with _) and into a linked folder only once and only when it leads outside the posts folder: a link
    /// to the folder itself, one of its parents or one of its subfolders would list the same posts again and again.
    /// </summary>
    private FileSystemEnumerable<FileInfo> EnumerateFiles()
    {
        List<string>? followed = null;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        return new FileSystemEnumerable<FileInfo>(Folder, (ref entry) => (FileInfo)entry.ToFileSystemInfo(), options)
        {
            ShouldIncludePredicate = (ref entry) => !entry.IsDirectory,
            ShouldRecursePredicate = (ref entry) =>
                entry.FileName.Length > 0 && entry.FileName[0] is not ('.' or '_' or '#' or '~')
                && ((entry.Attributes & FileAttributes.ReparsePoint) == 0 || FollowLinkedFolder(entry.ToFullPath(), ref followed)),
        };
    }

    /// <summary>Whether a scan lists the folder a link inside the posts folder leads to; a link not followed is logged once.</summary>
    private bool FollowLinkedFolder(string link, ref List<string>? followed)
    {
        string? target;
        try
        {
            target = Directory.ResolveLinkTarget(link, returnFinalTarget: true)?.FullName;
        }
        catch (IOException)
        {
            // A loop of links, or one that leads nowhere.
            target = null;
        }

        if (target is not null)
        {
            target = Path.TrimEndingDirectorySeparator(target);
            var folder = Path.TrimEndingDirectorySeparator(Directory.ResolveLinkTarget(Folder, returnFinalTarget: true)?.FullName ?? Folder);
            followed ??= [];
            if (!Overlap(target, Folder) && !Overlap(target, folder) && !followed.Exists(other => Overlap(target, other)))
            {
                followed.Add(target);
                return true;
            }
        }

        lock (_gate)
        {
            if (_reportedLinks.Add(link))
            {
                PostsLog.LinkedFolderSkipped(_logger, RelativeName(link), target ?? "nowhere");
            }
        }

        return false;

        static bool Overlap(string a, string b) => IsWithin(a, b) || IsWithin(b, a);

        static bool IsWithin(string path, string folder) =>
            path.StartsWith(folder, StringComparison.Ordinal)
            && (path.Length == folder.Length || path[folder.Length] == Path.DirectorySeparatorChar || folder.EndsWith(Path.DirectorySeparatorChar));
    }

    /// <summary>
    /// Writes Posts:CacheFile when a post or a rendered HTML is new since the last write: every post whose file parsed
    /// (in its current version), with the HTML rendered so far or loaded from the cache. Returns why the write failed
    /// (also logged), or null.
    /// </summary>
    public string? SaveCache()
    {
        if (_cache.Path is null)
        {
            return null;
        }

        var unsaved = Interlocked.Read(ref _unsaved);
        if (unsaved == 0)
        {
            return null;
        }

        List<Post> posts;
        lock (_gate)
        {
            // A last good version kept while its file is broken is cached too, with the stamp of the file it came from: the
            // next run reads the file again (its stamp differs) and, while it is still broken, publishes this version.
            posts = new List<Post>(_entries.Count);
            foreach (var entry in _entries.Values)
            {
                if (entry.Good is { } post)
                {
                    posts.Add(post);
                }
            }
        }

        // Written or not (a failure is logged), the next try waits for the next change: no rewrite, and no warning, every rescan.
        var saved = _cache.Save(posts);
        Interlocked.Add(ref _unsaved, -unsaved);
        return saved ? null : _cache.LastSaveFailure;
    }

    /// <summary>Posts:CacheFile as a full path; null when the cache is off.</summary>
    public string? CacheFile => _cache.Path;

    /// <summary>
    /// Re-reads one path after a watcher event. With <paramref name="settle"/>, a file that fails to
    /// parse within <see cref="SettleTime"/> of its last write is treated as still being written:
    /// nothing is recorded or reported and <see cref="RefreshOutcome.Pending"/> asks to come back.
    /// </summary>
    public RefreshOutcome Refresh(string fullPath, bool settle)
    {
        if (!IsPostFile(fullPath))
        {
            return RefreshOutcome.Ignored;
        }

        var info = new FileInfo(fullPath);
        if (!info.Exists)
        {
            lock (_gate)
            {
                if (!_entries.ContainsKey(fullPath))
                {
                    return RefreshOutcome.Unchanged;
                }

                Remove(fullPath);
            }

            Interlocked.Increment(ref _version);
            Interlocked.Increment(ref _unsaved);
            return RefreshOutcome.Changed;
        }

        var stamp = FileStamp.Of(info);
        lock (_gate)
        {
            if (_entries.TryGetValue(fullPath, out var entry) && entry.Stamp == stamp)
            {
                return RefreshOutcome.Unchanged;
            }
        }

        var result = ReadAndParse(fullPath, stamp, retryUnreadable: settle);
        if (result is null)
        {
            return RefreshOutcome.Pending;
        }

        if (settle && result.Post is null && (stamp.Length == 0 || _time.GetUtcNow().UtcDateTime - stamp.LastWriteUtc < SettleTime))
        {
            return RefreshOutcome.Pending;
        }

        lock (_gate)
        {
            Record(fullPath, stamp, result);
        }

        Interlocked.Increment(ref _version);
        Interlocked.Increment(ref _unsaved);
        return RefreshOutcome.Changed;
    }

    /// <summary>The posts published at <paramref name="now"/>, newest first, with every current problem.</summary>
    public CatalogSnapshot Snapshot(DateTimeOffset now)
    {
        List<Post> candidates;
        var rejected = new List<PostDiagnostic>();
        var drafts = 0;
        var scheduled = 0;
        DateTimeOffset? next = null;
        long version;
        lock (_gate)
        {
            version = _version;
            candidates = new List<Post>(_entries.Count);
            foreach (var entry in _entries.Values)
            {
                rejected.AddRange(entry.Errors);
                if (entry.Good is not { } post)
                {
                    continue;
                }

                if (post.IsDraft)
                {
                    drafts++;
                }
                else if (post.Date > now)
                {
                    scheduled++;
                    next = next is null || post.Date < next ? post.Date : next;
                }
                else
                {
                    candidates.Add(post);
                }
            }
        }

        var published = NewestFirst(ResolveConflicts(candidates, rejected));
        rejected.Sort((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));
        return new CatalogSnapshot(published, rejected, drafts, scheduled, next, version, now);
    }

    /// <summary>The rendered HTML of a post, rendered on first use and then kept with that version of the post.</summary>
    public PostContent GetContent(Post post)
    {
        if (post.Content is { } cached)
        {
            return cached;
        }

        if (_cache.ReadContent(post) is { } stored)
        {
            return post.SetContent(stored);
        }

        string body;
        byte[]? buffer = null;
        try
        {
            // The bytes in a pooled buffer and only the body decoded: a first build renders thousands of posts, and a
            // string of the whole file and another of its body cost each of them twice its size in collections.
            buffer = RentContents(post.FullPath, out var length, out var size);
            PostDiagnostic? error = null;
            var source = buffer is null
                ? null
                : PostSource.Read(post.File, buffer.AsSpan(0, length), _parser.MaxFileBytes, out error);
            if (source is null)
            {
                PostsLog.PostUnreadable(_logger, post.File, (error ?? PostSource.TooLarge(post.File, size, _parser.MaxFileBytes)).Message);
                return new PostContent("", "", post.Description ?? "");
            }

            body = source.Body;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            PostsLog.PostUnreadable(_logger, post.File, ex.Message);
            return new PostContent("", "", post.Description ?? "");
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        var content = post.SetContent(_renderer.Render(post, body));
        Interlocked.Increment(ref _unsaved);
        return content;
    }

    /// <summary>Whether a path is a post: a .md or .markdown file, not hidden, not an editor's temporary file.</summary>
    public bool IsPostFile(string fullPath)
    {
        if (!fullPath.StartsWith(Folder, StringComparison.Ordinal) || fullPath.Length <= Folder.Length + 1
            || fullPath[Folder.Length] != Path.DirectorySeparatorChar)
        {
            return false;
        }

        var extension = Path.GetExtension(fullPath);
        if (!extension.Equals(".md", StringComparison.OrdinalIgnoreCase) && !extension.Equals(".markdown", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Hidden files and folders (.git, .#emacs-lock), Jekyll's _drafts and similar, and editor backups.
        foreach (var segment in fullPath.AsSpan(Folder.Length + 1).Split(Path.DirectorySeparatorChar))
        {
            var name = fullPath.AsSpan(Folder.Length + 1)[segment];
            if (name.Length == 0 || name[0] is '.' or '_' or '#' or '~')
            {
                return false;
            }
        }

        return true;
    }

    public string RelativeName(string fullPath) =>
        Path.GetRelativePath(Folder, fullPath).Replace(Path.DirectorySeparatorChar, '/');

    /// <param name="retryUnreadable">True: a file that cannot be opened yet gives null (try again); false: a diagnostic.</param>
    private PostParseResult? ReadAndParse(string path, FileStamp stamp, bool retryUnreadable)
    {
        var file = RelativeName(path);
        if (stamp.Length > _parser.MaxFileBytes)
        {
            // Rejected from its size alone, without reading a file that may be gigabytes long.
            return new PostParseResult(null, [PostSource.TooLarge(file, stamp.Length, _parser.MaxFileBytes)]);
        }

        byte[]? buffer = null;
        try
        {
            // A pooled buffer: the bytes are only checked and their front matter decoded, so each
            // file costs no array of its own (the body is read again when the post is rendered).
            buffer = RentContents(path, out var length, out var size);
            return buffer is null
                ? new PostParseResult(null, [PostSource.TooLarge(file, size, _parser.MaxFileBytes)])
                : _parser.Parse(path, file, buffer.AsSpan(0, length), stamp);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            PostsLog.PostRead(_logger, file, "not readable yet: " + ex.Message);
            return retryUnreadable
                ? null
                : new PostParseResult(null, [new PostDiagnostic(file, null, null, $"the file cannot be read ({ex.Message}); check that the service may read it.")]);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A file the parser cannot cope with in a way no check foresaw is rejected like any bad post: one file
            // never stops a scan, a build or the service's start.
            return new PostParseResult(null, [new PostDiagnostic(file, null, null,
                $"the file could not be read as a post ({ex.GetType().Name}: {ex.Message}); check its front matter against the post format in README.md.")]);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// The whole file in a buffer rented from <see cref="ArrayPool{T}.Shared"/>, which the caller returns, and its
    /// <paramref name="length"/> read; null when its <paramref name="size"/> is over Posts:MaxFileBytes.
    /// </summary>
    private byte[]? RentContents(string path, out int length, out long size)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        size = RandomAccess.GetLength(handle);
        length = 0;
        if (size > _parser.MaxFileBytes || size > Array.MaxLength)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)size);
        while (length < size)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(length, (int)size - length), length);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        return buffer;
    }

    private void Record(string path, FileStamp stamp, PostParseResult result)
    {
        var file = RelativeName(path);
        _entries.TryGetValue(path, out var previous);
        if (result.Post is { } post)
        {
            _entries[path] = new Entry(stamp, post, []);
            if (previous is { Errors.Count: > 0 })
            {
                PostsLog.PostFixed(_logger, file);
            }

            foreach (var warning in post.Warnings)
            {
                PostsLog.PostWarning(_logger, file, warning.Detail);
            }

            PostsLog.PostRead(_logger, file, "published");
            return;
        }

        var kept = previous?.Good;
        _entries[path] = new Entry(stamp, kept, result.Errors);
        var outcome = kept is null
            ? "It is not published until the file is fixed."
            : "Its last good version stays published until the file is fixed.";
        foreach (var error in result.Errors)
        {
            PostsLog.PostRejected(_logger, file, error.Detail, outcome);
        }
    }

    private void Remove(string path)
    {
        _entries.Remove(path);
        PostsLog.PostRemoved(_logger, RelativeName(path));
    }

    private List<Post> ResolveConflicts(List<Post> posts, List<PostDiagnostic> rejected)
    {
        // Two files at one address (or with one explicit id) would make readers show one item for two
        // posts or flip between them. The older post keeps it, by date and then by file name, so
        // every node and every rebuild decides the same way.
        var winners = new List<Post>(posts.Count);
        var byPermalink = new Dictionary<string, Post>(StringComparer.Ordinal);
        var byId = new Dictionary<string, Post>(StringComparer.Ordinal);
        posts.Sort((a, b) => a.Date != b.Date ? a.Date.CompareTo(b.Date) : string.CompareOrdinal(a.File, b.File));
        foreach (var post in posts)
        {
            Post? holder = null;
            string? what = null;
            if (byPermalink.TryGetValue(post.Permalink, out var samePermalink))
            {
                (holder, what) = (samePermalink, $"permalink {post.Permalink}");
            }
            else if (byId.TryGetValue(post.Id, out var sameId))
            {
                (holder, what) = (sameId, $"id {post.Id}");
            }

            if (holder is null)
            {
                byPermalink[post.Permalink] = post;
                byId[post.Id] = post;
                winners.Add(post);
                continue;
            }

            var diagnostic = new PostDiagnostic(post.File, null, null,
                $"it has the same {what} as {holder.File}, which is older and keeps it; give one of them another slug, permalink or id.");
            rejected.Add(diagnostic);
            lock (_gate)
            {
                if (_reportedConflicts.Add(diagnostic.ToString()))
                {
                    PostsLog.PostDuplicate(_logger, post.File, diagnostic.Detail);
                }
            }
        }

        return winners;
    }

    /// <summary>
    /// Newest first, and by file name among posts of one date: the oldest-first order ResolveConflicts sorted
    /// into, reversed, with each run of one date put back in file order. No second sort on every publish.
    /// </summary>
    private static List<Post> NewestFirst(List<Post> oldestFirst)
    {
        oldestFirst.Reverse();
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(oldestFirst);
        for (var start = 0; start < span.Length;)
        {
            var end = start + 1;
            while (end < span.Length && span[end].Date == span[start].Date)
            {
                end++;
            }

            span[start..end].Reverse();
            start = end;
        }

        return oldestFirst;
    }

    private sealed record Entry(FileStamp Stamp, Post? Good, IReadOnlyList<PostDiagnostic> Errors);

    /// <summary>A post file a scan found changed or new, and what reading it gave (a class: a tuple in a list costs a start-up its own compiled list code).</summary>
    private sealed class FoundFile(string path, FileStamp stamp)
    {
        public string Path { get; } = path;

        public FileStamp Stamp { get; } = stamp;

        public PostParseResult? Result { get; set; }

        /// <summary>The version of this file the cache holds from the last run, when the file has changed since.</summary>
        public Post? LastGood { get; set; }

        public void Deconstruct(out string path, out FileStamp stamp, out PostParseResult? result) => (path, stamp, result) = (Path, Stamp, Result);
    }
}

/// <summary>What a watcher event did to the catalog.</summary>
internal enum RefreshOutcome
{
    Ignored,
    Unchanged,
    Changed,
    Pending,
}

/// <summary>The published posts at one moment, newest first, and every current problem.</summary>
internal sealed record CatalogSnapshot(
    IReadOnlyList<Post> Posts,
    IReadOnlyList<PostDiagnostic> Rejected,
    int Drafts,
    int Scheduled,
    DateTimeOffset? NextPublication,
    long Version,
    DateTimeOffset Taken);
