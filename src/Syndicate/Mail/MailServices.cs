using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Syndicate.Subscribers;

namespace Syndicate.Mail;

/// <summary>Registers Mail:* and the transport Mail:Mode chooses, with the confirmation mailer that sends through it.</summary>
internal static class MailServices
{
    /// <summary>
    /// Mail options (validated at start), <see cref="MailSigner"/>, <see cref="MailComposer"/>, both transports and
    /// <see cref="IMailTransport"/> as the one Mail:Mode names, and <see cref="ConfirmationMailer"/>, which also needs
    /// <c>AddTemplates()</c> and the Site options.
    /// </summary>
    public static IServiceCollection AddMail(this IServiceCollection services)
    {
        services.AddOptions<MailOptions>().BindConfiguration(MailOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MailOptions>, MailOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<MailSigner>();
        services.AddSingleton<MailComposer>();
        services.AddSingleton<PickupMailTransport>();
        services.AddSingleton<SmtpPacer>();
        services.AddSingleton<SmtpMailTransport>();
        // A transport registered before (a test's) stays.
        services.TryAddSingleton<IMailTransport>(provider =>
            provider.GetRequiredService<IOptions<MailOptions>>().Value.ParsedMode() == MailMode.Smtp
                ? provider.GetRequiredService<SmtpMailTransport>()
                : provider.GetRequiredService<PickupMailTransport>());
        services.AddSingleton<ConfirmationMailer>();
        return services;
    }
}
