using System.Security.Cryptography;

namespace Syndicate.Feeds;

/// <summary>One feed file: its path under the output folder and site root, its bytes and their ETag.</summary>
/// <param name="Path">Relative path with forward slashes, e.g. <c>feed.xml</c> or <c>tags/dotnet/atom.xml</c>.</param>
internal sealed record FeedDocument(string Path, string ContentType, byte[] Body, string ETag)
{
    public const string RssType = "application/rss+xml; charset=utf-8";
    public const string AtomType = "application/atom+xml; charset=utf-8";
    public const string JsonType = "application/feed+json; charset=utf-8";

    public static FeedDocument Create(string path, string contentType, byte[] body) =>
        new(path, contentType, body, ETagOf(body));

    /// <summary>A strong ETag from the bytes alone, so every node serving the same posts agrees.</summary>
    public static string ETagOf(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(body, hash);
        return ETagOfHash(hash);
    }

    /// <summary>The ETag for bytes whose SHA-256 is <paramref name="sha256"/> (hashed as they were streamed).</summary>
    public static string ETagOfHash(ReadOnlySpan<byte> sha256) =>
        "\"" + Convert.ToBase64String(sha256[..16]).TrimEnd('=').Replace('+', '-').Replace('/', '_') + "\"";
}
