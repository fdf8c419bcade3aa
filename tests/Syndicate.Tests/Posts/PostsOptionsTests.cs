using Syndicate.Posts;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Posts;

public sealed class PostsOptionsTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Validate_FolderIsAFile_SaysItIsAFileNotThatItIsMissing()
    {
        File.WriteAllText(Path.Combine(_root.Path, "README.md"), "# Not a folder\n");

        var failure = Assert.Single(Validate("README.md"));

        Assert.Equal($"Posts:Folder 'README.md' is a file ({Path.Combine(_root.Path, "README.md")}), not a folder; point Posts:Folder at the folder that holds the posts.", failure);
    }

    [Fact]
    public void Validate_FolderMissing_SaysWhereItLookedAndWhatToDo()
    {
        var failure = Assert.Single(Validate("no-such-folder"));

        Assert.StartsWith("Posts:Folder 'no-such-folder' does not exist (looked for ", failure, StringComparison.Ordinal);
        Assert.EndsWith("create it or point Posts:Folder at the folder of posts.", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_FolderExists_NoFailure()
    {
        Directory.CreateDirectory(Path.Combine(_root.Path, "posts"));

        Assert.Empty(Validate("posts"));
    }

    private IEnumerable<string> Validate(string folder)
    {
        var result = new PostsOptionsValidator(new TestHostEnvironment(_root.Path)).Validate(null, new PostsOptions { Folder = folder });
        return result.Failed ? result.Failures : [];
    }
}
