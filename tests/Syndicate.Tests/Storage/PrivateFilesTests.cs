using System.Text;
using Syndicate.Storage;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Storage;

/// <summary>Folders and files for secrets and subscribers' data: owner only from the moment they exist, on real files.</summary>
public sealed class PrivateFilesTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void CreateFolder_NewWithNewParents_TheFolderIsOwnerOnly()
    {
        var path = _folder.Combine("state/data");

        PrivateFiles.CreateFolder(path);

        Assert.True(Directory.Exists(_folder.Combine("state")));
        Assert.Equal(FileModes.OwnerOnlyFolder, FileModes.Of(path));
    }

    [Fact]
    public void CreateFolder_Exists_KeepsItsMode()
    {
        var path = _folder.Combine("data");
        Directory.CreateDirectory(path);
        FileModes.Set(path, FileModes.Shared);

        PrivateFiles.CreateFolder(path);

        Assert.Equal(FileModes.Shared, FileModes.Of(path));
    }

    [Fact]
    public void CreateFile_OwnerOnlyBeforeAnythingIsWritten()
    {
        var path = _folder.Combine("secret");

        using (var stream = PrivateFiles.CreateFile(path))
        {
            Assert.Equal(0, new FileInfo(path).Length);
            Assert.Equal(FileModes.OwnerOnlyFile, FileModes.Of(path));
            stream.Write("key\n"u8);
        }

        Assert.Equal(FileModes.OwnerOnlyFile, FileModes.Of(path));
        Assert.Equal("key\n", File.ReadAllText(path));
    }

    [Fact]
    public void CreateFile_PathExists_ThrowsAndLeavesTheFileAlone()
    {
        var path = _folder.Write("taken", "someone else's");

        Assert.Throws<IOException>(() => PrivateFiles.CreateFile(path).Dispose());

        Assert.Equal("someone else's", File.ReadAllText(path));
    }

    [Fact]
    public async Task AdminImportSpool_BigUpload_WrittenWholeToAFileOnlyTheOwnerCanRead()
    {
        var head = Encoding.UTF8.GetBytes("email,name\n");
        var rest = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 20_000).Select(i => $"reader{i}@example.org,Reader {i}\n")));

        var file = await Syndicate.Web.AdminEndpoints.SpoolAsync(_folder.Path, head, new MemoryStream(rest), TestContext.Current.CancellationToken);

        Assert.Equal(_folder.Path, Path.GetDirectoryName(file));
        Assert.Equal(FileModes.OwnerOnlyFile, FileModes.Of(file));
        Assert.Equal(head.Concat(rest), await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AdminImportSpool_UploadBreaksOff_NoFileLeft()
    {
        await Assert.ThrowsAsync<IOException>(() => Syndicate.Web.AdminEndpoints.SpoolAsync(
            _folder.Path, "email\n"u8.ToArray(), new BrokenStream(), TestContext.Current.CancellationToken));

        Assert.Empty(Directory.GetFiles(_folder.Path));
    }

    /// <summary>A request body whose client goes away after the first bytes.</summary>
    private sealed class BrokenStream : Stream
    {
        private bool _sent;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _sent ? throw new IOException("The client went away.") : Send(buffer.AsSpan(offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _sent ? throw new IOException("The client went away.") : ValueTask.FromResult(Send(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Send(Span<byte> buffer)
        {
            _sent = true;
            "a@example.org\n"u8.CopyTo(buffer);
            return 14;
        }
    }
}
