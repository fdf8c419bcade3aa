using System.Security.Cryptography;
using Syndicate.Subscribers;

namespace Syndicate.Tests.Subscribers;

public sealed class TokenSignerTests
{
    private static readonly DateTimeOffset Issued = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
    private readonly TokenSigner _signer = new(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void TryRead_OwnToken_GivesSubscriberAndTime()
    {
        var token = _signer.Create(TokenPurpose.Confirm, 42, Issued);

        Assert.True(_signer.TryRead(token, TokenPurpose.Confirm, out var id, out var issued));
        Assert.Equal(42, id);
        Assert.Equal(Issued, issued);
    }

    [Fact]
    public void TryRead_OtherPurpose_Refused()
    {
        var confirm = _signer.Create(TokenPurpose.Confirm, 42, Issued);
        var unsubscribe = _signer.Create(TokenPurpose.Unsubscribe, 42, Issued);

        Assert.False(_signer.TryRead(confirm, TokenPurpose.Unsubscribe, out _, out _));
        Assert.False(_signer.TryRead(unsubscribe, TokenPurpose.Confirm, out _, out _));
    }

    [Fact]
    public void TryRead_TokenOfAnotherKey_Refused()
    {
        var other = new TokenSigner(RandomNumberGenerator.GetBytes(32));

        Assert.False(_signer.TryRead(other.Create(TokenPurpose.Confirm, 42, Issued), TokenPurpose.Confirm, out _, out _));
    }

    [Fact]
    public void TryRead_AnyFlippedCharacter_Refused()
    {
        var token = _signer.Create(TokenPurpose.Unsubscribe, 7, Issued);
        for (var i = 0; i < token.Length; i++)
        {
            var flipped = token.ToCharArray();
            flipped[i] = flipped[i] == 'A' ? 'B' : 'A';
            Assert.False(_signer.TryRead(new string(flipped), TokenPurpose.Unsubscribe, out _, out _), $"position {i} accepted");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("!!!!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void TryRead_Garbage_Refused(string token) => Assert.False(_signer.TryRead(token, TokenPurpose.Confirm, out _, out _));

    [Fact]
    public void Create_IsUrlSafe() =>
        Assert.Matches("^[A-Za-z0-9_-]+$", _signer.Create(TokenPurpose.Confirm, long.MaxValue, Issued));
}
