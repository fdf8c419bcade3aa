using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Syndicate.Cli;
using Syndicate.Web;

namespace Syndicate.Hosting;

/// <summary>The command line: no verb or <c>serve</c> runs the service; the other verbs run once and exit.</summary>
internal static class SyndicateProgram
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    /// <summary>The exit code of a verb stopped by Ctrl+C or SIGTERM (128 + SIGINT, what a shell reports for an interrupted command).</summary>
    public const int Interrupted = 130;

    /// <summary>
    /// How long a one-shot verb has, after Ctrl+C or SIGTERM, to record what it did and close its connections before the
    /// process ends anyway (as a kill would: the delivery ledger repeats at most the messages in flight).
    /// </summary>
    internal static readonly TimeSpan VerbStopGrace = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Syndicate publishes a folder of Markdown posts as RSS, Atom and JSON feeds and serves them.");
        var serve = new Command("serve", "Run the service: watch the posts folder, keep the feeds current and serve them over HTTP (the default).");
        var build = new Command("build", "Build every feed once into Feeds:OutputFolder and exit; exit code 1 if any post was rejected.");
        root.Subcommands.Add(serve);
        root.Subcommands.Add(build);
        root.Subcommands.Add(SubscribersCommand());
        root.Subcommands.Add(DigestCommand());
        var statusJson = new Option<bool>("--json") { Description = "JSON for scripts." };
        var status = new Command("status", "Posts, feeds, subscribers, digests, deliveries and the mail server at a glance.") { statusJson };
        status.SetAction((parsed, token) => OneShotAsync((services, output, error, cancel) =>
            StatusCommand.RunAsync(services, parsed.GetValue(statusJson), output, cancel), token));
        root.Subcommands.Add(status);

        root.SetAction((_, token) => ServeAsync(token));
        serve.SetAction((_, token) => ServeAsync(token));
        build.SetAction((_, token) => OneShotAsync(BuildCommand.RunAsync, token, ValidateFeedSections));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync(error.Message);
            }

            await Console.Error.WriteLineAsync("Run with --help to see the commands.");
            return 2;
        }

        // Invoked without a configuration, System.CommandLine leaves Ctrl+C and SIGTERM alone: a one-shot verb was killed on
        // the spot, its token never cancelled (a send-now lost the outcomes it had not recorded yet). Asked to, it cancels the
        // token and gives the verb VerbStopGrace to end, then exits. serve leaves the signals to the host, which stops within
        // its own ShutdownTimeout.
        var serving = parsed.CommandResult.Command == root || parsed.CommandResult.Command == serve;
        return await parsed.InvokeAsync(serving ? null : new InvocationConfiguration { ProcessTerminationTimeout = VerbStopGrace });
    }

    /// <summary>
    /// The service as a web application rooted at <paramref name="contentRoot"/>; <paramref name="configure"/>
    /// lets a test add configuration or put in a service of its own (a clock). It runs before the service
    /// registers its parts, so what it configures (Storage:Provider picks Quartz's store) is seen by them.
    /// </summary>
    public static WebApplication CreateService(string contentRoot, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = contentRoot });
        configure?.Invoke(builder);
        builder.Services.AddSyndicate().AddSyndicateService(builder.Configuration);
        if (string.IsNullOrWhiteSpace(builder.Configuration["Urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrls);
        }

        var app = builder.Build();
        app.UseRateLimiter();
        app.MapFeeds();
        app.MapSubscriptions();
        app.MapAdmin();
        return app;
    }

    /// <summary>A digest id as typed: a whole number above zero, else one sentence saying so (not the parser's type name).</summary>
    private static long DigestId(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && id > 0)
        {
            return id;
        }

        result.AddError($"'{text}' is not a digest id: give the number `digest list` shows, such as 1.");
        return 0;
    }

    private static Command DigestCommand()
    {
        var digest = new Command("digest", "Send digests now and look at past ones.");

        var sendNow = new Command("send-now", "Plan a digest of the posts not yet sent and deliver it, with progress.");
        sendNow.SetAction((parsed, token) => OneShotAsync(DigestSendNowCommand.RunAsync, token));

        var listJson = new Option<bool>("--json") { Description = "JSON for scripts." };
        var list = new Command("list", "Digests with counts of sent, failed and pending deliveries.") { listJson };
        list.SetAction((parsed, token) => OneShotAsync((services, output, error, cancel) =>
            DigestListCommand.RunAsync(services, parsed.GetValue(listJson), output, cancel), token));

        var showId = new Argument<long>("id") { Description = "The digest's id, as `digest list` shows it.", CustomParser = DigestId };
        var showJson = new Option<bool>("--json") { Description = "JSON for scripts." };
        var show = new Command("show", "One digest: its posts, counts and failed deliveries with the server's reply.") { showId, showJson };
        show.SetAction((parsed, token) => OneShotAsync((services, output, error, cancel) =>
            DigestShowCommand.RunAsync(services, parsed.GetValue(showId), parsed.GetValue(showJson), output, error, cancel), token));

        var resendId = new Argument<long>("id") { Description = "The digest to deliver again.", CustomParser = DigestId };
        var resendFailed = new Option<bool>("--failed-only") { Description = "Only to the subscribers whose delivery failed." };
        var resendTo = new Option<string?>("--to") { Description = "Only to this address." };
        var resendForce = new Option<bool>("--force") { Description = "With --to: send even to an address still pending (never to one that unsubscribed)." };
        var resendDry = new Option<bool>("--dry-run") { Description = "Print who would get a copy, and send nothing." };
        var resendRequest = new Option<string?>("--request-id") { Description = "Makes a repeated request a no-op (default: a new id)." };
        var resend = new Command("resend", "Deliver a digest again: to everyone still active, only to failed deliveries, or to one address.")
        {
            resendId, resendFailed, resendTo, resendForce, resendDry, resendRequest,
        };
        resend.SetAction((parsed, token) => OneShotAsync((services, output, error, cancel) => DigestResendCommand.RunAsync(
            services, parsed.GetValue(resendId), parsed.GetValue(resendFailed), parsed.GetValue(resendTo), parsed.GetValue(resendForce),
            parsed.GetValue(resendDry), parsed.GetValue(resendRequest), output, error, cancel), token));

        var previewOut = new Option<string?>("--out") { Description = "Write the preview to this file instead of standard output." };
        var previewText = new Option<bool>("--text") { Description = "The text part instead of the HTML." };
        var previewSendTo = new Option<string?>("--send-to") { Description = "Send one test copy to this address instead." };
        var preview = new Command("preview", "Render the next digest as a subscriber would get it, without sending or recording anything.")
        {
            previewOut, previewText, previewSendTo,
        };
        preview.SetAction((parsed, token) => OneShotAsync((services, output, error, cancel) => DigestPreviewCommand.RunAsync(
            services, parsed.GetValue(previewOut), parsed.GetValue(previewText), parsed.GetValue(previewSendTo), output, error, cancel), token));

        digest.Subcommands.Add(sendNow);
        digest.Subcommands.Add(list);
        digest.Subcommands.Add(show);
        digest.Subcommands.Add(resend);
        digest.Subcommands.Add(preview);
        return digest;
    }

    private static Command SubscribersCommand()
    {
        var subscribers = new Command("subscribers", "Add, list, remove, import and export subscribers.");

        var addEmail = new Argument<string>("email") { Description = "The address to add." };
        var addName = new Option<string?>("--name") { Description = "The subscriber's name." };
        var addConfirmed = new Option<bool>("--confirmed") { Description = "Active at once, without a confirmation mail." };
        var add = new Command("add", "Add a subscriber; without --confirmed a confirmation mail is sent.") { addEmail, addName, addConfirmed };
        add.SetAction((parsed, token) => OneShotAsync((services, output, error, cancel) => SubscribersAddCommand.RunAsync(
            services, parsed.GetValue(addEmail)!, parsed.GetValue(addName), parsed.GetValue(addConfirmed), output, error, cancel), token));

        var listStatus = new Option<string?>("--status") { Description = "Only pending, active or unsubscribed." };
        var listJson = new Option<bool>("--json") { Description = "JSON for scripts." };
        var list = new Command("list", "List subscribers.") { listStatus, listJson };
        list.SetAction((parsed, token) => OneShotAsync((services, output, error, cancel) => SubscribersListCommand.RunAsync(
            services, parsed.GetValue(listStatus), parsed.GetValue(listJson), output, error, cancel), token));

        var removeEmail = new Argument<string>("email") { Description = "The address to unsubscribe." };
        var remove = new Command("remove", "Unsubscribe an address (kept as a suppression).") { removeEmail };
        remove.SetAction((parsed, token) => OneShotAsync((services, output, error, cancel) => SubscribersRemoveCommand.RunAsync(
            services, parsed.GetValue(removeEmail)!, output, error, cancel), token));

        var importFile = new Argument<string>("file") { Description = "A CSV file with a header row naming the email column." };
        var importConfirmed = new Option<bool>("--confirmed") { Description = "Import as active (they already agreed to receive mail)." };
        var import = new Command("import", "Import subscribers from CSV (listmonk and Mailchimp exports work).") { importFile, importConfirmed };
        import.SetAction((parsed, token) => OneShotAsync((services, output, error, cancel) => SubscribersImportCommand.RunAsync(
            services, parsed.GetValue(importFile)!, parsed.GetValue(importConfirmed), output, error, cancel), token));

        var exportFile = new Argument<string?>("file") { Description = "Where to write; standard output when left out.", Arity = ArgumentArity.ZeroOrOne };
        var export = new Command("export", "Export subscribers as CSV, to the file when one is named, else to standard output.") { exportFile };
        export.SetAction((parsed, token) => OneShotAsync((services, output, error, cancel) => SubscribersExportCommand.RunAsync(
            services, parsed.GetValue(exportFile), output, error, cancel), token));

        subscribers.Subcommands.Add(add);
        subscribers.Subcommands.Add(list);
        subscribers.Subcommands.Add(remove);
        subscribers.Subcommands.Add(import);
        subscribers.Subcommands.Add(export);
        return subscribers;
    }

    private static async Task<int> ServeAsync(CancellationToken cancellationToken)
    {
        WebApplication app;
        try
        {
            app = CreateService(Directory.GetCurrentDirectory());
        }
        catch (InvalidDataException ex)
        {
            await Console.Error.WriteLineAsync(ConfigurationFileError(ex));
            return 1;
        }

        try
        {
            // Before the host starts: its hosted services would otherwise meet the bad value first.
            ValidateOptions(app.Services);
            // Also before: the database, the schedule and the feed files are all touched before Kestrel binds.
            if (ServerUrls.FindUnavailable(ServerUrls.Effective(app.Configuration)) is { } unavailable)
            {
                await Console.Error.WriteLineAsync(unavailable);
                return 1;
            }

            // And the database opened (and brought up to date) before the host: a failure inside it is logged with the
            // host's stack trace before anything can explain it.
            var database = app.Services.GetRequiredService<Storage.Database>();
            try
            {
                await database.MigrateAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync(
                    $"Syndicate cannot start: cannot open the database ({database.Location}): {ex.Message.TrimEnd('.')}; " +
                    (database.IsPostgres
                        ? "check Storage:ConnectionString and that the PostgreSQL server is running and reachable."
                        : "check Storage:ConnectionString (its Data Source must name a file in a folder Syndicate may create and write)."));
                return 1;
            }

            await app.RunAsync(cancellationToken);
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            return await ExplainAsync(ex);
        }
        catch (Exception ex) when (ex is IOException { InnerException: AddressInUseException } or SocketException)
        {
            // Taken between the check above and the bind: Kestrel's "Failed to bind to address X: address already in use."
            await Console.Error.WriteLineAsync(ServerUrls.CannotListen(ex.Message));
            return 1;
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or UnauthorizedAccessException or IOException)
        {
            await Console.Error.WriteLineAsync($"Syndicate cannot start: {ex.Message}");
            return 1;
        }
    }

    /// <summary>
    /// appsettings.json (or another configuration file) that is not valid JSON, in one sentence with the file, line and
    /// position, instead of the configuration builder's stack trace.
    /// </summary>
    internal static string ConfigurationFileError(InvalidDataException ex)
    {
        var file = Regex.Match(ex.Message, "'([^']+)'") is { Success: true } match ? match.Groups[1].Value : "a configuration file";
        var cause = ex.InnerException;
        while (cause is not null and not System.Text.Json.JsonException)
        {
            cause = cause.InnerException;
        }

        if (cause is System.Text.Json.JsonException { LineNumber: { } line, BytePositionInLine: { } column } json)
        {
            var reason = Regex.Replace(json.Message, @"\s*(Path: \S*\s*\|?\s*)?LineNumber: \d+ \| BytePositionInLine: \d+\.?$", "").TrimEnd('.', ' ');
            return $"Syndicate cannot start: {file} is not valid JSON: line {line + 1}, position {column + 1}: {reason}; correct it (every {{ and [ closed, keys and text in double quotes, commas between entries) and start again.";
        }

        return $"Syndicate cannot start: {file} cannot be read: {(ex.InnerException ?? ex).Message.TrimEnd('.')}; correct it and start again.";
    }

    /// <param name="validate">Checks the options the verb needs; every section when left out.</param>
    private static async Task<int> OneShotAsync(
        Func<IServiceProvider, TextWriter, TextWriter, CancellationToken, Task<int>> verb, CancellationToken cancellationToken,
        Action<IServiceProvider>? validate = null)
    {
        // A one-shot verb reads its settings once: no watcher on the content root for changes to them, which the
        // database's own writes under data/ would otherwise wake at every commit of a digest being sent.
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("hostBuilder:reloadConfigOnChange", "false")]);
        HostApplicationBuilder builder;
        try
        {
            builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
            {
                ContentRootPath = Directory.GetCurrentDirectory(),
                Configuration = configuration,
            });
        }
        catch (InvalidDataException ex)
        {
            await Console.Error.WriteLineAsync(ConfigurationFileError(ex));
            return 1;
        }

        // A one-shot verb prints its own report; the log shows only what went wrong beyond it, on the console. The
        // default Debug and EventSource loggers only cost a short process its start-up.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole();
        builder.Logging.AddFilter("Syndicate", LogLevel.Error);
        builder.Services.AddSyndicate();
        using var host = builder.Build();
        try
        {
            (validate ?? ValidateOptions)(host.Services);
            return await verb(host.Services, Console.Out, Console.Error, cancellationToken);
        }
        catch (OptionsValidationException ex)
        {
            return await ExplainAsync(ex);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM, for a verb with no word of its own about it (send-now has one): said, not a bare exit code.
            await Console.Error.WriteLineAsync("Stopped before it finished.");
            return Interrupted;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Data.Common.DbException or InvalidOperationException)
        {
            // A file that cannot be written, a database that is locked or gone: one sentence, not a stack trace.
            await Console.Error.WriteLineAsync($"Failed: {ex.Message}");
            return 1;
        }
    }

    /// <summary>Checks every options section at once, so one start names every wrong key.</summary>
    private static void ValidateOptions(IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(inner => inner is OptionsValidationException))
        {
            var failures = ex.InnerExceptions.Cast<OptionsValidationException>().SelectMany(inner => inner.Failures).ToArray();
            throw new OptionsValidationException("Syndicate", typeof(SyndicateProgram), failures);
        }
    }

    /// <summary>
    /// <c>build</c> needs only the site, posts, feeds and storage sections: a mail or template setting
    /// must not stop a feed build, and checking them costs a one-shot process time.
    /// </summary>
    private static void ValidateFeedSections(IServiceProvider services)
    {
        var failures = new List<string>();
        Collect<Site.SiteOptions>(services, failures);
        Collect<Posts.PostsOptions>(services, failures);
        Collect<Feeds.FeedsOptions>(services, failures);
        Collect<Storage.StorageOptions>(services, failures);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException("Syndicate", typeof(SyndicateProgram), failures);
        }
    }

    private static void Collect<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(
        IServiceProvider services, List<string> failures)
        where TOptions : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<TOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            failures.AddRange(ex.Failures);
        }
    }

    private static async Task<int> ExplainAsync(OptionsValidationException ex)
    {
        await Console.Error.WriteLineAsync("Syndicate cannot start: the configuration needs a change.");
        foreach (var failure in ex.Failures)
        {
            await Console.Error.WriteLineAsync("  " + failure);
        }

        await Console.Error.WriteLineAsync("Settings come from appsettings.json in the folder Syndicate runs from, or environment variables such as Site__BaseUrl.");
        return 1;
    }
}
