using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Syndicate.Storage;
using Syndicate.Subscribers;
using Syndicate.Testing;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Subscribers;

public sealed class TokenSecretFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public void Load_NoFile_GeneratesLongKeyOnlyOwnerCanRead()
    {
        var signer = Signer();

        var key = File.ReadAllText(_folder.Combine("data/token-secret")).Trim();
        Assert.True(key.Length >= 32, $"key of {key.Length} characters");
        // The key file is created 0600 before the key is written, and only renamed after: with the umask of a usual
        // session (022) a file created any other way would be readable by every local user.
        Assert.Equal(FileModes.OwnerOnlyFile, FileModes.Of(_folder.Combine("data/token-secret")));
        Assert.Equal(["token-secret"], Directory.GetFiles(_folder.Combine("data")).Select(Path.GetFileName));
        Assert.True(signer.TryRead(signer.Create(TokenPurpose.Confirm, 1, DateTimeOffset.UnixEpoch), TokenPurpose.Confirm, out _, out _));
    }

    [Fact]
    public void Load_NoDataFolder_CreatesItOwnerOnly()
    {
        Signer();

        Assert.Equal(FileModes.OwnerOnlyFolder, FileModes.Of(_folder.Combine("data")));
    }

    [Fact]
    public void Load_DataFolderExists_KeepsItsModeAndTheKeyIsOwnerOnly()
    {
        Directory.CreateDirectory(_folder.Combine("data"));
        FileModes.Set(_folder.Combine("data"), FileModes.Shared);

        Signer();

        Assert.Equal(FileModes.Shared, FileModes.Of(_folder.Combine("data")));
        Assert.Equal(FileModes.OwnerOnlyFile, FileModes.Of(_folder.Combine("data/token-secret")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    public void Load_FileWithTooShortKey_ReplacedSoNoLinkIsSignedWithIt(string content)
    {
        Directory.CreateDirectory(_folder.Combine("data"));
        File.WriteAllText(_folder.Combine("data/token-secret"), content);

        var signer = Signer();

        Assert.True(File.ReadAllText(_folder.Combine("data/token-secret")).Trim().Length >= 32);
        // A link signed with the short key (as an attacker could compute it) must not be accepted.
        var forged = new TokenSigner(System.Text.Encoding.UTF8.GetBytes(content)).Create(TokenPurpose.Unsubscribe, 7, DateTimeOffset.UnixEpoch);
        Assert.False(signer.TryRead(forged, TokenPurpose.Unsubscribe, out _, out _));
    }

    [Fact]
    public void StorageValidator_UnparseableConnectionString_OneSentenceNamingTheKey()
    {
        var result = new StorageOptionsValidator().Validate(null, new StorageOptions { ConnectionString = "Bogus=1;Password=secret" });

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("Storage:ConnectionString is not a SQLite connection string", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Postgres_NodesShareOneGeneratedKeyThroughTheDatabase()
    {
        Assert.SkipUnless(TestDatabase.IsPostgres, $"needs a PostgreSQL server ({TestDatabase.ServerVariable}); .ci/run's second pass sets it");
        using var database = TestDatabase.Create(_folder.Path);
        var storage = Options.Create(new StorageOptions { Provider = database.Provider, ConnectionString = database.ConnectionString });
        using var first = new Database(storage, new TestHostEnvironment(_folder.Path), TimeProvider.System, NullLogger<Database>.Instance);
        using var second = new Database(storage, new TestHostEnvironment(_folder.Path), TimeProvider.System, NullLogger<Database>.Instance);
        var nodeA = new TokenSigner(Options.Create(new SubscribersOptions()), new TestHostEnvironment(_folder.Path), first);
        var nodeB = new TokenSigner(Options.Create(new SubscribersOptions()), new TestHostEnvironment(_folder.Path), second);

        var link = nodeA.Create(TokenPurpose.Unsubscribe, 42, DateTimeOffset.UnixEpoch);

        Assert.True(nodeB.TryRead(link, TokenPurpose.Unsubscribe, out var subscriber, out _));
        Assert.Equal(42, subscriber);
        Assert.False(File.Exists(_folder.Combine("data/token-secret")));
        Assert.False(new TokenSigner(RandomNumberGenerator.GetBytes(32)).TryRead(link, TokenPurpose.Unsubscribe, out _, out _));
    }

    public void Dispose()
    {
        _database?.Dispose();
        _folder.Dispose();
    }

    private Database? _database;

    private TokenSigner Signer()
    {
        _database = new Database(Options.Create(new StorageOptions { ConnectionString = "Data Source=data/signer.db" }),
            new TestHostEnvironment(_folder.Path), TimeProvider.System, NullLogger<Database>.Instance);
        return new(Options.Create(new SubscribersOptions()), new TestHostEnvironment(_folder.Path), _database);
    }
}
