using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Fluid;
using Fluid.Values;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Syndicate.Templates;

/// <summary>
/// The operator's Liquid templates from Digest:TemplatesFolder, parsed once when the service starts. A mail
/// named <c>confirm</c> is <c>confirm.html</c> rendered inside <c>layout.html</c> (as <c>content</c>) with its CSS
/// moved inline, and <c>confirm.txt</c> as the text part. Values are HTML-encoded in .html templates unless the
/// template says <c>| raw</c>; .txt templates print them as they are. Model properties are read in snake_case
/// (<c>ConfirmUrl</c> is <c>confirm_url</c>). The layout gets the model too, and the <c>preheader</c> the mail's .html
/// template set with assign or capture, if it did (<see cref="Preheader"/>). Thread-safe: each render has its own context.
/// </summary>
internal sealed class TemplateSet
{
    public const string LayoutFile = "layout.html";

    // Encodes the HTML-significant characters (and those HTML cannot carry) but leaves letters of every script
    // readable in the source, which keeps the quoted-printable body small and the HTML greppable.
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly IReadOnlyDictionary<string, IFluidTemplate> _templates;
    private readonly TemplateOptions _options;

    public TemplateSet(IOptions<TemplatesOptions> options, IHostEnvironment environment)
    {
        // The validator has parsed the folder already and reported every problem at start; parsing again here keeps
        // the parsed templates without a second registration, and catches a file changed in between.
        var load = TemplateLoader.Load(FolderPath(options.Value, environment), options.Value.TemplatesFolder);
        if (load.Failures.Count > 0)
        {
            throw new OptionsValidationException(TemplatesOptions.Section, typeof(TemplatesOptions), load.Failures);
        }

        Folder = FolderPath(options.Value, environment);
        _templates = load.Templates;
        _options = new TemplateOptions
        {
            // Models are Syndicate's own records and anonymous objects, so every public property may be read; the
            // templates come from the operator, who runs the service anyway.
            MemberAccessStrategy = new UnsafeMemberAccessStrategy { MemberNameStrategy = MemberNameStrategies.SnakeCase },
            CultureInfo = CultureInfo.InvariantCulture,
            TimeZone = TimeZoneInfo.Utc,
        };
    }

    public string Folder { get; }

    public static string FolderPath(TemplatesOptions options, IHostEnvironment environment) =>
        Path.GetFullPath(options.TemplatesFolder, environment.ContentRootPath);

    /// <summary>True when <c>{name}.html</c> or <c>{name}.txt</c> was loaded.</summary>
    public bool Has(string name) => _templates.ContainsKey(name + ".html") || _templates.ContainsKey(name + ".txt");

    /// <summary>
    /// Renders <c>{name}.html</c> in the layout with CSS inlined, and <c>{name}.txt</c>. A missing .txt gives an empty
    /// text; a missing .html throws <see cref="KeyNotFoundException"/> (the required ones are checked at start).
    /// </summary>
    public RenderedMail Render(string name, object model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var innerContext = new TemplateContext(model, _options);
        FluidValue? preheader = null;
        innerContext.Assigned = (variable, value, _) => Watch(variable, value);
        innerContext.Captured = (variable, value, _) => Watch(variable, value);
        var inner = Template(name + ".html").Render(innerContext, Html);
        var layoutContext = new TemplateContext(model, _options);
        layoutContext.SetValue("content", new StringValue(inner, encode: false));
        // The mail's template may set the preheader the layout prints (confirm.html does), in place of the model's.
        if (preheader is not null)
        {
            layoutContext.SetValue(Preheader.Variable, OneLine(preheader));
        }

        var html = CssInliner.Inline(Template(LayoutFile).Render(layoutContext, Html));
        var text = _templates.TryGetValue(name + ".txt", out var textTemplate)
            ? textTemplate.Render(new TemplateContext(model, _options), NullEncoder.Default)
            : "";
        return new RenderedMail(html, NormalizeText(text));

        ValueTask<FluidValue> Watch(string variable, FluidValue value)
        {
            if (string.Equals(variable, Preheader.Variable, StringComparison.Ordinal))
            {
                preheader = value;
            }

            return ValueTask.FromResult(value);
        }
    }

    /// <summary>
    /// A preheader set by a template, on one line. An assigned value stays text, encoded where the layout prints it; a
    /// captured one was encoded as it was rendered, and stays as it is.
    /// </summary>
    private static StringValue OneLine(FluidValue value) =>
        value is StringValue { Encode: false }
            ? new StringValue(Preheader.CleanHtml(value.ToStringValue()), encode: false)
            : new StringValue(Preheader.Clean(value.ToStringValue()));

    /// <summary>Renders one template file on its own, HTML-encoded if it is .html: for previews and tests.</summary>
    public string RenderFile(string file, object model) =>
        Template(file).Render(new TemplateContext(model, _options), file.EndsWith(".html", StringComparison.Ordinal) ? Html : NullEncoder.Default);

    private IFluidTemplate Template(string file) =>
        _templates.TryGetValue(file, out var template)
            ? template
            : throw new KeyNotFoundException($"Template {file} is not in {Folder}.");

    // Liquid tags leave blank lines behind; a text mail reads better with at most one in a row and LF line ends.
    private static string NormalizeText(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(line => line.TrimEnd());
        var kept = new List<string>();
        foreach (var line in lines)
        {
            if (line.Length == 0 && (kept.Count == 0 || kept[^1].Length == 0))
            {
                continue;
            }

            kept.Add(line);
        }

        while (kept.Count > 0 && kept[^1].Length == 0)
        {
            kept.RemoveAt(kept.Count - 1);
        }

        return string.Join('\n', kept) + "\n";
    }
}

/// <summary>One rendered mail: the HTML part (layout applied, CSS inline) and the text part.</summary>
internal sealed record RenderedMail(string Html, string Text);
