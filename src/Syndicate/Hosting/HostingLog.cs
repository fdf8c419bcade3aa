using Microsoft.Extensions.Logging;

namespace Syndicate.Hosting;

/// <summary>Start-up lines, EventId band 6xxx (the web shell).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(6001, LogLevel.Information, "Feeds served at {Address}/feed.xml (RSS), {Address}/atom.xml (Atom) and {Address}/feed.json (JSON Feed), per tag under {Address}/tags/TAG/; {Feeds} feeds in all")]
    public static partial void Serving(ILogger logger, string address, int feeds);

    [LoggerMessage(6002, LogLevel.Information, "Watching {PostsFolder} for posts: add or edit a .md file there and the feeds follow within a second")]
    public static partial void Watching(ILogger logger, string postsFolder);

    [LoggerMessage(6003, LogLevel.Information, "Feed files are written to {OutputFolder} for any web server to serve as static files")]
    public static partial void Writing(ILogger logger, string outputFolder);

    [LoggerMessage(6004, LogLevel.Information, "Database {Database} ready (schema version {SchemaVersion})")]
    public static partial void DatabaseReady(ILogger logger, string database, int schemaVersion);

    [LoggerMessage(6005, LogLevel.Information, "Mail (confirmations and digests) is written as .eml files to {PickupFolder} (Mail:Mode Pickup); set Mail:Mode to Smtp and Mail:Smtp:Host to send for real")]
    public static partial void MailToFolder(ILogger logger, string pickupFolder);

    [LoggerMessage(6006, LogLevel.Information, "Mail (confirmations and digests) goes to the SMTP server {SmtpHost}:{SmtpPort}")]
    public static partial void MailToSmtp(ILogger logger, string smtpHost, int smtpPort);

    [LoggerMessage(6007, LogLevel.Information, "Add a subscriber with `dotnet run --project src/Syndicate -- subscribers add you@example.org --confirmed`, or through the form at {Address}/subscribe; subscribers live in {Database}")]
    public static partial void HowToSubscribe(ILogger logger, string address, string database);

    [LoggerMessage(6008, LogLevel.Information,
        "Cluster node {Node}: every node on {Database} shares the digest schedule (Quartz clustering, one node fires each slot) and sends a share of each digest; run as many as you like with the same settings and posts folder")]
    public static partial void ClusterNode(ILogger logger, string node, string database);
}
