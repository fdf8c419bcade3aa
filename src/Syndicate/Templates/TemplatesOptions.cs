using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Syndicate.Templates;

/// <summary>Where the operator's Liquid mail templates live (read from the Digest section, beside the digest schedule).</summary>
internal sealed class TemplatesOptions
{
    public const string Section = "Digest";

    /// <summary>Digest:TemplatesFolder, the folder of layout.html, confirm.html, confirm.txt and the digest templates (relative to the content root).</summary>
    public string TemplatesFolder { get; set; } = "templates";
}

/// <summary>
/// Parses every template at start, so a typo stops the service with the file, the line and Fluid's message
/// instead of failing the first confirmation mail.
/// </summary>
internal sealed class TemplatesOptionsValidator(IHostEnvironment environment) : IValidateOptions<TemplatesOptions>
{
    public ValidateOptionsResult Validate(string? name, TemplatesOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.TemplatesFolder))
        {
            return ValidateOptionsResult.Fail("Digest:TemplatesFolder is empty; set it to the folder of the mail templates, for example templates.");
        }

        var failures = TemplateLoader.Load(TemplateSet.FolderPath(options, environment), options.TemplatesFolder).Failures;
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
