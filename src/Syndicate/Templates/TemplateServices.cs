using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Syndicate.Templates;

/// <summary>Registers Digest:TemplatesFolder (every template parsed at start) and the <see cref="TemplateSet"/>.</summary>
internal static class TemplateServices
{
    public static IServiceCollection AddTemplates(this IServiceCollection services)
    {
        services.AddOptions<TemplatesOptions>().BindConfiguration(TemplatesOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TemplatesOptions>, TemplatesOptionsValidator>();
        services.AddSingleton<TemplateSet>();
        return services;
    }
}
