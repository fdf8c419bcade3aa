using System.Text;
using Syndicate.Posts;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Posts;

public sealed class PostSourceTests
{
    private static PostSource ReadGood(byte[] bytes)
    {
        var source = PostSource.Read("p.md", bytes, 1 << 20, out var error);
        Assert.Null(error);
        return Assert.IsType<PostSource>(source);
    }

    [Fact]
    public void Read_FrontMatterAndBody_SplitsWithLineNumbers()
    {
        var source = ReadGood("---\ntitle: A\ndate: 2024-01-01\n---\nBody line\n"u8.ToArray());

        Assert.Equal("title: A\ndate: 2024-01-01\n", source.FrontMatter);
        Assert.Equal(2, source.FrontMatterLine);
        Assert.Equal("Body line\n", source.Body);
        Assert.Equal(5, source.BodyLine);
    }

    [Fact]
    public void Read_ByteOrderMark_IsDropped()
    {
        var source = ReadGood([.. "\uFEFF"u8, .. "---\ntitle: A\n---\nB"u8]);

        Assert.Equal("title: A\n", source.FrontMatter);
        Assert.Equal("B", source.Body);
    }

    [Fact]
    public void Read_CrlfLineEnds_FencesAreFound()
    {
        var source = ReadGood("---\r\ntitle: A\r\n---\r\nBody\r\n"u8.ToArray());

        Assert.Equal("title: A\r\n", source.FrontMatter);
        Assert.Equal("Body\r\n", source.Body);
        Assert.Equal(4, source.BodyLine);
    }

    [Fact]
    public void Read_DotsClosingFence_IsAccepted()
    {
        var source = ReadGood("---\ntitle: A\n...\nBody"u8.ToArray());

        Assert.Equal("title: A\n", source.FrontMatter);
        Assert.Equal("Body", source.Body);
    }

    [Fact]
    public void Read_NoFrontMatter_ReportsLineOneAndTheFix()
    {
        var source = PostSource.Read("notes/p.md", "# Just Markdown\n"u8, 1000, out var error);

        Assert.Null(source);
        Assert.NotNull(error);
        Assert.Equal(("notes/p.md", 1, (string?)null), (error.File, error.Line, error.Field));
        Assert.Contains("no front matter", error.Message, StringComparison.Ordinal);
        Assert.Contains("three dashes (---)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnterminatedFrontMatter_ReportsWhereItStartsAndTheFix()
    {
        var source = PostSource.Read("p.md", "---\ntitle: A\ndate: 2024-01-01\nBody without a closing fence\n"u8, 1000, out var error);

        Assert.Null(source);
        Assert.NotNull(error);
        Assert.Equal(1, error.Line);
        Assert.Contains("never closed", error.Message, StringComparison.Ordinal);
        Assert.Contains("add a line of three dashes (---)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NulBytes_ReportedAsBinary()
    {
        var source = PostSource.Read("image.md", [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00], 1000, out var error);

        Assert.Null(source);
        Assert.NotNull(error);
        Assert.Null(error.Line);
        Assert.Contains("binary file", error.Message, StringComparison.Ordinal);
        Assert.Contains("move it out of the posts folder", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("utf-16", true, "UTF-16")]
    [InlineData("utf-16BE", true, "UTF-16")]
    [InlineData("utf-16", false, "UTF-16")]
    [InlineData("utf-32", true, "UTF-32")]
    [InlineData("utf-32", false, "UTF-32")]
    public void Read_Utf16Or32Text_SaysToSaveAsUtf8NotThatItIsBinary(string encodingName, bool byteOrderMark, string named)
    {
        var encoding = Encoding.GetEncoding(encodingName);
        var text = encoding.GetBytes("---\ntitle: Notepad\ndate: 2024-01-01\n---\nBody\n");
        byte[] bytes = byteOrderMark ? [.. encoding.GetPreamble(), .. text] : text;

        var source = PostSource.Read("notepad.md", bytes, 1000, out var error);

        Assert.Null(source);
        Assert.NotNull(error);
        Assert.Equal(
            $"notepad.md: the file is saved as {named}, not UTF-8; save it as UTF-8 (in most editors: Save As, then the encoding UTF-8).",
            error.ToString());
    }

    [Fact]
    public void Read_InvalidUtf8_ReportsLineAndByteOffset()
    {
        var bytes = Encoding.Latin1.GetBytes("---\ntitle: A\n---\nCaf\u00e9\n");

        var source = PostSource.Read("p.md", bytes, 1000, out var error);

        Assert.Null(source);
        Assert.NotNull(error);
        Assert.Equal(4, error.Line);
        Assert.Contains("not valid UTF-8 (byte 20)", error.Message, StringComparison.Ordinal);
        Assert.Contains("save it as UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OverMaxBytes_ReportsSizeLimitAndTheFix()
    {
        var bytes = Encoding.UTF8.GetBytes("---\ntitle: A\n---\n" + new string('x', 2000));

        var source = PostSource.Read("big.md", bytes, 1024, out var error);

        Assert.Null(source);
        Assert.NotNull(error);
        Assert.Equal("big.md", error.File);
        Assert.Contains("is 2,017 bytes, over Posts:MaxFileBytes (1,024)", error.Message, StringComparison.Ordinal);
        Assert.Contains("raise the limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TestPostWithBomAndCrlf_IsReallyBomAndCrlf()
    {
        // Guards the test data itself: if git converted this file, the BOM/CRLF tests would test nothing.
        var bytes = File.ReadAllBytes(TestPaths.TestPost("2024-03-10-bom-and-crlf.md"));

        Assert.True(bytes.AsSpan().StartsWith("\uFEFF"u8));
        Assert.Contains("---\r\ntitle:", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal("title: \"Windows line ends & a byte order mark\"\r\n", ReadGood(bytes).FrontMatter.Split('\n')[0] + "\n");
    }
}
