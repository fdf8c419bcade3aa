using Syndicate.Feeds;

namespace Syndicate.Tests.Feeds;

public sealed class AtomIdsTests
{
    [Fact]
    public void Version5_RfcExample_IsTheRfcsUuid()
    {
        // RFC 9562 appendix A.4: the DNS namespace and www.example.com.
        var dns = Guid.Parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");

        Assert.Equal(Guid.Parse("2ed6657d-e927-568b-95e1-2665a8aea6a2"), AtomIds.Version5(dns, "www.example.com"));
    }

    [Theory]
    [InlineData("https://example.org/blog/2024/05/01/hello/")]
    [InlineData("urn:uuid:2ed6657d-e927-568b-95e1-2665a8aea6a2")]
    [InlineData("tag:example.org,2024:42")]
    [InlineData("urn:x:1")]
    public void For_AnIri_IsKeptAsWritten(string id) => Assert.Equal(id, AtomIds.For(id));

    [Theory]
    [InlineData("42")]
    [InlineData("/2024/05/01/hello")]
    [InlineData("post 42")]
    [InlineData("tag: spaced")]
    [InlineData("x:")]
    public void For_NotAnIri_IsAStableVersion5Urn(string id)
    {
        var atom = AtomIds.For(id);

        Assert.Matches("^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", atom);
        Assert.Equal(atom, AtomIds.For(id));
        Assert.NotEqual(atom, AtomIds.For(id + "0"));
        Assert.False(AtomIds.IsIri(id));
        Assert.True(AtomIds.IsIri(atom));
    }
}
