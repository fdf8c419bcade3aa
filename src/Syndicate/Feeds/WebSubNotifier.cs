using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Syndicate.Feeds;

/// <summary>Tells the WebSub hub (Feeds:WebSubHub) which feeds changed: a publish ping per feed URL (WebSub 1.0 section 7, as hubs implement it).</summary>
internal sealed class WebSubNotifier(IHttpClientFactory clients, IOptions<FeedsOptions> options, ILogger<WebSubNotifier> logger)
{
    public const string ClientName = "websub";

    public bool Enabled => !string.IsNullOrWhiteSpace(options.Value.WebSubHub);

    public async Task NotifyAsync(IEnumerable<string> feedUrls, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        var hub = options.Value.WebSubHub.Trim();
        var client = clients.CreateClient(ClientName);
        foreach (var url in feedUrls)
        {
            try
            {
                using var content = new FormUrlEncodedContent([new("hub.mode", "publish"), new("hub.url", url)]);
                using var response = await client.PostAsync(new Uri(hub), content, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    FeedsLog.HubPinged(logger, hub, url);
                }
                else
                {
                    FeedsLog.HubPingFailed(logger, hub, url, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                FeedsLog.HubPingFailed(logger, hub, url, ex.Message);
            }
        }
    }
}
