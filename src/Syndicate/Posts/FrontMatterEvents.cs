using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Syndicate.Posts;

/// <summary>
/// Reads front matter from YamlDotNet's parser events straight into <see cref="FrontMatterValue"/>s,
/// without YamlStream's representation model, which cost most of a scan's time and allocations.
/// It takes only the plain shape posts have: one document of scalars, lists and mappings with
/// text keys, each key once, no anchors, aliases or tags. Anything else is declined, and the
/// caller reads it with YamlStream, so that every error and oddity comes out as it always did.
/// </summary>
internal static class FrontMatterEvents
{
    /// <summary>True with the document's root (null for an empty front matter); false to decline.</summary>
    public static bool TryRead(string yaml, out FrontMatterValue? root)
    {
        root = null;
        try
        {
            var parser = new Parser(new StringReader(yaml));
            if (!parser.TryConsume<StreamStart>(out _))
            {
                return false;
            }

            if (parser.TryConsume<StreamEnd>(out _))
            {
                return true;
            }

            if (!parser.TryConsume<DocumentStart>(out _) || !TryValue(parser, out root) || !parser.TryConsume<DocumentEnd>(out _))
            {
                return false;
            }

            return parser.TryConsume<StreamEnd>(out _) && !parser.MoveNext();
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException)
        {
            // YamlDotNet throws InvalidOperationException for some unfinished flow collections (tags: [a, b and
            // more keys after it); YamlStream reports those in words.
            return false;
        }
    }

    private static bool TryValue(IParser parser, out FrontMatterValue? value)
    {
        value = null;
        if (parser.Current is not NodeEvent node || !node.Anchor.IsEmpty || !node.Tag.IsEmpty)
        {
            // An alias, an anchor or an explicit tag: YamlStream resolves them.
            return false;
        }

        var line = node.Start.Line;
        switch (node)
        {
            case Scalar scalar:
                parser.MoveNext();
                value = FrontMatterValue.OfScalar(scalar.Value, scalar.Style, line);
                return true;
            case SequenceStart:
                {
                    parser.MoveNext();
                    var items = new List<FrontMatterValue>();
                    while (!parser.TryConsume<SequenceEnd>(out _))
                    {
                        if (!TryValue(parser, out var item))
                        {
                            return false;
                        }

                        items.Add(item!);
                    }

                    value = FrontMatterValue.OfList(items, line);
                    return true;
                }

            case MappingStart:
                {
                    parser.MoveNext();
                    var pairs = new List<(string Key, long KeyLine, FrontMatterValue Value)>();
                    while (!parser.TryConsume<MappingEnd>(out _))
                    {
                        if (parser.Current is not Scalar { Anchor.IsEmpty: true, Tag.IsEmpty: true } key
                            || pairs.Exists(pair => pair.Key == key.Value))
                        {
                            return false;
                        }

                        parser.MoveNext();
                        if (!TryValue(parser, out var item))
                        {
                            return false;
                        }

                        pairs.Add((key.Value, key.Start.Line, item!));
                    }

                    value = FrontMatterValue.OfPairs(pairs, line);
                    return true;
                }

            default:
                return false;
        }
    }
}
