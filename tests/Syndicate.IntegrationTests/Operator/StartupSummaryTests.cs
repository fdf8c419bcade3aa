using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.IntegrationTests.Subscribers;

namespace Syndicate.IntegrationTests.Operator;

/// <summary>
/// What a newcomer reads when the service starts: where the feeds are served, which folder is watched, where the feed
/// files and the mail go and how to add a subscriber, each said once; where mail goes is not said twice.
/// </summary>
public sealed class StartupSummaryTests : IDisposable
{
    private readonly SubscriberSite _site = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task Start_SaysOnceWhereEverythingIs_AndWhereMailGoesOnlyWithTheFirstMail()
    {
        await using var service = await _site.StartAsync();
        await Eventually.UntilAsync(() => service.Logs.WithId(6007).Count > 0, "the start-up summary");

        var address = service.Address.ToString().TrimEnd('/');
        Assert.Contains($"{address}/feed.xml (RSS), {address}/atom.xml (Atom) and {address}/feed.json (JSON Feed)",
            Assert.Single(service.Logs.WithId(6001)).Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_site.Root, "posts"), Assert.Single(service.Logs.WithId(6002)).Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_site.Root, "out"), Assert.Single(service.Logs.WithId(6003)).Message, StringComparison.Ordinal);
        Assert.Contains(_site.Outbox, Assert.Single(service.Logs.WithId(6005)).Message, StringComparison.Ordinal);
        var howTo = Assert.Single(service.Logs.WithId(6007)).Message;
        Assert.Contains("subscribers add you@example.org --confirmed", howTo, StringComparison.Ordinal);
        Assert.Contains($"{address}/subscribe", howTo, StringComparison.Ordinal);
        Assert.Empty(service.Logs.WithId(5007));

        foreach (var email in new[] { "ann@example.org", "bob@example.org" })
        {
            using var response = await service.SendAsync(HttpMethod.Post, "/subscribe", request =>
                request.Content = new FormUrlEncodedContent([new("email", email), new("name", "")]));
            response.EnsureSuccessStatusCode();
        }

        Assert.Equal(2, (await _site.MailsAsync(2)).Length);
        Assert.Contains(_site.Outbox, Assert.Single(service.Logs.WithId(5007)).Message, StringComparison.Ordinal);
    }
}
