using Syndicate.Cli;

namespace Syndicate.Tests.Operator;

public sealed class CountedTests
{
    [Theory]
    [InlineData(0, "draft", null, "0 drafts")]
    [InlineData(1, "draft", null, "1 draft")]
    [InlineData(2, "problem", null, "2 problems")]
    [InlineData(1, "copy", "copies", "1 copy")]
    [InlineData(12, "copy", "copies", "12 copies")]
    public void Of_NounInTheNumberOfTheCount(long count, string one, string? many, string expected) =>
        Assert.Equal(expected, Counted.Of(count, one, many));
}
