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
    private Dictionary<string, FrontMatterValue> _values = [];
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    public IReadOnlyList<PostDiagnostic> Errors => _errors;

    public IReadOnlyList<PostDiagnostic> Warnings => _warnings;

    public bool Load(string yaml)
    {
        var text = ExpandIndentTabs(yaml);
        if (FrontMatterEvents.TryRead(text, out var root))
        {
            return Accept(root);
        }

        // Anything the event reader leaves alone (invalid YAML, anchors, tags, a key given twice,
        // more than one document) goes through YamlStream, whose errors the diagnostics quote.
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex) when (FrontMatterEvents.FindDuplicateKey(text) is { } duplicate && duplicate.SecondLine == ex.Start.Line)
        {
            _errors.Add(new PostDiagnostic(file, FileLine(duplicate.SecondLine), null,
                $"the key {duplicate.Key} is given twice, on lines {FileLine(duplicate.FirstLine)} and {FileLine(duplicate.SecondLine)}; keep one of them."));
            return false;
        }
        catch (YamlException ex)
        {
            var message = CleanMessage(ex.InnerException is YamlException inner ? inner.Message : ex.Message);
            _errors.Add(new PostDiagnostic(file, FileLine(ex.Start.Line), null,
                $"the front matter is not valid YAML: {message}; check the quoting and indentation on that line (a title holding a colon needs quotes)."));
            return false;
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner gives up this way, with no position, on some unfinished inline lists and mappings.
            _errors.Add(UnclosedBracketLine(text) is { } line
                ? new PostDiagnostic(file, FileLine(line), null,
                    "the front matter is not valid YAML: the list or mapping opened with [ or { on this line is never closed; add the closing ] or } on the same line.")
                : new PostDiagnostic(file, null, null,
                    $"the front matter is not valid YAML ({ex.Message}); check the quoting, the indentation and that every [ and {{ is closed."));
            return false;
        }
        catch (ArgumentException ex)
        {
            // YamlDotNet reports a key given twice as an ArgumentException from its dictionary.
            _errors.Add(new PostDiagnostic(file, null, null, $"the front matter is not valid YAML: {ex.Message}; give each key once."));
            return false;
        }

        return Accept(stream.Documents.Count == 0 ? null : FrontMatterValue.From(stream.Documents[0].RootNode));
    }

    private bool Accept(FrontMatterValue? root)
    {
        if (root is null || root.Scalar == "")
        {
            return true;
        }

        if (root.Pairs is not { } pairs)
        {
            _errors.Add(new PostDiagnostic(file, FileLine(root.Line), null,
                "the front matter must be key: value lines, such as title: Hello."));
            return false;
        }

        _values = new Dictionary<string, FrontMatterValue>(pairs.Count, StringComparer.Ordinal);
        _lines.EnsureCapacity(pairs.Count);
        foreach (var (name, keyLine, value) in pairs)
        {
            _values[name] = value;
            _lines[name] = FileLine(keyLine);
        }

        return true;
    }

    public bool Has(string key) => _values.ContainsKey(key);

    /// <summary>A warning about a key's value: the post publishes, and the log says what to change.</summary>
    public void Warn(string key, string message) =>
        _warnings.Add(new PostDiagnostic(file, _lines.TryGetValue(key, out var line) ? line : null, key, message, IsError: false));

    public int? LineOf(string key) => _lines.TryGetValue(key, out var line) ? line : null;

    public void Error(string key, int? line, string message) => _errors.Add(new PostDiagnostic(file, line, key, message));

    /// <summary>A text value; null when absent or null. A mapping may stand in when it has <paramref name="mappingKey"/>.</summary>
    public string? Text(string key, bool singleLine, string? mappingKey = null)
    {
        if (!_values.TryGetValue(key, out var node))
        {
            return null;
        }

        if (node.Pairs is not null && mappingKey is not null)
        {
            if (node[mappingKey] is not { } inner)
            {
                return null;
            }

            node = inner;
        }

        if (node.Scalar is not { } scalar)
        {
            Error(key, FileLine(node.Line), $"{key} must be text, not a {Shape(node)}; write it on one line after {key}:.");
            return null;
        }

        return IsNull(node) ? null : Clean(key, scalar, singleLine, FileLine(node.Line));
    }

    /// <summary>A list of words: a YAML sequence or a space-separated string, as Jekyll takes tags and categories.</summary>
    public IReadOnlyList<string> List(string key)
    {
        if (!_values.TryGetValue(key, out var node))
        {
            return [];
        }

        var items = new List<string>();
        if (node.Scalar is { } scalar)
        {
            if (!IsNull(node))
            {
                items.AddRange(scalar.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
            }
        }
        else if (node.Items is { } sequence)
        {
            foreach (var child in sequence)
            {
                if (child.Scalar is { } value && !IsNull(child))
                {
                    items.Add(value);
                }
                else if (child.Scalar is null)
                {
                    Error(key, FileLine(child.Line), $"{key} must be a list of words or a space-separated string; this entry is a {Shape(child)}.");
                    return [];
                }
            }
        }
        else
        {
            Error(key, FileLine(node.Line), $"{key} must be a list such as [news, dotnet] or a space-separated string, not a {Shape(node)}.");
            return [];
        }

        return items
            .Select(item => Clean(key, item, singleLine: true, FileLine(node.Line)))
            .Where(item => item.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToArray();
    }

    /// <summary>A yes/no value; null when absent.</summary>
    public bool? Bool(string key)
    {
        if (!_values.TryGetValue(key, out var node) || node.Scalar is not null && IsNull(node))
        {
            return null;
        }

        if (node.Scalar is { } value)
        {
            switch (value.Trim().ToLowerInvariant())
            {
                case "true" or "yes" or "on" or "y":
                    return true;
                case "false" or "no" or "off" or "n":
                    return false;
            }
        }

        Error(key, FileLine(node.Line), $"{key} must be true or false.");
        return null;
    }

    /// <summary>A person: a name, or a mapping with name and email (as jekyll-feed takes author).</summary>
    public (string? Name, string? Email) Person(string key)
    {
        if (_values.TryGetValue(key, out var node) && node.Pairs is not null)
        {
            string? Get(string name) =>
                node[name] is { Scalar: { } scalar } value && !IsNull(value)
                    ? Clean(key, scalar, singleLine: true, FileLine(value.Line))
                    : null;
            return (Get("name"), Get("email"));
        }

        return (Text(key, singleLine: true), null);
    }

    private string Clean(string key, string value, bool singleLine, int line)
    {
        var text = CleanText(value, singleLine, out var hadControl);
        if (hadControl)
        {
            _warnings.Add(new PostDiagnostic(file, line, key, "the value holds control characters; they were replaced with spaces.", IsError: false));
        }

        return text;
    }

    /// <summary>
    /// A front matter value made safe for XML 1.0 and mail headers: control characters become spaces (<paramref name="hadControl"/>),
    /// line breaks and tabs too when <paramref name="singleLine"/>, where runs of white space then become one space; trimmed.
    /// </summary>
    internal static string CleanText(string value, bool singleLine, out bool hadControl)
    {
        hadControl = false;
        if (IsClean(value, singleLine))
        {
            // Most values: nothing below would change them, and a scan of thousands of posts spares a copy and a regex run each.
            return value;
        }

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

        var text = builder.ToString();
        return singleLine ? Spaces().Replace(text, " ").Trim() : text.Trim();
    }

    /// <summary>
    /// True when <see cref="CleanText"/> would give the value back as it is: no control, line or other white space character but
    /// the space, none at either end, and (on one line) no two spaces in a row. Char.IsWhiteSpace is the set the \s of
    /// <see cref="Spaces"/> matches, so such a value has nothing to collapse or trim.
    /// </summary>
    private static bool IsClean(string value, bool singleLine)
    {
        if (value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])))
        {
            return false;
        }

        var afterSpace = false;
        foreach (var ch in value)
        {
            if (ch == ' ')
            {
                if (singleLine && afterSpace)
                {
                    return false;
                }

                afterSpace = true;
                continue;
            }

            if (char.IsWhiteSpace(ch) || char.IsControl(ch) || ch is '\uFFFE' or '\uFFFF')
            {
                return false;
            }

            afterSpace = false;
        }

        return true;
    }

    /// <summary>
    /// The line (1-based, in <paramref name="yaml"/>) where an inline list or mapping opens that no later character
    /// closes, outside quotes and comments; null when every one is closed.
    /// </summary>
    internal static int? UnclosedBracketLine(string yaml)
    {
        int depth = 0, line = 1, openedAt = 0;
        var quote = '\0';
        for (var i = 0; i < yaml.Length; i++)
        {
            var c = yaml[i];
            if (c == '\n')
            {
                line++;
                quote = quote == '"' ? quote : '\0';
                continue;
            }

            if (quote != '\0')
            {
                if (c == '\\' && quote == '"')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }

                continue;
            }

            switch (c)
            {
                case '"' or '\'' when i == 0 || yaml[i - 1] is ' ' or '\t' or '[' or '{' or ',' or ':' or '\n':
                    quote = c;
                    break;
                case '#' when i == 0 || yaml[i - 1] is ' ' or '\t' or '\n':
                    while (i + 1 < yaml.Length && yaml[i + 1] != '\n')
                    {
                        i++;
                    }

                    break;
                case '[' or '{':
                    openedAt = depth++ == 0 ? line : openedAt;
                    break;
                case ']' or '}' when depth > 0:
                    depth--;
                    break;
            }
        }

        return depth > 0 ? openedAt : null;
    }

    private int FileLine(long yamlLine) => firstLine + (int)Math.Max(0, yamlLine - 1);

    private static bool IsNull(FrontMatterValue scalar) =>
        scalar.Scalar is null
        || (scalar.Style == ScalarStyle.Plain && scalar.Scalar is "" or "~" or "null" or "Null" or "NULL");

    private static string Shape(FrontMatterValue node) =>
        node.Pairs is not null ? "set of key: value pairs" : node.Items is not null ? "list" : "value";

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
