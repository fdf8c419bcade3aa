using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Syndicate.Web;

/// <summary>
/// The admin API's long operations (send now, resend, a big import), run in the background of this process and
/// polled at /admin/operations/{id}. Kept in memory: an operation outlives its request, not the process; what it
/// did is in the database (deliveries, resends, subscribers), and an unfinished digest is resumed at the next start.
/// As a hosted service it makes the host's stop wait for the running ones: the stop cancels them, and they record what
/// they know (the deliveries already sent) before the process ends, within the host's ShutdownTimeout.
/// </summary>
internal sealed class AdminOperations(IHostApplicationLifetime lifetime, TimeProvider time, ILogger<AdminOperations> logger) : IHostedService
{
    /// <summary>Finished operations kept for polling; the oldest go first.</summary>
    public const int Kept = 200;

    private readonly ConcurrentDictionary<string, AdminOperation> _operations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AdminOperation> _byKey = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    /// <summary>
    /// Starts <paramref name="work"/> in the background. While an operation with the same <paramref name="key"/> runs,
    /// it is returned instead of starting another, so a repeated request polls the first one.
    /// </summary>
    public AdminOperation Start(string kind, string? key, Func<AdminOperation, CancellationToken, Task<object?>> work)
    {
        var operation = new AdminOperation(Guid.NewGuid().ToString("N"), kind, time.GetUtcNow());
        while (key is not null && !_byKey.TryAdd(key, operation))
        {
            if (_byKey.TryGetValue(key, out var existing))
            {
                if (existing.State == AdminOperationState.Running)
                {
                    return existing;
                }

                // A finished one does not stand in for a new attempt: what it did is in the database, and the work checks that.
                if (_byKey.TryUpdate(key, operation, existing))
                {
                    break;
                }
            }
        }

        _operations[operation.Id] = operation;
        Prune();
        AdminLog.OperationStarted(logger, operation.Id, kind);
        // The request that started it ends now; the service stopping is what cancels it.
        var running = Task.Run(() => RunAsync(operation, work, lifetime.ApplicationStopping), CancellationToken.None);
        _running.TryAdd(running, 0);
        running.ContinueWith(finished => _running.TryRemove(finished, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return operation;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Waits for the running operations, which ApplicationStopping has cancelled, until the host's stop gives up.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            // RunAsync catches every failure of the work itself; this only waits.
            await Task.WhenAll(_running.Keys).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's ShutdownTimeout ran out: the process ends, and the ledger's leases bring back what was not recorded.
        }
    }

    public AdminOperation? Find(string id) => _operations.GetValueOrDefault(id);

    /// <summary>The operation running under <paramref name="key"/> (a resend's request id), or null.</summary>
    public AdminOperation? FindRunning(string key) =>
        _byKey.GetValueOrDefault(key) is { State: AdminOperationState.Running } running ? running : null;

    private async Task RunAsync(AdminOperation operation, Func<AdminOperation, CancellationToken, Task<object?>> work, CancellationToken stopping)
    {
        try
        {
            var result = await work(operation, stopping);
            operation.Finish(AdminOperationState.Succeeded, result, null, time.GetUtcNow());
            AdminLog.OperationFinished(logger, operation.Id, operation.Kind);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The service stops (Ctrl+C, SIGTERM): not a failure worth an error and a stack trace. The digest said so itself (4012).
            operation.Finish(AdminOperationState.Failed, null, "the service stopped; an unfinished digest is resumed at the next start", time.GetUtcNow());
            AdminLog.OperationStopped(logger, operation.Id, operation.Kind);
        }
        catch (Exception ex)
        {
            operation.Finish(AdminOperationState.Failed, null, ex.Message, time.GetUtcNow());
            AdminLog.OperationFailed(logger, ex, operation.Id, operation.Kind, ex.Message);
        }
    }

    private void Prune()
    {
        var finished = _operations.Values.Where(o => o.State != AdminOperationState.Running).OrderBy(o => o.StartedAt).ToList();
        foreach (var old in finished.Take(Math.Max(0, finished.Count - Kept)))
        {
            _operations.TryRemove(old.Id, out _);
            foreach (var pair in _byKey.Where(pair => ReferenceEquals(pair.Value, old)).ToList())
            {
                _byKey.TryRemove(pair);
            }
        }
    }
}

internal enum AdminOperationState
{
    Running,
    Succeeded,
    Failed,
}

/// <summary>One background operation: its id, what it is, where it stands, its latest progress and, once done, its result or error.</summary>
internal sealed class AdminOperation(string id, string kind, DateTimeOffset startedAt)
{
    private readonly Lock _lock = new();
    private object? _progress;
    private object? _result;
    private string? _error;
    private DateTimeOffset? _finishedAt;
    private AdminOperationState _state = AdminOperationState.Running;

    public string Id { get; } = id;

    public string Kind { get; } = kind;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public AdminOperationState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>Latest progress reported by the work (digest counts, rows imported).</summary>
    public void Report(object progress)
    {
        lock (_lock)
        {
            _progress = progress;
        }
    }

    public void Finish(AdminOperationState state, object? result, string? error, DateTimeOffset at)
    {
        lock (_lock)
        {
            (_state, _result, _error, _finishedAt) = (state, result, error, at);
        }
    }

    /// <summary>A consistent copy for the JSON answer.</summary>
    public object Snapshot()
    {
        lock (_lock)
        {
            return new
            {
                id = Id,
                kind = Kind,
                state = _state.ToString().ToLowerInvariant(),
                startedAt = StartedAt,
                finishedAt = _finishedAt,
                progress = _progress,
                result = _result,
                error = _error,
            };
        }
    }
}
