using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Syndicate.Posts;
using Syndicate.Site;

namespace Syndicate.Feeds;

/// <summary>
/// Publishes the catalog's current posts: builds the feeds, writes changed files to the output
/// folder, updates what HTTP serves and pings the WebSub hub for the feeds that changed. One
/// publish at a time.
/// </summary>
internal sealed class FeedPublisher : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly PostCatalog _catalog;
    private readonly FeedBuilder _builder;
    private readonly FeedOutput _output;
    private readonly FeedStore _store;
    private readonly WebSubNotifier _hub;
    private readonly SiteUrls _urls;
    private readonly TimeProvider _time;
    private readonly ILogger<FeedPublisher> _logger;

    public FeedPublisher(PostCatalog catalog, FeedBuilder builder, FeedOutput output, FeedStore store, WebSubNotifier hub,
        SiteUrls urls, TimeProvider time, ILogger<FeedPublisher> logger)
    {
        _catalog = catalog;
        _builder = builder;
        _output = output;
        _store = store;
        _hub = hub;
        _urls = urls;
        _time = time;
        _logger = logger;
    }

    public void Dispose() => _gate.Dispose();

    private readonly HashSet<string> _unwritten = new(StringComparer.Ordinal);
    private int _moved;

    /// <summary>The snapshot of the last publish.</summary>
    public CatalogSnapshot? Last { get; private set; }

    private async Task RecordInLedgerAsync(CatalogSnapshot snapshot, CancellationToken cancellationToken)
    {
        try
        {
            if (await _builder.RecordAsync(snapshot, cancellationToken) is { } update && update.Moved != _moved)
            {
                _moved = update.Moved;
                if (update.Moved > 0)
                {
                    FeedsLog.PermalinksMoved(_logger, update.Moved);
                }
            }
        }
        catch (Exception ex) when (_builder.LedgerLoaded && ex is System.Data.Common.DbException or IOException or InvalidOperationException)
        {
            // The feeds still go out: the ledger was read before, so every post published until now
            // keeps its first id from memory. Without that (never read), publishing would risk new ids.
            FeedsLog.LedgerUnavailable(_logger, ex.Message);
        }
    }

    /// <param name="serve">Keep the documents for HTTP (the service) or only write files (<c>build</c>).</param>
    public async Task<PublishResult> PublishAsync(bool serve, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var stopwatch = Stopwatch.StartNew();
            var snapshot = _catalog.Snapshot(_time.GetUtcNow());
            await RecordInLedgerAsync(snapshot, cancellationToken);
            var scopes = _builder.Plan(snapshot);
            var live = new HashSet<string>(StringComparer.Ordinal);
            var changed = new List<string>();
            int feeds = 0, written = 0, failed = 0;
            if (!serve)
            {
                // build: each feed is streamed to its file, several at once; results come in plan order.
                foreach (var (path, result, error) in _builder.Stream(scopes, WriteFile))
                {
                    feeds++;
                    live.Add(path);
                    if (error is not null)
                    {
                        failed++;
                        FeedsLog.FeedWriteFailed(_logger, path, _output.Folder, error);
                    }
                    else if (result!.Written)
                    {
                        written++;
                        changed.Add(path);
                        FeedsLog.FeedWritten(_logger, path, result.Length, result.ETag ?? "");
                    }
                }
            }

            foreach (var document in serve ? _builder.Build(scopes, reuse: true) : [])
            {
                feeds++;
                live.Add(document.Path);
                // A file whose last write failed is tried again even when the served bytes did not change.
                var served = _store.Serves(document);
                if (served && !_unwritten.Contains(document.Path))
                {
                    continue;
                }

                var changedAt = _time.GetUtcNow();
                try
                {
                    var wrote = _output.Write(document);
                    _unwritten.Remove(document.Path);
                    // Files are written only when their bytes change, so the file's time is when they changed: now,
                    // or, when the file held them already (a restart), an earlier run's, which readers may hold.
                    changedAt = _output.LastWritten(document.Path) ?? changedAt;
                    if (wrote)
                    {
                        written++;
                        changed.Add(document.Path);
                        FeedsLog.FeedWritten(_logger, document.Path, document.Body.Length, document.ETag);
                    }
                    else if (Last is not null)
                    {
                        changed.Add(document.Path);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    failed++;
                    _unwritten.Add(document.Path);
                    FeedsLog.FeedWriteFailed(_logger, document.Path, _output.Folder, ex.Message);
                }

                if (!served)
                {
                    _store.Set(document, changedAt);
                }
            }

            if (serve)
            {
                _store.RemoveAllBut(live);
            }

            foreach (var removed in _output.RemoveStale(live))
            {
                FeedsLog.FeedRemoved(_logger, removed);
            }

            Last = snapshot;
            FeedsLog.FeedsPublished(_logger, snapshot.Posts.Count, feeds, changed.Count, written, _output.Folder, stopwatch.ElapsedMilliseconds);
            await _hub.NotifyAsync(changed.Select(FeedUrl), cancellationToken);
            return new PublishResult(snapshot, feeds, written, failed, changed);
        }
        finally
        {
            _gate.Release();
        }
    }

    private FileOutcome WriteFile(FeedFile file)
    {
        try
        {
            // The ETag of a written file is only for the Debug line that reports it: no SHA-256 of every feed otherwise.
            return new FileOutcome(file.Path, _output.Write(file, hashed: _logger.IsEnabled(LogLevel.Debug)), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new FileOutcome(file.Path, null, ex.Message);
        }
    }

    /// <summary>What writing one feed file did, or the error that stopped it.</summary>
    private sealed record FileOutcome(string Path, FeedFileWrite? Result, string? Error);

    /// <summary>
    /// A feed's address escaped as FeedBuilder writes its rel=self link: the topic a hub matches hub.url
    /// against (WebSub 1.0 section 7), so a tag such as café must read tags/caf%C3%A9/ in both.
    /// </summary>
    private string FeedUrl(string path) => _urls.AbsoluteEncoded("/" + path);
}

/// <summary>What one publish did.</summary>
internal sealed record PublishResult(CatalogSnapshot Snapshot, int Feeds, int Written, int Failed, IReadOnlyList<string> Changed);
