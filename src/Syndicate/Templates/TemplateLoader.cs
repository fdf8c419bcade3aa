using System.Text.RegularExpressions;
using Fluid;

namespace Syndicate.Templates;

/// <summary>Reads and parses every .html and .txt template of a folder; problems come back as one sentence each.</summary>
internal static partial class TemplateLoader
{
    /// <summary>The templates the service cannot send mail without.</summary>
    public static readonly IReadOnlyList<string> Required = [TemplateSet.LayoutFile, "confirm.html", "confirm.txt"];

    private static readonly FluidParser Parser = new();

    public static TemplateLoad Load(string folder, string configured)
    {
        var templates = new Dictionary<string, IFluidTemplate>(StringComparer.Ordinal);
        var failures = new List<string>();
        LoadDefaults(templates);
        if (!Directory.Exists(folder))
        {
            // No folder: the defaults built into the executable serve, as they do for any file a folder lacks.
            return new TemplateLoad(templates, failures);
        }

        var files = Directory.EnumerateFiles(folder)
            .Where(path => path.EndsWith(".html", StringComparison.Ordinal) || path.EndsWith(".txt", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (var path in files)
        {
            var file = Path.GetFileName(path);
            string source;
            try
            {
                source = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                failures.Add($"Template {Display(configured, file)} cannot be read ({ex.Message.TrimEnd('.')}); make it readable by the service.");
                continue;
            }

            if (Parser.TryParse(source, out var template, out var error))
            {
                templates[file] = template;
            }
            else
            {
                failures.Add(Explain(Display(configured, file), error));
            }
        }

        foreach (var required in Required)
        {
            if (!templates.ContainsKey(required) && !failures.Exists(failure => failure.Contains(Display(configured, required), StringComparison.Ordinal)))
            {
                failures.Add($"Template {Display(configured, required)} is missing; copy it from the repository's templates/ folder.");
            }
        }

        return new TemplateLoad(templates, failures);
    }

    private static void LoadDefaults(Dictionary<string, IFluidTemplate> templates)
    {
        const string prefix = "Syndicate.DefaultTemplates.";
        var assembly = typeof(TemplateLoader).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(name => name.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            if (Parser.TryParse(reader.ReadToEnd(), out var template, out _))
            {
                templates[resource[prefix.Length..]] = template;
            }
        }
    }

    /// <summary>Fluid reports "message at (line:column)" and then the source line; the sentence keeps the first part.</summary>
    private static string Explain(string file, string error)
    {
        var message = error.Split('\n', 2)[0].Trim();
        var position = Position().Match(message);
        if (!position.Success)
        {
            return $"Template {file} does not parse: {message}; fix the template and start again.";
        }

        var reason = message[..position.Index].TrimEnd();
        return $"Template {file} line {position.Groups["line"].Value}, column {position.Groups["column"].Value}: {reason}; fix the template and start again.";
    }

    private static string Display(string configured, string file) => $"{configured.TrimEnd('/', '\\')}/{file}";

    [GeneratedRegex(@"at \((?<line>\d+):(?<column>\d+)\)\s*$")]
    private static partial Regex Position();
}

/// <summary>The parsed templates by file name, and the sentences of the ones that failed.</summary>
internal sealed record TemplateLoad(IReadOnlyDictionary<string, IFluidTemplate> Templates, IReadOnlyList<string> Failures);
