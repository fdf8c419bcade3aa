using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Syndicate.Storage;

namespace Syndicate.Mail;

/// <summary>
/// Mail:Mode = Pickup: each message becomes one .eml file in Mail:PickupFolder, for a local MTA's pickup
/// directory or for reading by hand. A file is written under a dot-name ending in .tmp and then renamed, so
/// whatever watches the folder never sees half a message. The messages hold subscribers' addresses and their
/// unsubscribe links: a folder Syndicate creates is its owner's only (0700); one that exists keeps the mode the
/// operator gave it, for an MTA running as another user.
/// </summary>
internal sealed class PickupMailTransport : IMailTransport
{
    // RFC 5322 section 2.3: lines end in CRLF on the wire and in .eml files, whatever the platform.
    private static readonly FormatOptions EmlFormat = CreateFormat();

    private readonly MailSigner _signer;
    private readonly TimeProvider _time;
    private readonly ILogger<PickupMailTransport> _logger;

    // Said with the first message, not at start, where the service's summary already says where mail goes.
    private int _announced;

    public PickupMailTransport(IOptions<MailOptions> options, IHostEnvironment environment, MailSigner signer, TimeProvider time, ILogger<PickupMailTransport> logger)
    {
        Folder = Path.GetFullPath(options.Value.PickupFolder, environment.ContentRootPath);
        _signer = signer;
        _time = time;
        _logger = logger;
    }

    public string Folder { get; }

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Interlocked.Exchange(ref _announced, 1) == 0)
        {
            MailLog.TransportChosen(_logger, "to the pickup folder", Folder, _signer.IsEnabled ? ", DKIM-signed" : "");
        }

        _signer.Sign(message);
        try
        {
            PrivateFiles.CreateFolder(Folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PickupWriteException($"could not create the pickup folder {Folder}: {ex.Message}", ex);
        }

        // Sortable by time, unique by the GUID, so two nodes or two threads never pick the same name.
        var name = $"{_time.GetUtcNow():yyyyMMdd'T'HHmmssfff'Z'}-{Guid.NewGuid():N}.eml";
        var target = Path.Combine(Folder, name);
        var temporary = Path.Combine(Folder, $".{name}.tmp");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await message.WriteToAsync(EmlFormat, stream, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not a mail server's failure: said as what it is (a full disk, a folder not writable), and retried like one.
            throw new PickupWriteException($"could not write the message into the pickup folder {Folder}: {ex.Message}", ex);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }

        MailLog.PickupWritten(_logger, message.MessageId ?? "", name);
    }

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }
}

/// <summary>Mail:Mode Pickup could not write a message file (a full disk, a folder it may not write): retried, and reported as such.</summary>
internal sealed class PickupWriteException(string message, Exception inner) : Exception(message, inner);
