using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Syndicate.Feeds;

namespace Syndicate.Posts;

/// <summary>
/// Keeps the feeds current while the service runs: a file watcher for prompt updates, a periodic
/// rescan because watchers drop events (buffer overflows, network file systems), a timer for the
/// next post dated in the future, and retries for files caught half-written.
/// </summary>
internal sealed class PostWatcher : BackgroundService
{
    private const string RescanRequest = "";
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);

    private readonly Channel<string> _events = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, (DateTimeOffset FirstSeen, DateTimeOffset RetryAt)> _pending = new(StringComparer.Ordinal);
    private readonly PostCatalog _catalog;
    private readonly FeedPublisher _publisher;
    private readonly PostsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PostWatcher> _logger;
    private FileSystemWatcher? _watcher;

    public PostWatcher(PostCatalog catalog, FeedPublisher publisher, IOptions<PostsOptions> options, TimeProvider time, ILogger<PostWatcher> logger)
    {
        _catalog = catalog;
        _publisher = publisher;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>The first scan and publish happen before the web server starts, so the first request finds the feeds.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Watch before the first scan: a file written between the scan and ExecuteAsync (which runs on
        // its own thread, later) would otherwise wait for the next rescan.
        _watcher = CreateWatcher();
        var started = _time.GetTimestamp();
        _catalog.Scan();
        var result = await _publisher.PublishAsync(serve: true, cancellationToken);
        LogScan(result.Snapshot, (long)_time.GetElapsedTime(started).TotalMilliseconds);
        _catalog.SaveCache();
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Keeps the posts and HTML of this run in Posts:CacheFile for the next start.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        _catalog.SaveCache();
    }

    /// <summary>How long the loop waits after a failed scan or publish before it tries again on its own.</summary>
    internal static readonly TimeSpan FailureCalm = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextRescan = _time.GetUtcNow() + _options.RescanInterval;
        var calmUntil = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = _time.GetUtcNow();
            var wakeAt = nextRescan;
            if (_publisher.Last?.NextPublication is { } due && due < wakeAt)
            {
                wakeAt = due;
            }

            foreach (var (_, retryAt) in _pending.Values)
            {
                wakeAt = retryAt < wakeAt ? retryAt : wakeAt;
            }

            // After a failure, a wake time already past (a post due, a retry) would repeat it at once, in a loop:
            // the next try waits a little, unless a file event comes first.
            wakeAt = wakeAt < calmUntil ? calmUntil : wakeAt;

            await WaitAsync(wakeAt - now, stoppingToken);
            if (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                var version = _catalog.Version;
                var rescan = Drain();
                now = _time.GetUtcNow();
                var periodic = now >= nextRescan;
                // The scan gives a recently written file that fails the same settle time a watcher event
                // does, so a post saved next to a folder event or vim's 4913 probe is not rejected half-written.
                if (rescan || periodic)
                {
                    nextRescan = now + _options.RescanInterval;
                    _catalog.Scan(settle: true);
                }

                var dueNow = _publisher.Last?.NextPublication is { } next && next <= now;
                if (_catalog.Version != version || dueNow)
                {
                    var previous = _publisher.Last?.Taken ?? DateTimeOffset.MaxValue;
                    var result = await _publisher.PublishAsync(serve: true, stoppingToken);
                    foreach (var post in result.Snapshot.Posts.Where(post => post.Date > previous))
                    {
                        PostsLog.PostDue(_logger, post.File, post.Date);
                    }
                }

                // Edits reach the cache with the periodic rescan, not one cache write per edit.
                if (periodic)
                {
                    _catalog.SaveCache();
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                FeedsLog.PublishFailed(_logger, ex, ex.Message);
                calmUntil = _time.GetUtcNow() + FailureCalm;
            }
        }
    }

    public override void Dispose()
    {
        _watcher?.Dispose();
        base.Dispose();
    }

    private bool Drain()
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        var rescan = false;
        while (_events.Reader.TryRead(out var path))
        {
            if (path == RescanRequest)
            {
                rescan = true;
            }
            else
            {
                paths.Add(path);
            }
        }

        var now = _time.GetUtcNow();
        foreach (var (path, (_, retryAt)) in _pending.ToList())
        {
            if (retryAt <= now)
            {
                paths.Add(path);
            }
        }

        foreach (var path in paths)
        {
            if (!_catalog.IsPostFile(path))
            {
                // A folder created, renamed or deleted says nothing about the files in it: look at all of them.
                rescan |= Directory.Exists(path) || Path.GetExtension(path).Length == 0;
                continue;
            }

            // A file still being written is retried for a few seconds before its problem is reported.
            var firstSeen = _pending.TryGetValue(path, out var pending) ? pending.FirstSeen : now;
            var settle = now - firstSeen < PostCatalog.SettleTime * 3;
            if (_catalog.Refresh(path, settle) == RefreshOutcome.Pending)
            {
                _pending[path] = (firstSeen, now + RetryDelay);
            }
            else
            {
                _pending.Remove(path);
            }
        }

        return rescan;
    }

    private async Task WaitAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        if (delay <= TimeSpan.Zero || _events.Reader.TryPeek(out _))
        {
            return;
        }

        // Through the TimeProvider, so a test's clock decides when a scheduled post is due.
        using var timeout = new CancellationTokenSource(delay > MaxWait ? MaxWait : delay, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        try
        {
            await _events.Reader.WaitToReadAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            // The wait ran out (or the service is stopping, which the loop checks).
        }
    }

    private FileSystemWatcher? CreateWatcher()
    {
        try
        {
            var watcher = new FileSystemWatcher(_catalog.Folder)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                InternalBufferSize = 64 * 1024,
            };
            watcher.Created += (_, e) => _events.Writer.TryWrite(e.FullPath);
            watcher.Changed += (_, e) => _events.Writer.TryWrite(e.FullPath);
            watcher.Deleted += (_, e) => _events.Writer.TryWrite(e.FullPath);
            watcher.Renamed += (_, e) =>
            {
                _events.Writer.TryWrite(e.OldFullPath);
                _events.Writer.TryWrite(e.FullPath);
            };
            watcher.Error += (_, e) =>
            {
                PostsLog.WatcherFailed(_logger, _catalog.Folder, e.GetException().Message, _options.RescanInterval);
                _events.Writer.TryWrite(RescanRequest);
            };
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            PostsLog.WatcherFailed(_logger, _catalog.Folder, ex.Message, _options.RescanInterval);
            return null;
        }
    }

    private void LogScan(CatalogSnapshot snapshot, long elapsedMs)
    {
        PostsLog.CatalogScanned(_logger, _catalog.Folder, snapshot.Posts.Count, snapshot.Drafts, snapshot.Scheduled,
            snapshot.Rejected.Select(d => d.File).Distinct().Count(), elapsedMs);
    }
}
