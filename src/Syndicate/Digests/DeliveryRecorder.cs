using System.Threading.Channels;
using Syndicate.Storage;

namespace Syndicate.Digests;

/// <summary>
/// Records the outcomes of one sender's deliveries in group commits: the outcomes that arrive while a
/// commit is being written go into the next one, so each connection's outcome waits for at most one
/// commit before it, and the commits cost one transaction for several messages instead of one each.
/// A sender still waits for its own outcome's commit before its next message, so a crash repeats at most
/// the messages in flight, one per connection, as with a commit per message. Through a database outage
/// the outcomes are held and the commit is tried again (<see cref="DatabaseOutage"/>); only
/// <c>stopping</c> ends that wait.
/// </summary>
internal sealed class DeliveryRecorder : IAsyncDisposable
{
    /// <summary>At most this many outcomes in one transaction.</summary>
    private const int MaxGroup = 256;

    private readonly Channel<Waiting> _queue = Channel.CreateUnbounded<Waiting>(new UnboundedChannelOptions { SingleReader = true });
    private readonly DigestStore.MarkWriter _marks;
    private readonly DatabaseOutage _outage;
    private readonly long _digestId;
    private readonly Task _writer;

    public DeliveryRecorder(DigestStore store, DatabaseOutage outage, long digestId, string sender, CancellationToken stopping)
    {
        _marks = store.Marks(sender);
        _outage = outage;
        _digestId = digestId;
        _writer = Task.Run(() => WriteAsync(stopping), CancellationToken.None);
    }

    /// <summary>Completes when the outcome is committed; fails when the sender stops before the database took it.</summary>
    public Task RecordAsync(DeliveryMark mark)
    {
        var waiting = new Waiting(mark, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(waiting))
        {
            throw new InvalidOperationException($"The recorder of digest {_digestId} is closed; delivery {mark.DeliveryId} was not recorded.");
        }

        return waiting.Committed.Task;
    }

    /// <summary>Writes what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
        await _marks.DisposeAsync();
    }

    private async Task WriteAsync(CancellationToken stopping)
    {
        var group = new List<Waiting>(MaxGroup);
        var marks = new List<DeliveryMark>(MaxGroup);
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            group.Clear();
            marks.Clear();
            while (group.Count < MaxGroup && _queue.Reader.TryRead(out var waiting))
            {
                group.Add(waiting);
                marks.Add(waiting.Mark);
            }

            try
            {
                // The write itself is never cut off half-way; stopping only ends the waiting through an outage.
                await _outage.RetryAsync(
                    marks.Count == 1 ? $"recording delivery {marks[0].DeliveryId}" : $"recording {marks.Count} deliveries of digest {_digestId}",
                    () => _marks.WriteAsync(marks, CancellationToken.None), stopping);
                foreach (var waiting in group)
                {
                    waiting.Committed.TrySetResult();
                }
            }
            catch (Exception ex)
            {
                foreach (var waiting in group)
                {
                    if (ex is OperationCanceledException cancelled)
                    {
                        waiting.Committed.TrySetCanceled(cancelled.CancellationToken);
                    }
                    else
                    {
                        waiting.Committed.TrySetException(ex);
                    }
                }
            }
        }
    }

    private sealed record Waiting(DeliveryMark Mark, TaskCompletionSource Committed);
}
