using System.Text.RegularExpressions;
using Syndicate.Posts;

namespace Syndicate.Tests.Posts;

public sealed class FrontMatterReaderTests
{
    // Spaces of every kind, line breaks, tabs, control and non-characters, and plain letters, in random strings.
    private const string Alphabet = "ab  \t\n\r\u00A0\u2028\u2029\u0001\u007F\u0085\u000B\u000C\uFFFE\uFFFF\u3000é";

    [Theory]
    [InlineData("Hello world", true, "Hello world", false)]
    [InlineData("  Hello   world \t", true, "Hello world", false)]
    [InlineData("line one\nline two", true, "line one line two", false)]
    [InlineData("line one\nline two\n", false, "line one\nline two", false)]
    [InlineData("bell\u0007 and\u2028separator", true, "bell and separator", true)]
    [InlineData("two  spaces kept", false, "two  spaces kept", false)]
    [InlineData("", true, "", false)]
    public void CleanText_Examples(string value, bool singleLine, string expected, bool control)
    {
        Assert.Equal(expected, FrontMatterReader.CleanText(value, singleLine, out var hadControl));
        Assert.Equal(control, hadControl);
    }

    [Fact]
    public void CleanText_RandomValues_MatchTheRuleSpelledOut()
    {
        var random = new Random(20261130);
        var unchanged = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var chars = new char[random.Next(0, 12)];
            for (var j = 0; j < chars.Length; j++)
            {
                // Mostly letters and single spaces, as real titles are, so that the values left as they are get tested too.
                chars[j] = random.Next(3) == 0 ? Alphabet[random.Next(Alphabet.Length)] : (j % 3 == 2 ? ' ' : 'x');
            }

            var value = new string(chars);
            foreach (var singleLine in (bool[])[true, false])
            {
                var (expected, control) = Spelled(value, singleLine);
                var actual = FrontMatterReader.CleanText(value, singleLine, out var hadControl);
                Assert.True(expected == actual, $"'{Escape(value)}' (single line: {singleLine}): expected '{Escape(expected)}', got '{Escape(actual)}'");
                Assert.Equal(control, hadControl);
                unchanged += ReferenceEquals(actual, value) ? 1 : 0;
            }
        }

        // Both paths were taken: values given back as they are, and values cleaned.
        Assert.InRange(unchanged, 1_000, 39_000);
    }

    /// <summary>The cleaning rule written out plainly: control characters and separators to spaces, line breaks and tabs too on one line, then runs of white space to one space, trimmed.</summary>
    private static (string Text, bool Control) Spelled(string value, bool singleLine)
    {
        var control = false;
        var mapped = string.Concat(value.Select(ch =>
        {
            if (ch is '\n' or '\r' or '\t')
            {
                return singleLine ? ' ' : ch;
            }

            if (char.IsControl(ch) || ch is '\u2028' or '\u2029' or '\uFFFE' or '\uFFFF')
            {
                control = true;
                return ' ';
            }

            return ch;
        }));
        return ((singleLine ? Regex.Replace(mapped, @"\s+", " ") : mapped).Trim(), control);
    }

    private static string Escape(string value) => string.Concat(value.Select(ch => ch is >= ' ' and < '\u007F' ? ch.ToString() : $"\\u{(int)ch:X4}"));
}
