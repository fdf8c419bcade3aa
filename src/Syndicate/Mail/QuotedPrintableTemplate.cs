using System.Text;
using MimeKit.Encodings;

namespace Syndicate.Mail;

/// <summary>
/// A text with placeholders, encoded as quoted-printable (RFC 2045 section 6.7) once: per message only the
/// values are encoded, and the encoded pieces are joined with soft line breaks. A soft line break ("=" at
/// the end of a line) decodes to nothing and may stand anywhere, so every piece starts a line of its own
/// and the line limit and the encoding of each piece stay those of MimeKit's encoder, whatever a value holds.
/// The result decodes to the text with each placeholder replaced by its value.
/// </summary>
internal sealed class QuotedPrintableTemplate
{
    private static readonly byte[] SoftBreak = "=\n"u8.ToArray();

    // Pieces alternate: pieces[0], value of slots[0], pieces[1], value of slots[1], ..., pieces[^1].
    private readonly byte[][] _pieces;
    private readonly int[] _slots;

    /// <param name="text">The text; placeholders are found by ordinal comparison.</param>
    /// <param name="placeholders">The placeholders; a value is given per placeholder to <see cref="Fill"/>, in this order.</param>
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
        _slots = [.. slots];
        Text = text;
    }

    /// <summary>The text as given, placeholders included.</summary>
    public string Text { get; }

    /// <summary>The quoted-printable bytes of the text with the values in place (LF line ends, as MimeKit keeps content).</summary>
    public byte[] Fill(IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var encoded = new byte[_slots.Length][];
        var length = _pieces.Sum(piece => piece.Length);
        for (var i = 0; i < _slots.Length; i++)
        {
            encoded[i] = Encode(values[_slots[i]]);
            length += encoded[i].Length;
        }

        var output = new byte[length];
        var position = 0;
        for (var i = 0; i < _pieces.Length; i++)
        {
            _pieces[i].CopyTo(output, position);
            position += _pieces[i].Length;
            if (i < encoded.Length)
            {
                encoded[i].CopyTo(output, position);
                position += encoded[i].Length;
            }
        }

        return output;
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
        var output = new byte[encoder.EstimateOutputLength(input.Length) + SoftBreak.Length];
        var length = encoder.Flush(input, 0, input.Length, output);
        if (output[length - 1] != (byte)'\n')
        {
            SoftBreak.CopyTo(output, length);
            length += SoftBreak.Length;
        }

        return output[..length];
    }
}
