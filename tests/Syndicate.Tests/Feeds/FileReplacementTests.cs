using System.Text;
using Syndicate.Feeds;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Feeds;

public sealed class FileReplacementTests
{
    private static readonly DateTime LongAgo = new(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    [Fact]
    public void SameBytes_InSeveralWrites_LeaveTheFileAndItsTimeAlone()
    {
        using var folder = new TempFolder();
        var path = Existing(folder, "feed.xml", Bytes(200_000));

        var result = Replace(path, Bytes(200_000), 1, 70_000, 65_536, 3);

        Assert.False(result.Written);
        Assert.Equal(200_000, result.Length);
        Assert.Null(result.ETag);
        Assert.Equal(LongAgo, File.GetLastWriteTimeUtc(path));
        Assert.Equal(["feed.xml"], Names(folder));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    [InlineData(150_000)]
    [InlineData(199_999)]
    public void OneByteChanged_ReplacesTheFileWithTheNewBytes(int at)
    {
        using var folder = new TempFolder();
        var path = Existing(folder, "feed.xml", Bytes(200_000));
        var changed = Bytes(200_000);
        changed[at] ^= 0x55;

        var result = Replace(path, changed, 4_096, 100_000);

        Assert.True(result.Written);
        Assert.Equal(changed, File.ReadAllBytes(path));
        Assert.Equal(FeedDocument.ETagOf(changed), result.ETag);
        Assert.Equal(["feed.xml"], Names(folder));
    }

    [Theory]
    [InlineData(199_000)]
    [InlineData(200_001)]
    [InlineData(0)]
    public void OtherLength_ReplacesTheFile(int length)
    {
        using var folder = new TempFolder();
        var path = Existing(folder, "feed.xml", Bytes(200_000));
        var shorterOrLonger = Bytes(length);

        var result = Replace(path, shorterOrLonger, 10_000);

        Assert.True(result.Written);
        Assert.Equal(shorterOrLonger, File.ReadAllBytes(path));
        Assert.Equal(FeedDocument.ETagOf(shorterOrLonger), result.ETag);
        Assert.Equal(length, result.Length);
    }

    [Fact]
    public void MissingFileAndFolder_AreCreated()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("tags/café/atom.xml");
        var body = Encoding.UTF8.GetBytes("<feed>café</feed>");

        var result = Replace(path, body, 3);

        Assert.True(result.Written);
        Assert.Equal(body, File.ReadAllBytes(path));
        Assert.Equal(FeedDocument.ETagOf(body), result.ETag);
    }

    [Fact]
    public void NotHashed_WritesTheSameBytesWithoutAnETag()
    {
        using var folder = new TempFolder();
        var path = Existing(folder, "feed.xml", Bytes(100_000));
        var changed = Bytes(100_000);
        changed[70_000] ^= 1;

        FeedFileWrite result;
        using (var replacement = new FileReplacement(path, hashed: false))
        {
            replacement.Write(changed);
            result = replacement.Commit();
        }

        Assert.True(result.Written);
        Assert.Null(result.ETag);
        Assert.Equal(changed, File.ReadAllBytes(path));
    }

    [Fact]
    public void NotCommitted_LeavesTheFileAndNoTemporaryFile()
    {
        using var folder = new TempFolder();
        var path = Existing(folder, "feed.xml", Bytes(1_000));

        using (var replacement = new FileReplacement(path))
        {
            replacement.Write(Bytes(500));
            replacement.Write(Encoding.ASCII.GetBytes("a writer that failed half-way"));
        }

        Assert.Equal(Bytes(1_000), File.ReadAllBytes(path));
        Assert.Equal(LongAgo, File.GetLastWriteTimeUtc(path));
        Assert.Equal(["feed.xml"], Names(folder));
    }

    [Fact]
    public void ReaderOfTheOldFile_KeepsReadingTheOldBytes()
    {
        using var folder = new TempFolder();
        var path = Existing(folder, "feed.xml", Bytes(100_000));
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var first = new byte[10];
        reader.ReadExactly(first);

        var changed = Encoding.ASCII.GetBytes("new feed");
        Assert.True(Replace(path, changed, 4).Written);

        var rest = new byte[100_000 - 10];
        reader.ReadExactly(rest);
        Assert.Equal(Bytes(100_000), first.Concat(rest).ToArray());
        Assert.Equal(changed, File.ReadAllBytes(path));
    }

    private static FeedFileWrite Replace(string path, byte[] body, params int[] pieces)
    {
        using var replacement = new FileReplacement(path);
        var at = 0;
        foreach (var piece in pieces)
        {
            var length = Math.Min(piece, body.Length - at);
            replacement.Write(body, at, length);
            at += length;
        }

        replacement.Write(body.AsSpan(at));
        return replacement.Commit();
    }

    private static string Existing(TempFolder folder, string name, byte[] body)
    {
        var path = folder.Combine(name);
        File.WriteAllBytes(path, body);
        File.SetLastWriteTimeUtc(path, LongAgo);
        return path;
    }

    private static string[] Names(TempFolder folder) =>
        Directory.EnumerateFiles(folder.Path, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    /// <summary>Bytes that differ from position to position, so that a copy from the wrong offset shows.</summary>
    private static byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31 + i / 256) & 0xFF);
        }

        return bytes;
    }
}
