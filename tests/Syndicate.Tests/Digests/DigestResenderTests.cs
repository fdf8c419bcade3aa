using Microsoft.Extensions.DependencyInjection;
using Syndicate.Digests;

namespace Syndicate.Tests.Digests;

/// <summary>Resend request ids: the same request again is a repeat; the same id on another digest is refused, not answered "done".</summary>
public sealed class DigestResenderTests : IDisposable
{
    private readonly DigestHarness _harness = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task ResendAsync_RequestIdOfAResendOfAnotherDigest_RefusedAndNothingSent()
    {
        await _harness.AddSubscriberAsync("ann@example.org");
        await _harness.BaselineAsync();
        var first = await SendDigestAsync("one.md", "One", "2026-03-01");
        var second = await SendDigestAsync("two.md", "Two", "2026-03-02");
        var resender = _harness.Services.GetRequiredService<DigestResender>();

        var resend = await resender.ResendAsync(new ResendRequest(second, ResendMode.Everyone, null, false, false, "r1", "test"), null, Cancel);
        var again = await resender.ResendAsync(new ResendRequest(second, ResendMode.Everyone, null, false, false, "r1", "test"), null, Cancel);
        var other = await resender.ResendAsync(new ResendRequest(first, ResendMode.Everyone, null, false, false, "r1", "test"), null, Cancel);

        Assert.Null(resend.Refusal);
        Assert.True(again.Repeated);
        Assert.Equal(resend.ResendId, again.ResendId);
        Assert.NotEqual(first, second);
        Assert.False(other.Repeated);
        Assert.Equal($"request id 'r1' was already used for resend {resend.ResendId} of digest {second}; give this resend an id of its own", other.Refusal);
        Assert.Equal(1, await _harness.CountAsync("SELECT COUNT(*) FROM resends"));
        Assert.Equal(3, _harness.Transport.Messages.Count);
    }

    private async Task<long> SendDigestAsync(string file, string title, string date)
    {
        _harness.WritePost(file, title, date);
        _harness.Scan();
        var planned = await _harness.PlanAsync();
        Assert.NotNull(planned);
        await _harness.SendAsync(planned.Id);
        return planned.Id;
    }
}
