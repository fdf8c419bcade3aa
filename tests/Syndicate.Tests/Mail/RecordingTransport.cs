using MimeKit;
using Syndicate.Mail;

namespace Syndicate.Tests.Mail;

/// <summary>Keeps the bytes of every message handed to it, as a transport would put them on the wire.</summary>
internal sealed class RecordingTransport : IMailTransport
{
    public List<byte[]> Messages { get; } = [];

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await message.WriteToAsync(format, stream, cancellationToken);
        Messages.Add(stream.ToArray());
    }
}
