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
    private int _announced;

    /// <summary>
    /// True for the first message of the process: its transport says where mail goes, the other connections of a digest's
    /// pool do not repeat it, and a service says it only when it first sends (its start-up summary already says where).
    /// </summary>
    public bool FirstMessage() => Volatile.Read(ref _announced) == 0 && Interlocked.Exchange(ref _announced, 1) == 0;

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
