namespace Syndicate.Posts;

/// <summary>What identifies one version of a file without reading it: its size and last write time.</summary>
internal readonly record struct FileStamp(long Length, DateTime LastWriteUtc)
{
    public static FileStamp Of(FileInfo file) => new(file.Length, file.LastWriteTimeUtc);
}
