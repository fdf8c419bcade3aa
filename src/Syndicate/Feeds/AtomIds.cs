using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Syndicate.Feeds;

/// <summary>
/// An Atom entry's id must be an IRI (RFC 4287 4.2.6). A post's own id (front matter id or guid) that is not one, such as
/// <c>42</c>, is carried as written in RSS and JSON Feed, and in Atom as a name-based UUID of it (RFC 9562 version 5):
/// the same text always gives the same id, so the entry never changes its id.
/// </summary>
internal static partial class AtomIds
{
    // The namespace of these UUIDs (RFC 9562 5.5): fixed, so the ids never change.
    private static readonly Guid Namespace = Guid.Parse("9a6f1c1e-55d5-4d8f-9f57-5f1f2a6e0b7d");

    /// <summary>True when <paramref name="id"/> is an absolute IRI: a scheme, a colon and no white space.</summary>
    public static bool IsIri(string id) => Scheme().IsMatch(id) && !id.Any(char.IsWhiteSpace);

    /// <summary>The id itself when it is an IRI; else <c>urn:uuid:</c> and the version 5 UUID of its text.</summary>
    public static string For(string id) => IsIri(id) ? id : "urn:uuid:" + Version5(Namespace, id).ToString("D");

    /// <summary>The name-based UUID of <paramref name="name"/> in <paramref name="space"/> (RFC 9562 5.5).</summary>
    internal static Guid Version5(Guid space, string name)
    {
#pragma warning disable CA5350 // Version 5 UUIDs are defined over SHA-1 (RFC 9562 5.5); the hash names an entry, it protects nothing.
        var hash = SHA1.HashData([.. space.ToByteArray(bigEndian: true), .. Encoding.UTF8.GetBytes(name)]);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9+.-]*:.")]
    private static partial Regex Scheme();
}
