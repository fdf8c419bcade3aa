using System.Text;

namespace Syndicate.Storage;

/// <summary>
/// Folders and files that hold secrets or subscribers' data (the data folder, the link signing key, an uploaded
/// subscriber list), created readable by their owner only from the first moment: 0700 and 0600 on Unix, so that no
/// other local user can open them, not even between creating and writing. A folder that exists already keeps its mode.
/// </summary>
internal static class PrivateFiles
{
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates the folder owner only (and any missing parents, with the usual mode: the folder itself keeps out
    /// other users); a folder that exists is left as it is.
    /// </summary>
    public static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, FolderMode);
        }
    }

    /// <summary>Creates a new file, owner only, open for writing; fails if the path exists (a file or a link).</summary>
    public static FileStream CreateFile(string path)
    {
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        return new FileStream(path, options);
    }

    /// <summary>
    /// Writes a UTF-8 text file owner only, through a temporary file beside it renamed over <paramref name="path"/>: no
    /// reader sees half of it, and a failure leaves what was there. An I/O failure comes back as an IOException whose
    /// message names <paramref name="path"/>, not the temporary file.
    /// </summary>
    public static async Task<T> WriteTextAsync<T>(string path, Func<TextWriter, Task<T>> write)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            T result;
            await using (var writer = new StreamWriter(CreateFile(temporary), new UTF8Encoding(false)))
            {
                result = await write(writer);
            }

            File.Move(temporary, path, overwrite: true);
            return result;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new IOException(ex.Message.Replace(temporary, path, StringComparison.Ordinal), ex);
        }
    }
}
