using System.Net;
using Syndicate.IntegrationTests.Infrastructure;

namespace Syndicate.IntegrationTests.Subscribers;

/// <summary>
/// Behind a reverse proxy every request comes from the proxy's address: with ForwardedHeaders_Enabled the subscribe rate
/// limit counts each visitor by X-Forwarded-For instead, so one visitor cannot block the form for everyone.
/// </summary>
public sealed class ForwardedHeadersTests : IDisposable
{
    private readonly SubscriberSite _site = new();

    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task PostSubscribe_ForwardedHeadersEnabled_LimitsEachForwardedClientOnItsOwn()
    {
        var settings = _site.Settings(requestsPerMinute: 2);
        settings["ForwardedHeaders_Enabled"] = "true";
        await using var service = await RunningService.StartAsync(_site.Site, settings);

        var busy = new List<HttpStatusCode>();
        for (var i = 1; i <= 3; i++)
        {
            busy.Add(await PostAsync(service, $"busy{i}@example.org", "203.0.113.7"));
        }

        var other = await PostAsync(service, "other@example.org", "198.51.100.20");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], busy);
        Assert.Equal(HttpStatusCode.OK, other);
    }

    [Fact]
    public async Task PostSubscribe_ForwardedHeadersNotEnabled_IgnoresXForwardedFor()
    {
        await using var service = await RunningService.StartAsync(_site.Site, _site.Settings(requestsPerMinute: 2));

        var codes = new List<HttpStatusCode>();
        for (var i = 1; i <= 3; i++)
        {
            // A client that claims another address each time is still one client.
            codes.Add(await PostAsync(service, $"claim{i}@example.org", $"198.51.100.{i}"));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], codes);
    }

    private static async Task<HttpStatusCode> PostAsync(RunningService service, string email, string forwardedFor)
    {
        using var response = await service.SendAsync(HttpMethod.Post, "/subscribe", request =>
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
            request.Content = new FormUrlEncodedContent([new("email", email), new("name", "")]);
        });
        return response.StatusCode;
    }
}
