using Syndicate.Subscribers;

namespace Syndicate.Tests.Subscribers;

public sealed class EmailAddressRuleTests
{
    [Theory]
    [InlineData("ann@example.org", "ann@example.org")]
    [InlineData("  Ann.Lee@Example.ORG ", "Ann.Lee@example.org")]
    [InlineData("a+tag@mail.example.co.uk", "a+tag@mail.example.co.uk")]
    public void TryNormalize_GoodAddress_TrimmedWithLowerCaseDomain(string input, string expected)
    {
        Assert.True(EmailAddressRule.TryNormalize(input, out var address, out var error), error);
        Assert.Equal(expected, address);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ann")]
    [InlineData("ann@localhost")]
    [InlineData("ann@example.")]
    [InlineData("ann@.example.org")]
    [InlineData("ann@exa..mple.org")]
    [InlineData("Ann <ann@example.org>")]
    [InlineData("ann@example.org, bob@example.org")]
    [InlineData("ann@example.org\r\nBcc: eve@example.org")]
    [InlineData("ann @example.org")]
    [InlineData("@example.org")]
    public void TryNormalize_NotOnePlainAddress_RefusedWithReason(string input)
    {
        Assert.False(EmailAddressRule.TryNormalize(input, out _, out var error));
        Assert.NotEmpty(error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void Key_DiffersOnlyInCase_Same() =>
        Assert.Equal(EmailAddressRule.Key("Ann@Example.org"), EmailAddressRule.Key("ann@example.ORG"));
}
