using System.Text;
using MimeKit.Encodings;

namespace Syndicate.Mail;

/// <summary>
/// A text with placeholders, encoded as quoted-printable (RFC 2045 section 6.7) once: per message only the
/// values are encoded, and the encoded pieces are joined with soft line breaks. A soft line break ("=" at
/// the end of a line) decodes to nothing and may stand anywhere, so every piece starts a line of its own:
/// each piece is encoded by MimeKit's encoder and its lines kept within the limit, whatever a value holds.
/// The result decodes to the text with each placeholder replaced by its value.
/// </summary>
internal sealed class QuotedPrintableTemplate
{
    private static readonly byte[] SoftBreak = "=\n"u8.ToArray();

    /// <summary>RFC 2045 section 6.7, rule 5: encoded lines are at most 76 characters, a soft line break's "=" included.</summary>
    private const int MaxLineLength = 76;

    // Pieces alternate: pieces[0], value of slots[0], pieces[1], value of slots[1], ..., pieces[^1].
    private readonly byte[][] _pieces;

    // The same pieces with CRLF line ends, as SMTP sends them: converted once, not for each message.
    private readonly byte[][] _crlfPieces;
    private readonly int[] _slots;

    /// <param name="text">The text; placeholders are found by ordinal comparison.</param>
    /// <param name="placeholders">The placeholders; a value is given per placeholder to <see cref="With"/>, in this order.</param>
    public QuotedPrintableTemplate(string text, IReadOnlyList<string> placeholders)
    {
        var pieces = new List<byte[]>();
        var slots = new List<int>();
        var start = 0;
        while (true)
        {
            var (at, slot) = NextPlaceholder(text, start, placeholders);
            if (at < 0)
            {
                pieces.Add(Encode(text[start..]));
                break;
            }

            pieces.Add(Encode(text[start..at]));
            slots.Add(slot);
            start = at + placeholders[slot].Length;
        }

        _pieces = [.. pieces];
        _crlfPieces = [.. pieces.Select(LineEnds.ToCrlf)];
        _slots = [.. slots];
        Text = text;
    }

    /// <summary>The text as given, placeholders included.</summary>
    public string Text { get; }

    /// <summary>
    /// The text with the values in place, as pieces written out when the message is: per message only the values are
    /// encoded and held, not a copy of the whole text.
    /// </summary>
    public QuotedPrintableText With(IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var encoded = new byte[_slots.Length][];
        for (var i = 0; i < _slots.Length; i++)
        {
            encoded[i] = Encode(values[_slots[i]]);
        }

        return new QuotedPrintableText(_pieces, _crlfPieces, encoded);
    }

    private static (int At, int Slot) NextPlaceholder(string text, int start, IReadOnlyList<string> placeholders)
    {
        var (at, slot) = (-1, -1);
        for (var i = 0; i < placeholders.Count; i++)
        {
            var found = text.IndexOf(placeholders[i], start, StringComparison.Ordinal);
            if (found >= 0 && (at < 0 || found < at))
            {
                (at, slot) = (found, i);
            }
        }

        return (at, slot);
    }

    /// <summary>One piece, encoded from the start of a line and ended by a soft line break unless it ends a line itself.</summary>
    private static byte[] Encode(string piece)
    {
        if (piece.Length == 0)
        {
            return [];
        }

        var input = Encoding.UTF8.GetBytes(piece);
        var encoder = new QuotedPrintableEncoder();
        var encoded = new byte[encoder.EstimateOutputLength(input.Length)];
        var length = encoder.Flush(input, 0, input.Length, encoded);
        return Wrap(encoded.AsSpan(0, length));
    }

    /// <summary>
    /// The encoder's output with its lines broken again so that no line, the soft line break ending the piece included,
    /// is longer than 76 characters (RFC 2045 section 6.7, rule 5; SpamAssassin scores longer ones as MIME_QP_LONG_LINE).
    /// The encoder fills its last line up to the limit, as a whole body may, so the "=" this piece ends with would go
    /// past it. Soft breaks are dropped and put back before any character or "=XX" triplet that would pass column 75.
    /// </summary>
    internal static byte[] Wrap(ReadOnlySpan<byte> encoded)
    {
        const int Room = MaxLineLength - 1;
        var output = new List<byte>(encoded.Length + encoded.Length / Room * SoftBreak.Length + SoftBreak.Length);
        var column = 0;
        for (var i = 0; i < encoded.Length;)
        {
            if (encoded[i] == (byte)'\n')
            {
                output.Add((byte)'\n');
                column = 0;
                i++;
                continue;
            }

            if (encoded[i] == (byte)'=' && i + 1 < encoded.Length && encoded[i + 1] == (byte)'\n')
            {
                i += 2;
                continue;
            }

            var atom = encoded[i] == (byte)'=' ? Math.Min(3, encoded.Length - i) : 1;
            if (column + atom > Room)
            {
                output.AddRange(SoftBreak);
                column = 0;
            }

            for (var k = 0; k < atom; k++)
            {
                output.Add(encoded[i + k]);
            }

            column += atom;
            i += atom;
        }

        if (output.Count > 0 && output[^1] != (byte)'\n')
        {
            output.AddRange(SoftBreak);
        }

        return [.. output];
    }
}

/// <summary>
/// Quoted-printable text with its values put in, held as the template's pieces and the values encoded between them
/// (pieces[0], values[0], pieces[1], ...); each piece ends a line, so the pieces join as they are.
/// </summary>
internal sealed class QuotedPrintableText
{
    private readonly byte[][] _pieces;
    private readonly byte[][] _crlfPieces;
    private readonly byte[][] _values;

    internal QuotedPrintableText(byte[][] pieces, byte[][] crlfPieces, byte[][] values)
    {
        _pieces = pieces;
        _crlfPieces = crlfPieces;
        _values = values;
    }

    /// <summary>The length in bytes, with LF or with CRLF line ends.</summary>
    public int Length(bool crlf)
    {
        var pieces = crlf ? _crlfPieces : _pieces;
        var length = 0;
        foreach (var piece in pieces)
        {
            length += piece.Length;
        }

        foreach (var value in _values)
        {
            length += value.Length + (crlf ? LineEnds.BareLfs(value) : 0);
        }

        return length;
    }

    /// <summary>Copies the text into <paramref name="target"/>, which holds at least <see cref="Length"/> bytes; returns that length.</summary>
    public int CopyTo(Span<byte> target, bool crlf)
    {
        var pieces = crlf ? _crlfPieces : _pieces;
        var at = 0;
        for (var i = 0; i < pieces.Length; i++)
        {
            pieces[i].CopyTo(target[at..]);
            at += pieces[i].Length;
            if (i < _values.Length)
            {
                at += LineEnds.Copy(_values[i], target[at..], crlf);
            }
        }

        return at;
    }
}

/// <summary>LF line ends made CRLF, a CRLF already there kept as it is.</summary>
internal static class LineEnds
{
    /// <summary>How many LFs <paramref name="bytes"/> holds that no CR comes before: each becomes CRLF.</summary>
    public static int BareLfs(ReadOnlySpan<byte> bytes)
    {
        var count = 0;
        for (var i = bytes.IndexOf((byte)'\n'); i >= 0; i = NextLf(bytes, i))
        {
            if (i == 0 || bytes[i - 1] != '\r')
            {
                count++;
            }
        }

        return count;
    }

    public static byte[] ToCrlf(byte[] bytes)
    {
        var output = new byte[bytes.Length + BareLfs(bytes)];
        Copy(bytes, output, crlf: true);
        return output;
    }

    /// <summary>Copies <paramref name="bytes"/> as they are, or with CRLF line ends; returns the bytes written.</summary>
    public static int Copy(ReadOnlySpan<byte> bytes, Span<byte> target, bool crlf)
    {
        if (!crlf)
        {
            bytes.CopyTo(target);
            return bytes.Length;
        }

        var written = 0;
        var start = 0;
        for (var i = bytes.IndexOf((byte)'\n'); i >= 0; i = NextLf(bytes, i))
        {
            var line = bytes[start..i];
            line.CopyTo(target[written..]);
            written += line.Length;
            if (i == 0 || bytes[i - 1] != '\r')
            {
                target[written++] = (byte)'\r';
            }

            target[written++] = (byte)'\n';
            start = i + 1;
        }

        bytes[start..].CopyTo(target[written..]);
        return written + bytes.Length - start;
    }

    private static int NextLf(ReadOnlySpan<byte> bytes, int after)
    {
        var next = bytes[(after + 1)..].IndexOf((byte)'\n');
        return next < 0 ? -1 : after + 1 + next;
    }
}
