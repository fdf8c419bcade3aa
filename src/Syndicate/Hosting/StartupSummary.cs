using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Syndicate.Digests;
using Syndicate.Feeds;
using Syndicate.Mail;
using Syndicate.Posts;
using Syndicate.Storage;

namespace Syndicate.Hosting;

/// <summary>Says, once the web server listens, where everything is: a newcomer's map of the running service.</summary>
internal sealed class StartupSummary(
    IHostApplicationLifetime lifetime, IServer server, PostCatalog catalog, FeedOutput output, FeedStore store,
    IOptions<MailOptions> mail, IHostEnvironment environment, Database database, DigestSender sender, ILogger<StartupSummary> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "(no address)";
            HostingLog.Serving(logger, address.TrimEnd('/'), store.Count);
            HostingLog.Watching(logger, catalog.Folder);
            HostingLog.Writing(logger, output.Folder);
            if (mail.Value.ParsedMode() == MailMode.Smtp)
            {
                HostingLog.MailToSmtp(logger, mail.Value.Smtp.Host, mail.Value.Smtp.Port);
            }
            else
            {
                HostingLog.MailToFolder(logger, Path.GetFullPath(mail.Value.PickupFolder, environment.ContentRootPath));
            }

            HostingLog.HowToSubscribe(logger, address.TrimEnd('/'), database.Location);
            if (database.IsPostgres)
            {
                HostingLog.ClusterNode(logger, sender.Sender, database.Location);
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
