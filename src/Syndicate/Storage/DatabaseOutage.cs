using Microsoft.Extensions.Logging;

namespace Syndicate.Storage;

/// <summary>
/// Keeps work waiting through a database outage (a PostgreSQL restart, a network cut) instead of
/// failing it: the work is tried again with growing pauses until the database answers. The outage is
/// logged once when it starts, then at most once per <see cref="LogInterval"/> with the count of
/// failed calls, and once when the database is back, so a long outage does not flood the log.
/// </summary>
internal sealed class DatabaseOutage(TimeProvider time, ILogger<DatabaseOutage> logger)
{
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private DateTimeOffset? _since;
    private DateTimeOffset _lastLogged;
    private int _failuresSinceLog;

    /// <summary>Whether the last call to the database failed for want of it.</summary>
    public bool IsOut
    {
        get
        {
            lock (_lock)
            {
                return _since is not null;
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> until it gets through; errors other than an unreachable database go to the caller.</summary>
    public async Task<T> RetryAsync<T>(string what, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        var pause = FirstPause;
        while (true)
        {
            try
            {
                var result = await work();
                Recovered();
                return result;
            }
            catch (Exception ex) when (Database.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
            {
                Failed(what, ex);
            }

            await Task.Delay(pause, time, cancellationToken);
            pause = pause * 2 > LongestPause ? LongestPause : pause * 2;
        }
    }

    public Task RetryAsync(string what, Func<Task> work, CancellationToken cancellationToken) =>
        RetryAsync(what, async () =>
        {
            await work();
            return true;
        }, cancellationToken);

    /// <summary>Records a failed call (logged at most once per interval).</summary>
    public void Failed(string what, Exception exception)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            _failuresSinceLog++;
            if (_since is null)
            {
                _since = now;
            }
            else if (now - _lastLogged < LogInterval)
            {
                return;
            }

            _lastLogged = now;
            StorageLog.Unavailable(logger, now - _since.Value, what, exception.GetBaseException().Message, _failuresSinceLog);
            _failuresSinceLog = 0;
        }
    }

    /// <summary>Records a call that got through; logs the end of an outage once.</summary>
    public void Recovered()
    {
        lock (_lock)
        {
            if (_since is not { } since)
            {
                return;
            }

            StorageLog.Available(logger, time.GetUtcNow() - since);
            _since = null;
            _failuresSinceLog = 0;
        }
    }
}
