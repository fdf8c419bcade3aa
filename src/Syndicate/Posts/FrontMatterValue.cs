using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Syndicate.Posts;

/// <summary>
/// One front matter value as <see cref="FrontMatterReader"/> reads it: a scalar, a list or a set
/// of key: value pairs, with the YAML line it starts on. Mapping keys are scalars.
/// </summary>
internal sealed class FrontMatterValue
{
    private FrontMatterValue(long line) => Line = line;

    public long Line { get; }

    /// <summary>The text of a scalar; null for a list or mapping.</summary>
    public string? Scalar { get; private init; }

    public ScalarStyle Style { get; private init; }

    /// <summary>The entries of a list; null for a scalar or mapping.</summary>
    public IReadOnlyList<FrontMatterValue>? Items { get; private init; }

    /// <summary>The pairs of a mapping, in order; null for a scalar or list.</summary>
    public IReadOnlyList<(string Key, long KeyLine, FrontMatterValue Value)>? Pairs { get; private init; }

    public static FrontMatterValue OfScalar(string value, ScalarStyle style, long line) => new(line) { Scalar = value, Style = style };

    public static FrontMatterValue OfList(List<FrontMatterValue> items, long line) => new(line) { Items = items };

    public static FrontMatterValue OfPairs(List<(string Key, long KeyLine, FrontMatterValue Value)> pairs, long line) =>
        new(line) { Pairs = pairs };

    /// <summary>The value of a key of this mapping, as YamlDotNet looks it up (by the key's text).</summary>
    public FrontMatterValue? this[string key]
    {
        get
        {
            foreach (var pair in Pairs ?? [])
            {
                if (pair.Key == key)
                {
                    return pair.Value;
                }
            }

            return null;
        }
    }

    /// <summary>The same value taken from YamlDotNet's representation model. Keys that are not scalars are dropped.</summary>
    public static FrontMatterValue From(YamlNode node) => node switch
    {
        YamlScalarNode scalar => OfScalar(scalar.Value ?? "", scalar.Value is null ? ScalarStyle.Plain : scalar.Style, node.Start.Line),
        YamlSequenceNode sequence => OfList(sequence.Children.Select(From).ToList(), node.Start.Line),
        YamlMappingNode mapping => OfPairs(
            mapping.Children
                .Where(pair => pair.Key is YamlScalarNode { Value: not null })
                .Select(pair => (((YamlScalarNode)pair.Key).Value!, pair.Key.Start.Line, From(pair.Value)))
                .ToList(),
            node.Start.Line),
        _ => OfScalar("", ScalarStyle.Plain, node.Start.Line),
    };
}
