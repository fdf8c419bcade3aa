using Syndicate.Site;
using Syndicate.Web;

namespace Syndicate.Tests.Web;

/// <summary>The service's own pages link under Site:BaseUrl, path included, so a blog behind a proxy at /blog/ stays there.</summary>
public sealed class SiteLinkTests
{
    [Theory]
    [InlineData("https://example.org/blog/", "/subscribe", "https://example.org/blog/subscribe")]
    [InlineData("https://example.org/", "/subscribe", "https://example.org/subscribe")]
    [InlineData("https://example.org/blog", "/unsubscribe/a-b_c", "https://example.org/blog/unsubscribe/a-b_c")]
    [InlineData("https://example.org/a&b/", "/feed.xml", "https://example.org/a&amp;b/feed.xml")]
    public void SiteLink_JoinsThePathToTheBaseAddressAndEncodesItForHtml(string baseUrl, string path, string expected) =>
        Assert.Equal(expected, SubscriptionEndpoints.SiteLink(new SiteUrls(baseUrl), path));
}
