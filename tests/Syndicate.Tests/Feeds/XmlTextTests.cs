using Syndicate.Feeds;

namespace Syndicate.Tests.Feeds;

public sealed class XmlTextTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("tab\tnew\nline\r", "tab\tnew\nline\r")]
    [InlineData("a\u0000b\u0001c\u001Bd\u001Fe", "abcde")]
    [InlineData("pair \uD83D\uDE00 kept", "pair \uD83D\uDE00 kept")]
    [InlineData("non\uFFFEchar\uFFFF", "nonchar")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Clean_Text_KeepsOnlyXml10Characters(string? text, string expected)
    {
        Assert.Equal(expected, XmlText.Clean(text));
    }

    [Fact]
    public void Clean_LoneSurrogates_AreRemoved()
    {
        // Not theory data: xUnit would turn a lone surrogate into U+FFFD on its way to the test.
        Assert.Equal("lone  high", XmlText.Clean("lone \uD800 high"));
        Assert.Equal("lone  low", XmlText.Clean("lone \uDC00 low"));
        Assert.Equal("reversed  pair", XmlText.Clean("reversed \uDC00\uD800 pair"));
        Assert.Equal("ends high ", XmlText.Clean("ends high \uD800"));
        Assert.Equal("a\uD83D\uDE00b", XmlText.Clean("a\uD83D\uDE00\uDE00b"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain ascii only")]
    [InlineData("<p>a &amp; b</p> <a href=\"x?y=1&z=2\">l</a> >")]
    [InlineData("line\r\nbreaks\rand\n\r\r\nmore\r")]
    [InlineData("caf\u00E9 \u4E2D\u6587 \uD83D\uDE00<b>\u00A0</b>\u00E9")]
    [InlineData("\u00E9")]
    [InlineData("&")]
    [InlineData("tab\there")]
    public void Escape_IsWhatTheFeedsXmlWriterWritesAsElementText(string text)
    {
        var output = new byte[XmlText.MaxEscapedLength(text)];

        var written = XmlText.Escape(text, output);

        Assert.Equal(WrittenByXmlWriter(text), System.Text.Encoding.UTF8.GetString(output, 0, written));
    }

    [Fact]
    public void Escape_LongMixedText_IsWhatTheFeedsXmlWriterWrites()
    {
        var random = new Random(42);
        var pieces = new[] { "<p>", "</p>", "&", "\r\n", "\r", "\n", "caf\u00E9", "\uD83D\uDE00", "plain words ", ">", "\u4E2D", "\t" };
        var text = string.Concat(Enumerable.Range(0, 5_000).Select(_ => pieces[random.Next(pieces.Length)]));
        var output = new byte[XmlText.MaxEscapedLength(text)];

        var written = XmlText.Escape(text, output);

        Assert.Equal(WrittenByXmlWriter(text), System.Text.Encoding.UTF8.GetString(output, 0, written));
    }

    private static string WrittenByXmlWriter(string text)
    {
        using var stream = new MemoryStream();
        using (var writer = System.Xml.XmlWriter.Create(stream, FeedXml.WriterSettings))
        {
            writer.WriteStartElement("x");
            writer.WriteString(text);
            writer.WriteEndElement();
        }

        var xml = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        var start = xml.IndexOf("<x>", StringComparison.Ordinal) + 3;
        return xml.EndsWith("<x />", StringComparison.Ordinal) ? "" : xml[start..xml.LastIndexOf("</x>", StringComparison.Ordinal)];
    }
}
