using System.Text;
using MimeKit;

namespace Syndicate.Mail;

/// <summary>
/// A multipart/alternative body of a text and an HTML part that are already quoted-printable (UTF-8, LF
/// line ends), written as one block: the same bytes MimeKit's <see cref="MultipartAlternative"/> of two
/// quoted-printable <see cref="TextPart"/>s writes, without building the parts and filtering their content
/// for every message of a digest (that was about a tenth of a digest's sending CPU). Quoted-printable
/// content never holds "=_" (an "=" is always followed by two hex digits or a line end), so the boundary,
/// which does, can never occur in it.
/// <para>It is a body to send or save: it writes itself, but it has no child entities, so
/// <see cref="MimeMessage.TextBody"/> and <see cref="MimeMessage.HtmlBody"/> of an unsent message do not see
/// its parts. A message parsed from its bytes has the ordinary two parts.</para>
/// </summary>
internal sealed class PreparedAlternative : MimePart
{
    private static readonly byte[] TextHeaders = Encoding.ASCII.GetBytes("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n");
    private static readonly byte[] HtmlHeaders = Encoding.ASCII.GetBytes("Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n");

    private readonly byte[] _text;
    private readonly byte[] _html;
    private readonly byte[] _delimiter;
    private readonly byte[] _close;
    private byte[]? _dos;
    private byte[]? _unix;

    /// <param name="boundary">A boundary holding "=_", so that it cannot occur in quoted-printable content.</param>
    public PreparedAlternative(string boundary, byte[] quotedPrintableText, byte[] quotedPrintableHtml)
        : base(new ContentType("multipart", "alternative") { Boundary = boundary })
    {
        if (!boundary.Contains("=_", StringComparison.Ordinal))
        {
            throw new ArgumentException("The boundary must hold \"=_\", which quoted-printable content never does.", nameof(boundary));
        }

        _text = quotedPrintableText;
        _html = quotedPrintableHtml;
        _delimiter = Encoding.ASCII.GetBytes($"--{boundary}\n");
        _close = Encoding.ASCII.GetBytes($"--{boundary}--\n");
    }

    /// <summary>Quoted-printable is 7-bit with short lines already: nothing to change for any server.</summary>
    public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
    {
    }

    public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(stream);
        if (!contentOnly)
        {
            Headers.WriteTo(options, stream, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var content = Bytes(options);
        stream.Write(content, 0, content.Length);
    }

    public override async Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(stream);
        if (!contentOnly)
        {
            await Headers.WriteToAsync(options, stream, cancellationToken);
        }

        await stream.WriteAsync(Bytes(options), cancellationToken);
    }

    /// <summary>Boundary, part headers, content, newline, ... closing boundary; line ends as the options ask.</summary>
    private byte[] Bytes(FormatOptions options)
    {
        var dos = options.NewLineFormat == NewLineFormat.Dos;
        if ((dos ? _dos : _unix) is { } made)
        {
            return made;
        }

        byte[][] pieces = [_delimiter, TextHeaders, _text, "\n"u8.ToArray(), _delimiter, HtmlHeaders, _html, "\n"u8.ToArray(), _close];
        var length = 0;
        foreach (var piece in pieces)
        {
            length += piece.Length + (dos ? Lines(piece) : 0);
        }

        var content = new byte[length];
        var at = 0;
        foreach (var piece in pieces)
        {
            at += dos ? CopyDos(piece, content.AsSpan(at)) : Copy(piece, content.AsSpan(at));
        }

        return dos ? _dos = content : _unix = content;
    }

    /// <summary>How many bare LFs (not after a CR) <paramref name="piece"/> holds: each becomes CRLF.</summary>
    private static int Lines(ReadOnlySpan<byte> piece)
    {
        var count = 0;
        for (var i = piece.IndexOf((byte)'\n'); i >= 0; i = NextLf(piece, i))
        {
            if (i == 0 || piece[i - 1] != '\r')
            {
                count++;
            }
        }

        return count;
    }

    private static int Copy(ReadOnlySpan<byte> piece, Span<byte> target)
    {
        piece.CopyTo(target);
        return piece.Length;
    }

    private static int CopyDos(ReadOnlySpan<byte> piece, Span<byte> target)
    {
        var written = 0;
        var start = 0;
        for (var i = piece.IndexOf((byte)'\n'); i >= 0; i = NextLf(piece, i))
        {
            var line = piece[start..i];
            line.CopyTo(target[written..]);
            written += line.Length;
            if (i == 0 || piece[i - 1] != '\r')
            {
                target[written++] = (byte)'\r';
            }

            target[written++] = (byte)'\n';
            start = i + 1;
        }

        piece[start..].CopyTo(target[written..]);
        return written + piece.Length - start;
    }

    private static int NextLf(ReadOnlySpan<byte> piece, int after)
    {
        var next = piece[(after + 1)..].IndexOf((byte)'\n');
        return next < 0 ? -1 : after + 1 + next;
    }
}
