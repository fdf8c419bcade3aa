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

    /// <summary>
    /// The first key given twice in one mapping, with the YAML lines of both, read from the events up to the first that
    /// fails; null when there is none. Only for a front matter that did not load: it costs a second parse.
    /// </summary>
    public static (string Key, long FirstLine, long SecondLine)? FindDuplicateKey(string yaml)
    {
        // Per open collection: the keys of a mapping seen so far (null for a sequence), and whether the next scalar is a key.
        var open = new Stack<(Dictionary<string, long>? Keys, bool KeyNext)>();
        try
        {
            var parser = new Parser(new StringReader(yaml));
            while (parser.MoveNext())
            {
                var isKey = open.TryPeek(out var top) && top.Keys is not null && top.KeyNext;
                if (open.Count > 0 && top.Keys is not null)
                {
                    // Every node in a mapping alternates key, value.
                    if (parser.Current is NodeEvent)
                    {
                        open.Pop();
                        open.Push((top.Keys, !top.KeyNext));
                    }
                }

                switch (parser.Current)
                {
                    case Scalar { Value: var key } scalar when isKey:
                        if (top.Keys!.TryGetValue(key, out var first))
                        {
                            return (key, first, scalar.Start.Line);
                        }

                        top.Keys[key] = scalar.Start.Line;
                        break;
                    case MappingStart:
                        open.Push((new Dictionary<string, long>(StringComparer.Ordinal), true));
                        break;
                    case SequenceStart:
                        open.Push((null, false));
                        break;
                    case MappingEnd or SequenceEnd:
                        open.Pop();
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException)
        {
            // The YAML is broken before any key repeats.
        }

        return null;
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
