using Syndicate.Posts;

namespace Syndicate.Tests.Posts;

public sealed class PooledTextWriterTests
{
    [Fact]
    public void Write_EveryKindPastItsCapacity_GivesWhatAStringWriterGives()
    {
        using var pooled = new PooledTextWriter(4);
        using var expected = new StringWriter();
        var random = new Random(7);
        for (var i = 0; i < 2_000; i++)
        {
            var text = new string((char)('a' + random.Next(26)), random.Next(0, 40)) + "é\n";
            foreach (var writer in (TextWriter[])[pooled, expected])
            {
                switch (i % 5)
                {
                    case 0: writer.Write(text); break;
                    case 1: writer.Write(text.AsSpan()); break;
                    case 2: writer.Write(text.ToCharArray(), 1, text.Length - 1); break;
                    case 3: writer.Write(text[0]); break;
                    default: writer.WriteLine(text); break;
                }
            }
        }

        Assert.Equal(expected.ToString(), pooled.ToString());
        Assert.Equal(expected.ToString().Length, pooled.Length);
    }

    [Fact]
    public void Truncate_ThenWrite_ReplacesTheTail()
    {
        using var writer = new PooledTextWriter(8);
        writer.Write("<p>");
        var start = writer.Length;
        writer.Write("<img src=\"a.png\">");
        Assert.Equal("<img src=\"a.png\">", writer.ToString(start));

        writer.Truncate(start);
        writer.Write("<img src=\"https://example.org/a.png\">");
        writer.Write("</p>");
        Assert.Equal("<p><img src=\"https://example.org/a.png\"></p>", writer.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Truncate(writer.Length + 1));
    }
}
