using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Syndicate.Storage;

namespace Syndicate.Subscribers;

/// <summary>
/// Signed tokens for the links in mails: the purpose, the subscriber id and the time of issue,
/// with an HMAC-SHA256 over all three. A token cannot be guessed, forged, or used for another
/// purpose (a confirm link never unsubscribes, and the reverse).
/// </summary>
internal sealed class TokenSigner
{
    private const byte Version = 1;
    private const int PayloadLength = 1 + 1 + 8 + 8;
    private const int MacLength = 16;
    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("syndicate-link-token");
    private readonly Lazy<byte[]> _key;

    public TokenSigner(IOptions<SubscribersOptions> options, IHostEnvironment environment, Database database)
    {
        var settings = options.Value;
        // The shared key is read when the first link is signed or checked, not while the container is built.
        _key = settings.TokenSecret.Length > 0 ? new Lazy<byte[]>(Encoding.UTF8.GetBytes(settings.TokenSecret))
            : database.IsPostgres ? new Lazy<byte[]>(() => LoadSharedKey(database))
            : new Lazy<byte[]>(LoadKey(settings, environment.ContentRootPath));
    }

    public TokenSigner(byte[] key) => _key = new Lazy<byte[]>(key);

    public string Create(TokenPurpose purpose, long subscriberId, DateTimeOffset issuedAt)
    {
        Span<byte> token = stackalloc byte[PayloadLength + MacLength];
        token[0] = Version;
        token[1] = (byte)purpose;
        BinaryPrimitives.WriteInt64BigEndian(token[2..], subscriberId);
        BinaryPrimitives.WriteInt64BigEndian(token[10..], issuedAt.ToUnixTimeSeconds());
        Mac(token[..PayloadLength], token[PayloadLength..]);
        return Base64Url.EncodeToString(token);
    }

    /// <summary>Reads a token of the given purpose; false for anything malformed, forged or of another purpose.</summary>
    public bool TryRead(string? token, TokenPurpose purpose, out long subscriberId, out DateTimeOffset issuedAt)
    {
        subscriberId = 0;
        issuedAt = default;
        if (string.IsNullOrEmpty(token) || token.Length > 64 || !Base64Url.IsValid(token))
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[48];
        if (!Base64Url.TryDecodeFromChars(token, bytes, out var length) || length != PayloadLength + MacLength)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[MacLength];
        Mac(bytes[..PayloadLength], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes.Slice(PayloadLength, MacLength))
            || bytes[0] != Version || bytes[1] != (byte)purpose)
        {
            return false;
        }

        subscriberId = BinaryPrimitives.ReadInt64BigEndian(bytes[2..]);
        issuedAt = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(bytes[10..]));
        return true;
    }

    private void Mac(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[Domain.Length + payload.Length];
        Domain.CopyTo(input);
        payload.CopyTo(input[Domain.Length..]);
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(_key.Value, input, full);
        full[..MacLength].CopyTo(destination);
    }

    /// <summary>
    /// On PostgreSQL every node must sign links alike, wherever it runs: the generated key lives in the
    /// shared database (settings), made by the first node that needs it; the others read that one.
    /// </summary>
    private static byte[] LoadSharedKey(Database database)
    {
        using var connection = database.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        connection.Execute("INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO NOTHING",
            new { key = SharedKeySetting, value = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)) });
        var key = connection.ExecuteScalar<string>("SELECT value FROM settings WHERE key = @key", new { key = SharedKeySetting }) ?? "";
        if (key.Length < 32)
        {
            throw new InvalidOperationException(
                $"The link signing key in the database (settings '{SharedKeySetting}') is shorter than 32 characters; delete that row so a new one is generated, or set Subscribers:TokenSecret.");
        }

        return Encoding.UTF8.GetBytes(key);
    }

    private const string SharedKeySetting = "link-signing-key";

    private static byte[] LoadKey(SubscribersOptions options, string contentRoot)
    {
        var path = Path.GetFullPath(options.TokenSecretFile, contentRoot);
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length >= 32)
            {
                return Encoding.UTF8.GetBytes(existing);
            }
        }

        PrivateFiles.CreateFolder(Path.GetDirectoryName(path)!);
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        // Created owner-only (0600) before the key is written into it; the rename keeps the mode.
        using (var stream = PrivateFiles.CreateFile(temporary))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
        {
            writer.Write(secret + "\n");
        }

        try
        {
            // Two processes starting at once must end with one key: the first rename wins. A file that
            // holds too short a key (empty after a crash, say) is replaced: it must never sign links.
            File.Move(temporary, path, overwrite: File.Exists(path) && File.ReadAllText(path).Trim().Length < 32);
        }
        catch (IOException)
        {
            File.Delete(temporary);
        }

        var key = File.ReadAllText(path).Trim();
        if (key.Length < 32)
        {
            throw new InvalidOperationException(
                $"The link signing key in {path} is shorter than 32 characters; delete the file so a new one is generated, or set Subscribers:TokenSecret.");
        }

        return Encoding.UTF8.GetBytes(key);
    }
}

internal enum TokenPurpose : byte
{
    Confirm = 1,
    Unsubscribe = 2,
}
