using System.Text;
using MimeKit.Encodings;
using Syndicate.Mail;

namespace Syndicate.Tests.Mail;

/// <summary>
/// The pre-encoded template must decode to exactly the text with the values put in, and stay valid quoted-printable
/// (lines of at most 76 characters, no whitespace at a line end, ASCII only) wherever a value falls and whatever it holds.
/// </summary>
public sealed class QuotedPrintableTemplateTests
{
    private static readonly string[] Placeholders = ["@EMAIL@", "@NAME@", "@URL@"];

    public static TheoryData<string, string, string, string> Cases => new()
    {
        { "Hello @NAME@,\nyour address is @EMAIL@.\nLeave: @URL@\n", "ann@example.org", "Ann", "https://blog.example.org/unsubscribe/abc" },
        { new string('x', 74) + "@NAME@" + new string('y', 200) + "\n", "a@b.org", "Zoë = Ünïcode 😀 \t", "u" },
        { "trailing space before a value @NAME@\nand before a line end @EMAIL@ \n", "e@x.org", "", "" },
        { "@URL@@NAME@@EMAIL@", "e@x.org", "=3D==", "https://blog.example.org/unsubscribe/" + new string('t', 180) },
        { "no placeholders at all, only =, tabs\t and ünïcode\n" + new string('z', 90), "", "", "" },
        { "<a href=\"@URL@\">unsubscribe</a> @URL@\r\n.\n.@NAME@\n", "x@y.org", ".", "https://e.org/u/1?a=1&b=2" },
        { "", "a@b.org", "n", "u" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fill_DecodesToTheTextWithTheValuesAndStaysValid(string text, string email, string name, string url)
    {
        var template = new QuotedPrintableTemplate(text, Placeholders);

        var encoded = template.Fill([email, name, url]);

        var expected = text.Replace("@EMAIL@", email, StringComparison.Ordinal).Replace("@NAME@", name, StringComparison.Ordinal)
            .Replace("@URL@", url, StringComparison.Ordinal);
        // A line break is a line break in quoted-printable (RFC 2045 section 6.7, rule 4); MimeKit decodes CRLF to LF.
        expected = expected.Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Equal(expected, Decode(encoded));
        Assert.All(encoded, b => Assert.True(b is (byte)'\n' or (byte)'\t' || (b >= 32 && b < 127), $"byte {b} is not printable ASCII"));
        foreach (var line in Encoding.ASCII.GetString(encoded).Split('\n'))
        {
            Assert.True(line.Length <= 76, $"line of {line.Length} characters: {line}");
            Assert.False(line.EndsWith(' ') || line.EndsWith('\t'), $"whitespace at a line end: '{line}'");
        }
    }

    /// <summary>
    /// A piece whose last encoded line is already at or near the limit when the soft line break that ends the piece is
    /// added: plain characters and encoded ones (<c>=3D</c>, a UTF-8 sequence) at every distance from the 76th column.
    /// </summary>
    public static TheoryData<string> EdgeTexts()
    {
        var texts = new TheoryData<string>();
        for (var length = 68; length <= 80; length++)
        {
            texts.Add(new string('x', length) + "@NAME@ tail\n");
            texts.Add(new string('x', length - 1) + "=@NAME@\n");
            texts.Add(new string('x', length - 1) + "ü@URL@");
            texts.Add("line one\n" + new string('x', length - 3) + "=\"=@EMAIL@=");
        }

        return texts;
    }

    [Theory]
    [MemberData(nameof(EdgeTexts))]
    public void Fill_PieceEndingAtTheLineLimit_SoftBreakKeepsLinesWithin76(string text)
    {
        var template = new QuotedPrintableTemplate(text, Placeholders);

        var encoded = template.Fill(["e@x.org", "Ann", "https://e.org/u"]);

        var lines = Encoding.ASCII.GetString(encoded).Split('\n');
        Assert.All(lines, line => Assert.True(line.Length <= 76, $"line of {line.Length} characters: {line}"));
        var expected = text.Replace("@EMAIL@", "e@x.org", StringComparison.Ordinal).Replace("@NAME@", "Ann", StringComparison.Ordinal)
            .Replace("@URL@", "https://e.org/u", StringComparison.Ordinal);
        Assert.Equal(expected, Decode(encoded));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void With_CopiedWithLfOrCrlf_TheFilledBytesWithThoseLineEnds(string text, string email, string name, string url)
    {
        var template = new QuotedPrintableTemplate(text, Placeholders);
        var filled = template.Fill([email, name, url]);
        var crlf = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(filled).Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));

        var pieces = template.With([email, name, url]);

        foreach (var (withCrlf, expected) in new[] { (false, filled), (true, crlf) })
        {
            var target = new byte[pieces.Length(withCrlf) + 8];
            var length = pieces.CopyTo(target, withCrlf);
            Assert.Equal(pieces.Length(withCrlf), length);
            Assert.Equal(Encoding.ASCII.GetString(expected), Encoding.ASCII.GetString(target, 0, length));
        }
    }

    [Fact]
    public void Fill_TwoSubscribers_EachGetsOnlyTheirOwnValues()
    {
        var template = new QuotedPrintableTemplate("Hi @NAME@ <@EMAIL@>\n", Placeholders);

        var first = Decode(template.Fill(["ann@example.org", "Ann", ""]));
        var second = Decode(template.Fill(["bob@example.org", "Bob", ""]));

        Assert.Equal("Hi Ann <ann@example.org>\n", first);
        Assert.Equal("Hi Bob <bob@example.org>\n", second);
    }

    private static string Decode(byte[] encoded)
    {
        var decoder = new QuotedPrintableDecoder();
        var output = new byte[decoder.EstimateOutputLength(encoded.Length)];
        var length = decoder.Decode(encoded, 0, encoded.Length, output);
        return Encoding.UTF8.GetString(output, 0, length);
    }
}
