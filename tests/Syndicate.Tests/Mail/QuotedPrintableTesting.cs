using Syndicate.Mail;

namespace Syndicate.Tests.Mail;

/// <summary>Whole byte arrays from the pieces the product writes a message from, for tests to compare and parse.</summary>
internal static class QuotedPrintableTesting
{
    /// <summary>The quoted-printable bytes of the template with the values in place (LF line ends, as MimeKit keeps content).</summary>
    public static byte[] Fill(this QuotedPrintableTemplate template, IReadOnlyList<string> values)
    {
        var filled = template.With(values);
        var output = new byte[filled.Length(crlf: false)];
        filled.CopyTo(output, crlf: false);
        return output;
    }

    /// <summary>A prepared body of two parts already quoted-printable (LF line ends) with no values in them.</summary>
    public static PreparedAlternative Prepared(string boundary, byte[] quotedPrintableText, byte[] quotedPrintableHtml) =>
        new(new AlternativeFraming(boundary), Whole(quotedPrintableText), Whole(quotedPrintableHtml));

    private static QuotedPrintableText Whole(byte[] quotedPrintable) => new([quotedPrintable], [LineEnds.ToCrlf(quotedPrintable)], []);
}
