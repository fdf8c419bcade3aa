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
}
