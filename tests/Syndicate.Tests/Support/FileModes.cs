namespace Syndicate.Tests.Support;

/// <summary>Unix permission bits of files and folders, as the tests (which run on Linux) read and set them.</summary>
internal static class FileModes
{
    public const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>0755: what a folder gets by default under the usual umask 022.</summary>
    public const UnixFileMode Shared = OwnerOnlyFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public static UnixFileMode Of(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Unix file modes are checked on Unix only.");
        }

        return File.GetUnixFileMode(path);
    }

    public static void Set(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Unix file modes are set on Unix only.");
        }

        File.SetUnixFileMode(path, mode);
    }
}
