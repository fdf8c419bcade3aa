using Syndicate.Templates;

namespace Syndicate.Tests.Templates;

public sealed class PreheaderTests
{
    [Theory]
    [InlineData("  Line one\r\nline two\ttabbed\u0000\u0007 end  ", "Line one line two tabbed end")]
    [InlineData("a\u2028b\u0085c\u00A0d", "a b c d")]
    [InlineData("\r\n", "")]
    [InlineData(null, "")]
    public void Clean_ControlCharactersAndLineBreaks_OneLineOfSingleSpaces(string? text, string expected) =>
        Assert.Equal(expected, Preheader.Clean(text));

    [Fact]
    public void CleanHtml_ReferencesToLineBreaksAndControls_OneSpaceAndOtherReferencesKept() =>
        Assert.Equal("Zoë &lt;b&gt; next &#x3C; &amp; <i>end</i>", Preheader.CleanHtml("Zoë &lt;b&gt;&#xD;&#xA;next &#x3C; &amp;&#10;&#x9;\r\n<i>end</i>&#0;"));

    [Fact]
    public void Shorten_ShortText_Unchanged() =>
        Assert.Equal("A short excerpt.", Preheader.Shorten("A short excerpt.", 20));

    [Fact]
    public void Shorten_LongText_CutAtTheLastWordThatFitsWithTheEllipsis()
    {
        // 25 characters at most, the ellipsis included: "The quick brown fox" (19) + "…"; "jumps" would pass 24.
        Assert.Equal("The quick brown fox…", Preheader.Shorten("The quick brown fox jumps over the lazy dog", 25));
        // A space right after the room: the last word still fits whole.
        Assert.Equal("The quick brown fox jumps…", Preheader.Shorten("The quick brown fox jumps over", 26));
    }

    [Fact]
    public void Shorten_PunctuationBeforeTheCut_Dropped() =>
        Assert.Equal("One, two…", Preheader.Shorten("One, two, three, four", 12));

    [Fact]
    public void Shorten_OneLongWord_CutInsideItButNotInsideASurrogatePair()
    {
        Assert.Equal("Supercalifragi…", Preheader.Shorten("Supercalifragilisticexpialidocious", 15));
        // U+1F600 is two UTF-16 units at positions 9 and 10; a cut after 10 units would split it.
        var cut = Preheader.Shorten("abcdefghi\U0001F600xyzxyzxyz", 11);
        Assert.Equal("abcdefghi…", cut);
    }

    [Fact]
    public void Shorten_DefaultLength_AtMost140Characters()
    {
        var text = string.Join(' ', Enumerable.Repeat("lorem ipsum", 40));

        var cut = Preheader.Shorten(text);

        Assert.InRange(cut.Length, 100, Preheader.MaxLength);
        Assert.EndsWith("…", cut, StringComparison.Ordinal);
        Assert.StartsWith(cut[..^1] + " ", text, StringComparison.Ordinal);
    }
}
