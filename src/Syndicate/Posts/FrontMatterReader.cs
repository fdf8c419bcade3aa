using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Syndicate.Posts;

/// <summary>
/// Reads typed values out of a front matter block, collecting a diagnostic with the file line for
/// every key of the wrong shape instead of stopping at the first.
/// </summary>
internal sealed partial class FrontMatterReader(string file, int firstLine)
{
    private readonly List<PostDiagnostic> _errors = [];
    private readonly List<PostDiagnostic> _warnings = [];
    private Dictionary<string, YamlNode> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    public IReadOnlyList<PostDiagnostic> Errors => _errors;

    public IReadOnlyList<PostDiagnostic> Warnings => _warnings;

    public bool Load(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(ExpandIndentTabs(yaml)));
        }
        catch (YamlException ex)
        {
            var message = CleanMessage(ex.InnerException is YamlException inner ? inner.Message : ex.Message);
            _errors.Add(new PostDiagnostic(file, FileLine(ex.Start.Line), null,
                $"the front matter is not valid YAML: {message}; check the quoting and indentation on that line (a title holding a colon needs quotes)."));
            return false;
        }
        catch (ArgumentException ex)
        {
            // YamlDotNet reports a key given twice as an ArgumentException from its dictionary.
            _errors.Add(new PostDiagnostic(file, null, null, $"the front matter is not valid YAML: {ex.Message}; give each key once."));
            return false;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return true;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            _errors.Add(new PostDiagnostic(file, FileLine(stream.Documents[0].RootNode.Start.Line), null,
                "the front matter must be key: value lines, such as title: Hello."));
            return false;
        }

        _values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (key, value) in root.Children)
        {
            if (key is YamlScalarNode { Value: { } name })
            {
                _values[name] = value;
                _lines[name] = FileLine(key.Start.Line);
            }
        }

        return true;
    }

    public bool Has(string key) => _values.ContainsKey(key);

    public int? LineOf(string key) => _lines.TryGetValue(key, out var line) ? line : null;

    public void Error(string key, int? line, string message) => _errors.Add(new PostDiagnostic(file, line, key, message));

    /// <summary>A text value; null when absent or null. A mapping may stand in when it has <paramref name="mappingKey"/>.</summary>
    public string? Text(string key, bool singleLine, string? mappingKey = null)
    {
        if (!_values.TryGetValue(key, out var node))
        {
            return null;
        }

        if (node is YamlMappingNode mapping && mappingKey is not null)
        {
            node = mapping.Children.TryGetValue(new YamlScalarNode(mappingKey), out var inner) ? inner : new YamlScalarNode();
        }

        if (node is not YamlScalarNode scalar)
        {
            Error(key, FileLine(node.Start.Line), $"{key} must be text, not a {Shape(node)}; write it on one line after {key}:.");
            return null;
        }

        return IsNull(scalar) ? null : Clean(key, scalar.Value!, singleLine, FileLine(scalar.Start.Line));
    }

    /// <summary>A list of words: a YAML sequence or a space-separated string, as Jekyll takes tags and categories.</summary>
    public IReadOnlyList<string> List(string key)
    {
        if (!_values.TryGetValue(key, out var node))
        {
            return [];
        }

        var items = new List<string>();
        switch (node)
        {
            case YamlScalarNode scalar when IsNull(scalar):
                break;
            case YamlScalarNode scalar:
                items.AddRange(scalar.Value!.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
                break;
            case YamlSequenceNode sequence:
                foreach (var child in sequence.Children)
                {
                    if (child is YamlScalarNode { Value: { } value } childScalar && !IsNull(childScalar))
                    {
                        items.Add(value);
                    }
                    else if (child is not YamlScalarNode)
                    {
                        Error(key, FileLine(child.Start.Line), $"{key} must be a list of words or a space-separated string; this entry is a {Shape(child)}.");
                        return [];
                    }
                }

                break;
            default:
                Error(key, FileLine(node.Start.Line), $"{key} must be a list such as [news, dotnet] or a space-separated string, not a {Shape(node)}.");
                return [];
        }

        return items
            .Select(item => Clean(key, item, singleLine: true, FileLine(node.Start.Line)))
            .Where(item => item.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToArray();
    }

    /// <summary>A yes/no value; null when absent.</summary>
    public bool? Bool(string key)
    {
        if (!_values.TryGetValue(key, out var node) || node is YamlScalarNode scalarNull && IsNull(scalarNull))
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } value })
        {
            switch (value.Trim().ToLowerInvariant())
            {
                case "true" or "yes" or "on" or "y":
                    return true;
                case "false" or "no" or "off" or "n":
                    return false;
            }
        }

        Error(key, FileLine(node.Start.Line), $"{key} must be true or false.");
        return null;
    }

    /// <summary>A person: a name, or a mapping with name and email (as jekyll-feed takes author).</summary>
    public (string? Name, string? Email) Person(string key)
    {
        if (_values.TryGetValue(key, out var node) && node is YamlMappingNode mapping)
        {
            string? Get(string name) =>
                mapping.Children.TryGetValue(new YamlScalarNode(name), out var value) && value is YamlScalarNode scalar && !IsNull(scalar)
                    ? Clean(key, scalar.Value!, singleLine: true, FileLine(scalar.Start.Line))
                    : null;
            return (Get("name"), Get("email"));
        }

        return (Text(key, singleLine: true), null);
    }

    private string Clean(string key, string value, bool singleLine, int line)
    {
        // Control characters would break XML 1.0 and mail headers; line breaks have no place in a title.
        var hadControl = false;
        var builder = new StringBuilder(value.Length);
        foreach (var ch in value)
        {
            if (ch is '\n' or '\r' or '\t')
            {
                builder.Append(singleLine ? ' ' : ch);
            }
            else if (char.IsControl(ch) || ch is '\u2028' or '\u2029' or '\uFFFE' or '\uFFFF')
            {
                hadControl = true;
                builder.Append(' ');
            }
            else
            {
                builder.Append(ch);
            }
        }

        if (hadControl)
        {
            _warnings.Add(new PostDiagnostic(file, line, key, "the value holds control characters; they were replaced with spaces.", IsError: false));
        }

        var text = builder.ToString();
        return singleLine ? Spaces().Replace(text, " ").Trim() : text.Trim();
    }

    private int FileLine(long yamlLine) => firstLine + (int)Math.Max(0, yamlLine - 1);

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Value is null
        || (scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL");

    private static string Shape(YamlNode node) => node switch
    {
        YamlMappingNode => "set of key: value pairs",
        YamlSequenceNode => "list",
        _ => "value",
    };

    private static string ExpandIndentTabs(string yaml)
    {
        // YAML forbids tabs for indentation, yet editors insert them; read a leading tab as two spaces.
        if (!yaml.Contains('\t', StringComparison.Ordinal))
        {
            return yaml;
        }

        return LeadingTabs().Replace(yaml, match => match.Value.Replace("\t", "  ", StringComparison.Ordinal));
    }

    private static string CleanMessage(string message)
    {
        var cleaned = YamlPosition().Replace(message, "").Trim();
        return cleaned.Length == 0 ? message : cleaned.TrimEnd('.');
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"(?m)^[ \t]+")]
    private static partial Regex LeadingTabs();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex YamlPosition();
}
