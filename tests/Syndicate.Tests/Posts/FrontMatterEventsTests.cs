using Syndicate.Posts;
using YamlDotNet.RepresentationModel;

namespace Syndicate.Tests.Posts;

public sealed class FrontMatterEventsTests
{
    public static TheoryData<string> PlainFrontMatter =>
    [
        "title: Hello\ndate: 2024-05-01\n",
        "title: \"Quoted: with a colon\"\ndescription: 'single'\ntags: [a, b, \"c d\"]\n",
        "tags:\n  - one\n  - two\n  -\n  - ~\ncategories: news notes\n",
        "author:\n  name: Ada\n  email: ada@example.org\nimage:\n  path: /img/a.png\n",
        "title: >\n  folded\n  text\nexcerpt: |\n  literal\n  lines\n",
        "draft: yes\npublished: false\nempty:\nnothing: ~\n",
        "nested:\n  list: [[1, 2], {a: b}]\n",
        "",
        "# only a comment\n",
        "''\n",
    ];

    public static TheoryData<string> DeclinedFrontMatter =>
    [
        "title: Dotnet: the good parts\n",
        "title: a\ntitle: b\n",
        "author:\n  name: a\n  name: b\n",
        "base: &b x\ntitle: *b\n",
        "title: !!str 2024\n",
        "--- a\n--- b\n",
        "tags: [a, b\n",
        "? [complex]\n: key\n",
    ];

    [Theory]
    [MemberData(nameof(PlainFrontMatter))]
    public void TryRead_PlainFrontMatter_GivesWhatYamlStreamGives(string yaml)
    {
        Assert.True(FrontMatterEvents.TryRead(yaml, out var root));

        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var expected = stream.Documents.Count == 0 ? null : FrontMatterValue.From(stream.Documents[0].RootNode);
        Assert.Equal(Describe(expected), Describe(root));
    }

    [Theory]
    [MemberData(nameof(DeclinedFrontMatter))]
    public void TryRead_ErrorsAndOddities_AreLeftToYamlStream(string yaml)
    {
        Assert.False(FrontMatterEvents.TryRead(yaml, out _));
    }

    private static string Describe(FrontMatterValue? value) => value switch
    {
        null => "none",
        { Scalar: { } scalar } => $"{scalar}|{value.Style}@{value.Line}",
        { Items: { } items } => $"[{string.Join(", ", items.Select(Describe))}]@{value.Line}",
        _ => $"{{{string.Join(", ", value.Pairs!.Select(pair => $"{pair.Key}@{pair.KeyLine}: {Describe(pair.Value)}"))}}}@{value.Line}",
    };
}
