using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Syndicate.Digests;
using Syndicate.Feeds;
using Syndicate.Mail;
using Syndicate.Posts;
using Syndicate.Scheduling;
using Syndicate.Site;
using Syndicate.Status;
using Syndicate.Storage;
using Syndicate.Subscribers;
using Syndicate.Templates;
using Syndicate.Web;

namespace Syndicate.Hosting;

/// <summary>Registers every area, in the order the flow runs: site, posts, feeds, storage.</summary>
internal static class SyndicateServices
{
    public static IServiceCollection AddSyndicate(this IServiceCollection services)
    {
        // A clock registered before (a test's) stays.
        services.TryAddSingleton(TimeProvider.System);
        // A setting that is not of its type (Mail:Smtp:Port=abc) is reported with the other wrong settings, not thrown as it is.
        services.Replace(ServiceDescriptor.Transient(typeof(IOptionsFactory<>), typeof(ReportingOptionsFactory<>)));
        services.AddSite();
        services.AddPosts();
        services.AddFeeds();
        services.AddStorage();
        services.AddTemplates();
        services.AddMail();
        services.AddSubscribers();
        services.AddDigests();
        return services;
    }

    /// <summary>The parts that only a running service needs: the folder watcher, the confirmation sender and the start-up summary.</summary>
    public static IServiceCollection AddSyndicateService(this IServiceCollection services, IConfiguration configuration)
    {
        // Urls is Kestrel's, read when it binds, after every other part has started: checked at start with the other settings.
        services.AddOptions<ServerUrlsOptions>().Configure<IConfiguration>((options, settings) => options.Urls = ServerUrls.Effective(settings)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServerUrlsOptions>, ServerUrlsOptionsValidator>();
        services.AddHostedService<DatabaseStartup>();
        // Only the service schedules: a CLI verb never starts Quartz.
        services.AddScheduling(configuration);
        services.AddHostedService<PostWatcher>();
        services.AddHostedService<DigestResumer>();
        // The public form's confirmation mails, sent outside the request; registered before the web server, so it stops after it.
        services.AddHostedService<ConfirmationSender>();
        services.AddSubscriptionRateLimit();
        services.AddAdmin();
        services.AddHostedService<StartupSummary>();
        // Problem answers (Results.Problem) through metadata made at build time: the native AOT executable has no
        // reflection-made serializer. The service's other JSON goes through JsonOutput.
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ProblemJson.Default));
        return services;
    }

    private static void AddSite(this IServiceCollection services)
    {
        services.AddValidatedOptions<SiteOptions, SiteOptionsValidator>(options => options.BindConfiguration(SiteOptions.Section));
        services.AddSingleton<SiteUrls>();
    }

    private static void AddPosts(this IServiceCollection services)
    {
        services.AddValidatedOptions<PostsOptions, PostsOptionsValidator>(options => options.BindConfiguration(PostsOptions.Section));
        services.AddSingleton<PostParser>();
        services.AddSingleton<PostRenderer>();
        services.AddSingleton<PostCatalog>();
        services.AddSingleton<PostLedger>();
    }

    private static void AddFeeds(this IServiceCollection services)
    {
        services.AddValidatedOptions<FeedsOptions, FeedsOptionsValidator>(options => options.BindConfiguration(FeedsOptions.Section));
        services.AddSingleton<FeedBuilder>();
        services.AddSingleton<FeedOutput>();
        services.AddSingleton<FeedStore>();
        services.AddSingleton<FeedPublisher>();
        services.AddSingleton<WebSubNotifier>();
        services.AddHttpClient(WebSubNotifier.ClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
    }

    private static void AddStorage(this IServiceCollection services)
    {
        services.AddValidatedOptions<StorageOptions, StorageOptionsValidator>(options => options.BindConfiguration(StorageOptions.Section));
        services.AddSingleton<Database>();
        services.AddSingleton<DatabaseOutage>();
    }

    private static void AddDigests(this IServiceCollection services)
    {
        services.AddValidatedOptions<DigestOptions, DigestOptionsValidator>(options => options.BindConfiguration(DigestOptions.Section));
        services.AddSingleton<DigestStore>();
        services.AddSingleton<DigestMessages>();
        services.AddSingleton<DigestSender>();
        services.AddSingleton<DigestService>();
        services.AddSingleton<DigestResender>();
        services.AddSingleton<DigestPreview>();
        services.AddSingleton<StatusReporter>();
        services.AddSingleton<IScheduledDigests>(provider => provider.GetRequiredService<DigestService>());
    }

    private static void AddSubscribers(this IServiceCollection services)
    {
        services.AddValidatedOptions<SubscribersOptions, SubscribersOptionsValidator>(options => options.BindConfiguration(SubscribersOptions.Section));
        services.AddSingleton<TokenSigner>();
        services.AddSingleton<SubscriberStore>();
        services.AddSingleton<ConfirmationQueue>();
        services.AddSingleton<SubscriptionService>();
        services.AddSingleton<SubscriberCsv>();
    }

    /// <param name="bind">Binds the section: called with the options type named, so that the configuration binding generator makes its code.</param>
    private static void AddValidatedOptions<
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(
        this IServiceCollection services, Action<OptionsBuilder<TOptions>> bind)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        var options = services.AddOptions<TOptions>();
        bind(options);
        options.ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
    }
}

/// <summary>The problem answers' JSON metadata, generated at build time.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails))]
internal sealed partial class ProblemJson : System.Text.Json.Serialization.JsonSerializerContext;
