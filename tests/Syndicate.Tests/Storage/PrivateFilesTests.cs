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
}
