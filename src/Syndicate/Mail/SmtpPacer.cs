using Microsoft.Extensions.Options;

namespace Syndicate.Mail;

/// <summary>
/// Mail:Smtp:MessagesPerSecond over all SMTP connections of the process: each message takes the
/// next free slot, whichever connection sends it.
/// </summary>
internal sealed class SmtpPacer(IOptions<MailOptions> options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly TimeSpan _interval = options.Value.Smtp.MessagesPerSecond > 0
        ? TimeSpan.FromSeconds(1 / options.Value.Smtp.MessagesPerSecond)
        : TimeSpan.Zero;

    private DateTimeOffset _nextSlot = DateTimeOffset.MinValue;
    private int _transports;

    /// <summary>True for the first transport of the process that asks: it says where mail goes, the digest's connection pool does not repeat it.</summary>
    public bool FirstTransport() => Interlocked.Increment(ref _transports) == 1;

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        if (_interval == TimeSpan.Zero)
        {
            return;
        }

        TimeSpan wait;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var slot = _nextSlot > now ? _nextSlot : now;
            _nextSlot = slot + _interval;
            wait = slot - now;
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }
    }
}
