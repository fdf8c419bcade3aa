using System.Buffers;
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
    private static readonly byte[] LineEnd = "\n"u8.ToArray();

    private readonly QuotedPrintableText _text;
    private readonly QuotedPrintableText _html;
    private readonly byte[] _delimiter;
    private readonly byte[] _close;

    // The bytes around the two parts (boundaries, part headers, line ends), with LF and with CRLF line ends.
    private readonly int _framing;
    private readonly int _crlfFraming;

    /// <param name="boundary">A boundary holding "=_", so that it cannot occur in quoted-printable content.</param>
    public PreparedAlternative(string boundary, byte[] quotedPrintableText, byte[] quotedPrintableHtml)
        : this(boundary, QuotedPrintableText.Of(quotedPrintableText), QuotedPrintableText.Of(quotedPrintableHtml))
    {
    }

    /// <param name="boundary">A boundary holding "=_", so that it cannot occur in quoted-printable content.</param>
    public PreparedAlternative(string boundary, QuotedPrintableText text, QuotedPrintableText html)
        : base(new ContentType("multipart", "alternative") { Boundary = boundary })
    {
        if (!boundary.Contains("=_", StringComparison.Ordinal))
        {
            throw new ArgumentException("The boundary must hold \"=_\", which quoted-printable content never does.", nameof(boundary));
        }

        _text = text;
        _html = html;
        _delimiter = Encoding.ASCII.GetBytes($"--{boundary}\n");
        _close = Encoding.ASCII.GetBytes($"--{boundary}--\n");
        foreach (var piece in (byte[][])[_delimiter, TextHeaders, LineEnd, _delimiter, HtmlHeaders, LineEnd, _close])
        {
            _framing += piece.Length;
            _crlfFraming += piece.Length + LineEnds.BareLfs(piece);
        }
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
        var (content, length) = Bytes(options);
        try
        {
            stream.Write(content, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(content);
        }
    }

    public override async Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(stream);
        if (!contentOnly)
        {
            await Headers.WriteToAsync(options, stream, cancellationToken);
        }

        var (content, length) = Bytes(options);
        try
        {
            await stream.WriteAsync(content.AsMemory(0, length), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(content);
        }
    }

    /// <summary>
    /// Boundary, part headers, content, newline, ... closing boundary, with the line ends the options ask for, in a
    /// pooled buffer that the caller returns: a message's body is written once and not kept.
    /// </summary>
    private (byte[] Content, int Length) Bytes(FormatOptions options)
    {
        var crlf = options.NewLineFormat == NewLineFormat.Dos;
        var length = (crlf ? _crlfFraming : _framing) + _text.Length(crlf) + _html.Length(crlf);
        var content = ArrayPool<byte>.Shared.Rent(length);
        var target = content.AsSpan();
        var at = 0;
        at += LineEnds.Copy(_delimiter, target[at..], crlf);
        at += LineEnds.Copy(TextHeaders, target[at..], crlf);
        at += _text.CopyTo(target[at..], crlf);
        at += LineEnds.Copy(LineEnd, target[at..], crlf);
        at += LineEnds.Copy(_delimiter, target[at..], crlf);
        at += LineEnds.Copy(HtmlHeaders, target[at..], crlf);
        at += _html.CopyTo(target[at..], crlf);
        at += LineEnds.Copy(LineEnd, target[at..], crlf);
        at += LineEnds.Copy(_close, target[at..], crlf);
        return (content, at);
    }
}
