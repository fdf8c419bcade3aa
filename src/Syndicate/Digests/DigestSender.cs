using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Syndicate.Mail;
using Syndicate.Storage;
using Syndicate.Subscribers;

namespace Syndicate.Digests;

/// <summary>
/// Delivers a planned digest through the delivery ledger: claim a batch, send each message, record
/// each outcome before that connection's next message (DeliveryRecorder, in group commits). 4xx replies and dropped connections retry with doubling delays up to
/// Digest:MaxAttempts; 5xx replies fail the delivery with the server's reply; a subscriber who
/// left before their turn is skipped. A sender that dies leaves claims that expire and are sent by
/// the next one, so at most the messages in flight at the crash can arrive twice. While the database
/// is away, the sender waits (DatabaseOutage) and goes on where it was when it is back: an outcome
/// already known is held until it is recorded, so nothing sent is sent again.
/// </summary>
internal sealed class DigestSender(
    DigestStore store,
    SubscriberStore subscribers,
    DigestMessages messages,
    IServiceProvider services,
    DatabaseOutage outage,
    IOptions<MailOptions> mail,
    IOptions<DigestOptions> options,
    TimeProvider time,
    ILogger<DigestSender> logger)
{
    private readonly ConcurrentDictionary<long, byte> _sending = new();

    /// <summary>Identifies this process in claims.</summary>
    public string Sender { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>
    /// Sends until no delivery of the digest is pending or claimed; false when this process is already sending it. When
    /// <paramref name="cancellationToken"/> is cancelled (the process stops), every wait ends at once, a retry not yet due
    /// included, and it throws <see cref="DigestStoppedException"/> once the outcomes it knows are recorded.
    /// </summary>
    public async Task<bool> SendAsync(long digestId, IProgress<DigestSummary>? progress, CancellationToken cancellationToken)
    {
        if (!_sending.TryAdd(digestId, 0))
        {
            return false;
        }

        // Deliveries handed to a transport whose outcome is not recorded yet: at a stop, their claims are kept.
        var unsure = new ConcurrentDictionary<long, byte>();
        try
        {
            await SendCoreAsync(digestId, unsure, progress, cancellationToken);
            return true;
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            // The process stops (Ctrl+C, SIGTERM, the scheduler's shutdown). What was sent is recorded by now (the recorder
            // flushed in SendCoreAsync); the rest stays pending for the next start.
            DigestsLog.Stopped(logger, digestId, await HandBackClaimsAsync(digestId, unsure.Keys));
            throw new DigestStoppedException(digestId, ex, cancellationToken);
        }
        finally
        {
            _sending.TryRemove(digestId, out _);
        }
    }

    /// <summary>
    /// At a stop, gives back the claims on deliveries this run never began, so that the next start sends them at once
    /// instead of after Digest:ClaimLease. A message that was on its way when the process stopped keeps its claim, as
    /// after a crash: the server may have taken it. Returns how many were given back; 0 when the database did not answer.
    /// </summary>
    private async Task<int> HandBackClaimsAsync(long digestId, ICollection<long> unsure)
    {
        // Not the stopping token, which is cancelled by now; a stop does not wait long for a database that does not answer.
        using var limit = new CancellationTokenSource(HandBackLimit, time);
        try
        {
            return await store.HandBackClaimsAsync(digestId, Sender, unsure.ToArray(), limit.Token);
        }
        catch (Exception ex) when (Database.IsUnavailable(ex) || ex is OperationCanceledException)
        {
            DigestsLog.HandBackFailed(logger, ex, digestId, options.Value.ClaimLease);
            return 0;
        }
    }

    /// <summary>How long a stop waits for the database to take back the claims of deliveries it never began.</summary>
    internal static readonly TimeSpan HandBackLimit = TimeSpan.FromSeconds(5);

    private async Task SendCoreAsync(long digestId, ConcurrentDictionary<long, byte> unsure, IProgress<DigestSummary>? progress,
        CancellationToken cancellationToken)
    {
        var (plannedAt, pending) = await store.SendingStartAsync(digestId, PoolSize, cancellationToken)
            ?? throw new InvalidOperationException($"There is no digest {digestId}.");
        var pool = CreatePool();
        // The SMTP connections (as many as there are deliveries to make) open while the content renders and the first
        // batch is claimed.
        pool.ConnectAhead(pending, cancellationToken);
        var recorder = new DeliveryRecorder(store, outage, digestId, Sender, cancellationToken);
        var report = new ProgressReport(store, outage, time, digestId, progress, logger);
        try
        {
            var content = messages.Content(digestId, plannedAt, await store.PostsAsync(digestId, cancellationToken), time.GetUtcNow());
            while (!cancellationToken.IsCancellationRequested)
            {
                await SendClaimsAsync(digestId, content, pool, recorder, unsure, report, cancellationToken);

                var (open, nextDue) = await outage.RetryAsync($"reading digest {digestId}",
                    () => store.OpenWorkAsync(digestId, cancellationToken), cancellationToken);
                if (!open)
                {
                    break;
                }

                // Claims of a sender that stopped come back once their lease ran out.
                await outage.RetryAsync($"releasing expired claims of digest {digestId}",
                    () => store.ReleaseExpiredClaimsAsync(time.GetUtcNow() - options.Value.ClaimLease, cancellationToken), cancellationToken);

                // Retries not yet due, or claims held by another sender: wait for the earlier of the two.
                var wait = nextDue is { } due ? due - time.GetUtcNow() : options.Value.RetryDelay;
                await Task.Delay(Clamp(wait), time, cancellationToken);
            }

            await outage.RetryAsync($"finishing digest {digestId}", () => store.MarkDoneAsync(digestId, time.GetUtcNow(), cancellationToken), cancellationToken);
            await report.StopAsync();
            if (await store.FindAsync(digestId, cancellationToken) is { Status: "done" } done)
            {
                DigestsLog.Finished(logger, digestId, done.Sent, done.Failed, done.Skipped);
                progress?.Report(done);
            }
        }
        finally
        {
            await recorder.DisposeAsync();
            await pool.DisposeAsync();
        }
    }

    /// <summary>
    /// Claims batches and sends them until a claim comes back empty: one worker per connection takes the next
    /// claimed delivery from a queue of at most Digest:BatchSize that the claimer keeps filled (so at most two batches
    /// are claimed ahead), and no connection waits for a claim or for the rest of a batch to finish. The claims this
    /// run holds and has not recorded yet are renewed while it sends; any others under its name expire as usual.
    /// </summary>
    private async Task SendClaimsAsync(long digestId, DigestContent content, TransportPool pool, DeliveryRecorder recorder,
        ConcurrentDictionary<long, byte> unsure, ProgressReport report, CancellationToken cancellationToken)
    {
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var queue = Channel.CreateBounded<Claimed>(new BoundedChannelOptions(options.Value.BatchSize) { SingleWriter = true });
        // The claims this run holds and has not recorded (delivery id to subscriber id), and the subscribers among them
        // seen unsubscribed since their batch was read: up to two batches wait, which at a slow server is minutes.
        var held = new ConcurrentDictionary<long, long>();
        var left = new ConcurrentDictionary<long, byte>();
        var workers = Enumerable.Range(0, pool.Size).Select(worker => Task.Run(async () =>
        {
            try
            {
                await foreach (var claimed in queue.Reader.ReadAllAsync(sending.Token))
                {
                    var subscriber = claimed.Subscriber is { } found && left.ContainsKey(found.Id) ? found with { Status = SubscriberStatus.Unsubscribed } : claimed.Subscriber;
                    await DeliverAsync(digestId, content, claimed.Delivery, subscriber, claimed.At, pool, recorder, unsure, sending.Token);
                    held.TryRemove(claimed.Delivery.Id, out _);
                    // Also from here: a digest smaller than a batch is claimed at once and would report nothing until it ends.
                    report.Maybe(sending.Token);
                }
            }
            catch
            {
                // One worker failing stops the others and the claimer: the send ends with that worker's error.
                await sending.CancelAsync();
                throw;
            }
        }, CancellationToken.None)).ToArray();
        var heartbeat = KeepClaimsAsync(digestId, held, sending.Token);
        var watch = WatchUnsubscribesAsync(digestId, held, left, sending.Token);
        try
        {
            while (true)
            {
                var batch = await outage.RetryAsync($"claiming deliveries of digest {digestId}",
                    () => store.ClaimAsync(digestId, Sender, options.Value.BatchSize, time.GetUtcNow(), sending.Token), sending.Token);
                if (batch.Count == 0)
                {
                    break;
                }

                var claimedAt = time.GetUtcNow();
                var people = await outage.RetryAsync($"reading subscribers of digest {digestId}",
                    () => subscribers.FindManyAsync(batch.Select(delivery => delivery.SubscriberId).ToArray(), sending.Token), sending.Token);
                foreach (var delivery in batch)
                {
                    held.TryAdd(delivery.Id, delivery.SubscriberId);
                }

                foreach (var delivery in batch)
                {
                    await queue.Writer.WriteAsync(new Claimed(delivery, people.GetValueOrDefault(delivery.SubscriberId), claimedAt), sending.Token);
                }

                report.Maybe(sending.Token);
            }
        }
        finally
        {
            queue.Writer.TryComplete();
            try
            {
                // A worker's failure is the one to surface, not the cancellation it caused here.
                await Task.WhenAll(workers);
            }
            finally
            {
                await sending.CancelAsync();
                await heartbeat;
                await watch;
            }
        }
    }

    private async Task DeliverAsync(long digestId, DigestContent content, ClaimedDelivery delivery, Subscriber? subscriber, DateTimeOffset claimedAt,
        TransportPool pool, DeliveryRecorder recorder, ConcurrentDictionary<long, byte> unsure, CancellationToken cancellationToken)
    {
        var attempts = (int)delivery.Attempts + 1;
        // A claim older than a third of its lease (a stall, a slow server, a rate limit) is renewed, and checked,
        // before sending: if this sender stalled for a whole lease, another one may have taken the delivery over.
        if (time.GetUtcNow() - claimedAt > options.Value.ClaimLease / 3
            && !await outage.RetryAsync($"renewing the claim on delivery {delivery.Id}",
                () => store.RenewClaimAsync(delivery.Id, Sender, time.GetUtcNow(), cancellationToken), cancellationToken))
        {
            return;
        }

        // Read when the batch was claimed, and checked again every UnsubscribeCheck while it waits (WatchUnsubscribesAsync).
        // An operator's forced resend also goes to a pending address; everything else only to active subscribers, and
        // nothing to an address that unsubscribed, even one that did so after the resend was asked for.
        if (subscriber is null || subscriber.Status == SubscriberStatus.Unsubscribed
            || (subscriber.Status != SubscriberStatus.Active && delivery.Forced == 0))
        {
            await recorder.RecordAsync(new DeliveryMark(delivery.Id, DeliveryState.Skipped, attempts - 1, time.GetUtcNow(), null, "the subscriber is no longer active"));
            DigestsLog.Skipped(logger, delivery.Id, delivery.SubscriberId);
            return;
        }

        var transport = await pool.RentAsync(cancellationToken);
        // From here until its outcome is committed, a stop cannot tell whether the server took the message.
        unsure.TryAdd(delivery.Id, 0);
        Exception? failed = null;
        try
        {
            await transport.SendAsync(messages.Build(content, subscriber, delivery.ResendId), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            failed = ex;
        }
        finally
        {
            pool.Return(transport);
        }

        // Recorded apart from the send: a database hiccup after the server took the message must not
        // count as a mail failure. The outcome is held through an outage until it is recorded (in a group
        // commit with the other connections' outcomes); only if the process stops meanwhile does the
        // claim's lease bring the delivery back, so at most this one message repeats.
        var now = time.GetUtcNow();
        if (failed is null)
        {
            await recorder.RecordAsync(new DeliveryMark(delivery.Id, DeliveryState.Sent, attempts, now, null, null));
            unsure.TryRemove(delivery.Id, out _);
            DigestsLog.Sent(logger, delivery.Id, digestId, subscriber.Id);
            return;
        }

        var failure = SmtpFailure.Classify(failed);
        if (failure.IsTransient && attempts < options.Value.MaxAttempts)
        {
            var retryAt = now + options.Value.RetryDelay * Math.Pow(2, attempts - 1);
            await recorder.RecordAsync(new DeliveryMark(delivery.Id, DeliveryState.Pending, attempts, now, retryAt, failure.Reason));
            unsure.TryRemove(delivery.Id, out _);
            DigestsLog.Retrying(logger, delivery.Id, subscriber.Id, retryAt, attempts, failure.Reason);
        }
        else
        {
            await recorder.RecordAsync(new DeliveryMark(delivery.Id, DeliveryState.Failed, attempts, now, null, failure.Reason));
            unsure.TryRemove(delivery.Id, out _);
            DigestsLog.FailedForGood(logger, delivery.Id, subscriber.Id, failure.Reason);
        }
    }

    /// <summary>How often the subscribers of claimed deliveries still waiting for their turn are read again for unsubscribes.</summary>
    internal static readonly TimeSpan UnsubscribeCheck = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Every <see cref="UnsubscribeCheck"/>, reads the subscribers of the deliveries this run holds, and notes in
    /// <paramref name="left"/> those who unsubscribed meanwhile: their turn then skips them (README: a subscriber who left
    /// before their turn is skipped). One query of at most two batches' rows each time, not one per message.
    /// </summary>
    private async Task WatchUnsubscribesAsync(long digestId, ConcurrentDictionary<long, long> held, ConcurrentDictionary<long, byte> left,
        CancellationToken sending)
    {
        try
        {
            while (true)
            {
                await Task.Delay(UnsubscribeCheck, time, sending);
                var ids = held.Values.Distinct().ToArray();
                if (ids.Length == 0)
                {
                    continue;
                }

                try
                {
                    foreach (var subscriber in (await subscribers.FindManyAsync(ids, sending)).Values)
                    {
                        if (subscriber.Status == SubscriberStatus.Unsubscribed)
                        {
                            left.TryAdd(subscriber.Id, 0);
                        }
                    }
                }
                catch (Exception ex) when (Database.IsUnavailable(ex))
                {
                    outage.Failed($"reading subscribers of digest {digestId}", ex);
                }
            }
        }
        catch (OperationCanceledException) when (sending.IsCancellationRequested)
        {
            // The sending is done.
        }
    }

    /// <summary>
    /// Renews the claims this run holds (<paramref name="held"/>: claimed, not yet recorded) every third of
    /// Digest:ClaimLease while it sends, so a slow send (a cold start, a slow server) never lets another sender
    /// take over a delivery this one is making. Only a sender that stops, or stalls for a whole lease, loses its claims.
    /// </summary>
    private async Task KeepClaimsAsync(long digestId, ConcurrentDictionary<long, long> held, CancellationToken sending)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.Value.ClaimLease / 3, time, sending);
                try
                {
                    if (!held.IsEmpty)
                    {
                        await store.RenewClaimsAsync(held.Keys.ToArray(), Sender, time.GetUtcNow(), sending);
                    }
                }
                catch (Exception ex) when (Database.IsUnavailable(ex))
                {
                    outage.Failed($"renewing claims of digest {digestId}", ex);
                }
            }
        }
        catch (OperationCanceledException) when (sending.IsCancellationRequested)
        {
            // The sending is done.
        }
    }

    /// <summary>How many transports <see cref="CreatePool"/> makes.</summary>
    private int PoolSize => mail.Value.ParsedMode() == MailMode.Smtp ? Math.Max(1, mail.Value.Smtp.MaxConnections) : 1;

    private TransportPool CreatePool()
    {
        if (mail.Value.ParsedMode() != MailMode.Smtp)
        {
            return new TransportPool([services.GetRequiredService<IMailTransport>()], owned: false);
        }

        // One SMTP connection per transport, each reused across its messages: Mail:Smtp:MaxConnections of them.
        var transports = Enumerable.Range(0, PoolSize)
            .Select(_ => (IMailTransport)ActivatorUtilities.CreateInstance<SmtpMailTransport>(services))
            .ToArray();
        return new TransportPool(transports, owned: true);
    }

    private static TimeSpan Clamp(TimeSpan wait) =>
        wait < TimeSpan.FromMilliseconds(50) ? TimeSpan.FromMilliseconds(50) : wait > TimeSpan.FromMinutes(5) ? TimeSpan.FromMinutes(5) : wait;

    private sealed record Claimed(ClaimedDelivery Delivery, Subscriber? Subscriber, DateTimeOffset At);

    /// <summary>
    /// Reports progress while sending. Counting the digest's rows costs a scan of them: at most once a second,
    /// not once a batch, and on a large digest less often still, so that counting takes at most a twentieth of
    /// the sender's time. The count runs beside the claimer, which never waits for it: a claimer held for the
    /// count (15-30 ms at 10,000 deliveries) let the connections run out of claimed deliveries.
    /// </summary>
    private sealed class ProgressReport(DigestStore store, DatabaseOutage outage, TimeProvider time, long digestId, IProgress<DigestSummary>? progress,
        ILogger logger)
    {
        private long _last = time.GetTimestamp();
        private TimeSpan _every = TimeSpan.FromSeconds(1);
        private Task _counting = Task.CompletedTask;

        private readonly Lock _gate = new();

        /// <summary>Starts a count when one is due and the last one is over; returns at once. Called by the claimer and every worker.</summary>
        public void Maybe(CancellationToken cancellationToken)
        {
            if (progress is null)
            {
                return;
            }

            lock (_gate)
            {
                // A finished task publishes what its count wrote (_last, _every) to this thread.
                if (outage.IsOut || !_counting.IsCompleted || time.GetElapsedTime(_last) < _every)
                {
                    return;
                }

                _counting = Task.Run(() => CountAsync(progress, cancellationToken), CancellationToken.None);
            }
        }

        /// <summary>Waits for a count still running, so that its line comes before the last one.</summary>
        public Task StopAsync() => _counting;

        private async Task CountAsync(IProgress<DigestSummary> report, CancellationToken cancellationToken)
        {
            var counting = time.GetTimestamp();
            try
            {
                if (await store.FindAsync(digestId, cancellationToken) is { } current)
                {
                    report.Report(current);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (Database.IsUnavailable(ex))
            {
                // Progress is not worth stopping for: the sending goes on, and waits where it must write.
                outage.Failed($"counting deliveries of digest {digestId}", ex);
            }
            catch (Exception ex)
            {
                DigestsLog.ProgressFailed(logger, ex, digestId);
            }

            _last = time.GetTimestamp();
            _every = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, 20 * time.GetElapsedTime(counting, _last).Ticks));
        }
    }

    private sealed class TransportPool : IAsyncDisposable
    {
        private readonly Channel<IMailTransport> _idle = Channel.CreateUnbounded<IMailTransport>();
        private readonly IMailTransport[] _all;
        private readonly bool _owned;
        private readonly List<Task> _connecting = [];

        public TransportPool(IMailTransport[] transports, bool owned)
        {
            _all = transports;
            _owned = owned;
            foreach (var transport in transports)
            {
                _idle.Writer.TryWrite(transport);
            }

            // The pickup folder takes parallel writers; an SMTP transport is one connection at a time.
            Size = owned ? transports.Length : Math.Max(2, Environment.ProcessorCount);
        }

        public int Size { get; }

        /// <summary>
        /// Starts opening the SMTP connections, at most <paramref name="needed"/>; a message rented meanwhile waits for its
        /// transport's (each transport sends one message at a time).
        /// </summary>
        public void ConnectAhead(int needed, CancellationToken cancellationToken)
        {
            foreach (var transport in _all.Take(needed))
            {
                if (transport is SmtpMailTransport smtp)
                {
                    _connecting.Add(smtp.ConnectAheadAsync(cancellationToken));
                }
            }
        }

        public async ValueTask<IMailTransport> RentAsync(CancellationToken cancellationToken) =>
            _owned ? await _idle.Reader.ReadAsync(cancellationToken) : _all[0];

        public void Return(IMailTransport transport)
        {
            if (_owned)
            {
                _idle.Writer.TryWrite(transport);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_owned)
            {
                return;
            }

            // They never throw: a failed connection is the first message's to report.
            await Task.WhenAll(_connecting);
            foreach (var transport in _all)
            {
                if (transport is IAsyncDisposable disposable)
                {
                    await disposable.DisposeAsync();
                }
            }
        }
    }
}

/// <summary>A digest's sending stopped with the process before it finished; the next start resumes it.</summary>
internal sealed class DigestStoppedException(long digestId, OperationCanceledException inner, CancellationToken cancellationToken)
    : OperationCanceledException($"Sending digest {digestId} stopped before it finished.", inner, cancellationToken)
{
    public long DigestId { get; } = digestId;
}
