using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Syndicate.Subscribers;

/// <summary>
/// The confirmation mails the public form asked for, by subscriber id, waiting for <see cref="ConfirmationSender"/>. The
/// form's request only puts an id here, so it takes as long whether or not a mail is due (no SMTP round trip or file
/// write inside the request that would tell a new address from a known one).
/// </summary>
/// <remarks>
/// The queue lives in memory: a mail still waiting when the process dies is not sent, and no claim was taken for it (see
/// <see cref="SubscriptionService.SendQueuedConfirmationAsync"/>), so the person can ask again at once.
/// </remarks>
internal sealed class ConfirmationQueue
{
    /// <summary>
    /// Subscribers waiting at most. An id waits at most once (a second request for it is served by the same mail), and
    /// the form is rate limited per client, so this is only reached by a flood; a request then queues nothing and the
    /// address stays pending, free to ask again, rather than making the request wait.
    /// </summary>
    public const int Capacity = 1000;

    private readonly Channel<long> _channel = Channel.CreateBounded<long>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly ConcurrentDictionary<long, byte> _waiting = new();

    /// <summary>Mails waiting now.</summary>
    public int Count => _channel.Reader.Count;

    /// <summary>
    /// Queues a confirmation mail for <paramref name="subscriberId"/> without waiting: true when it is queued or one for
    /// the same subscriber is waiting already; false when the queue is full or closed because the service stops.
    /// </summary>
    public bool TryEnqueue(long subscriberId)
    {
        if (!_waiting.TryAdd(subscriberId, 0))
        {
            return true;
        }

        if (_channel.Writer.TryWrite(subscriberId))
        {
            return true;
        }

        _waiting.TryRemove(subscriberId, out _);
        return false;
    }

    /// <summary>Takes a waiting id without waiting, false when none waits.</summary>
    public bool TryDequeue(out long subscriberId)
    {
        if (!_channel.Reader.TryRead(out subscriberId))
        {
            return false;
        }

        _waiting.TryRemove(subscriberId, out _);
        return true;
    }

    /// <summary>The ids as they are queued, until <see cref="Complete"/> and the queue is empty, or until cancelled.</summary>
    public async IAsyncEnumerable<long> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await _channel.Reader.WaitToReadAsync(cancellationToken))
        {
            while (TryDequeue(out var subscriberId))
            {
                yield return subscriberId;
            }
        }
    }

    /// <summary>Takes no more mails; those waiting can still be read.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
