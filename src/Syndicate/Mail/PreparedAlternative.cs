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
    private readonly AlternativeFraming _framing;
    private readonly QuotedPrintableText _text;
    private readonly QuotedPrintableText _html;

    /// <param name="framing">The boundary's bytes around the parts, made once for all the messages that share it.</param>
    public PreparedAlternative(AlternativeFraming framing, QuotedPrintableText text, QuotedPrintableText html)
        : base(new ContentType("multipart", "alternative") { Boundary = framing.Boundary })
    {
        _framing = framing;
        _text = text;
        _html = html;
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
        var (before, between, after) = _framing.Pieces(crlf);
        var content = ArrayPool<byte>.Shared.Rent(before.Length + _text.Length(crlf) + between.Length + _html.Length(crlf) + after.Length);
        var target = content.AsSpan();
        before.CopyTo(target);
        var at = before.Length;
        at += _text.CopyTo(target[at..], crlf);
        between.CopyTo(target[at..]);
        at += between.Length;
        at += _html.CopyTo(target[at..], crlf);
        after.CopyTo(target[at..]);
        return (content, at + after.Length);
    }
}

/// <summary>
/// The bytes a <see cref="PreparedAlternative"/> writes around its two parts for one boundary (the delimiters, the part
/// headers, the line ends), with LF and with CRLF line ends: made once for a boundary, not once for each message.
/// </summary>
internal sealed class AlternativeFraming
{
    private const string TextHeaders = "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n";
    private const string HtmlHeaders = "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n";

    private readonly FramingPieces _lf;
    private readonly FramingPieces _crlf;

    /// <param name="boundary">A boundary holding "=_", so that it cannot occur in quoted-printable content.</param>
    public AlternativeFraming(string boundary)
    {
        if (!boundary.Contains("=_", StringComparison.Ordinal))
        {
            throw new ArgumentException("The boundary must hold \"=_\", which quoted-printable content never does.", nameof(boundary));
        }

        Boundary = boundary;
        _lf = new FramingPieces(
            Encoding.ASCII.GetBytes($"--{boundary}\n{TextHeaders}"),
            Encoding.ASCII.GetBytes($"\n--{boundary}\n{HtmlHeaders}"),
            Encoding.ASCII.GetBytes($"\n--{boundary}--\n"));
        _crlf = new FramingPieces(LineEnds.ToCrlf(_lf.Before), LineEnds.ToCrlf(_lf.Between), LineEnds.ToCrlf(_lf.After));
    }

    public string Boundary { get; }

    /// <summary>What comes before the text part, between the parts, and after the HTML part.</summary>
    public FramingPieces Pieces(bool crlf) => crlf ? _crlf : _lf;
}

/// <summary>The framing of a <see cref="PreparedAlternative"/> in one line-end format.</summary>
internal sealed record FramingPieces(byte[] Before, byte[] Between, byte[] After);
