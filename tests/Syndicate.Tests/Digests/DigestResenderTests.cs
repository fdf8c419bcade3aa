using Microsoft.Extensions.DependencyInjection;
using Syndicate.Digests;
using Syndicate.Subscribers;

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

    [Theory]
    [InlineData("", "Everyone", false, "RequestId")]
    [InlineData("x201", "FailedOnly", false, "RequestId")]
    [InlineData("x200", "Everyone", false, "None")]
    [InlineData("r", "FailedOnly", true, "ForceWithoutAddress")]
    [InlineData("r", "Everyone", true, "ForceWithoutAddress")]
    [InlineData("r", "To", true, "None")]
    public async Task Check_RequestIdOneTo200AndForceOnlyWithOneAddress_RefusedBeforeAnythingIsRecorded(
        string requestId, string modeName, bool force, string expectedName)
    {
        var mode = Enum.Parse<ResendMode>(modeName);
        var expected = Enum.Parse<ResendRefusal>(expectedName);
        await _harness.AddSubscriberAsync("ann@example.org");
        await _harness.BaselineAsync();
        var digest = await SendDigestAsync("one.md", "One", "2026-03-01");
        var id = requestId.StartsWith('x') ? new string('x', int.Parse(requestId[1..], System.Globalization.CultureInfo.InvariantCulture)) : requestId;
        var request = new ResendRequest(digest, mode, mode == ResendMode.To ? "ann@example.org" : null, force, false, id, "test");

        var checkedRequest = DigestResender.Check(request);
        var outcome = await _harness.Services.GetRequiredService<DigestResender>().ResendAsync(request, null, Cancel);

        Assert.Equal(expected, checkedRequest?.RefusalKind ?? ResendRefusal.None);
        Assert.Equal(expected, outcome.RefusalKind);
        Assert.Equal(expected == ResendRefusal.None ? 1 : 0, await _harness.CountAsync("SELECT COUNT(*) FROM resends"));
    }

    [Fact]
    public async Task ResendAsync_UnknownOrPendingAddress_RefusalNamesNoCliOption()
    {
        await _harness.AddSubscriberAsync("ann@example.org");
        await _harness.AddSubscriberAsync("pat@example.org", SubscriberStatus.Pending);
        await _harness.BaselineAsync();
        var digest = await SendDigestAsync("one.md", "One", "2026-03-01");
        var resender = _harness.Services.GetRequiredService<DigestResender>();

        var unknown = await resender.ResendAsync(new ResendRequest(digest, ResendMode.To, " Bob@Example.ORG ", false, false, "r1", "test"), null, Cancel);
        var pending = await resender.ResendAsync(new ResendRequest(digest, ResendMode.To, "pat@example.org", false, false, "r2", "test"), null, Cancel);

        Assert.Equal(("Bob@example.org is not a subscriber", ResendRefusal.NotSubscriber, "Bob@example.org"),
            (unknown.Refusal, unknown.RefusalKind, unknown.RefusedAddress));
        Assert.Equal(("pat@example.org is pending", ResendRefusal.NeedsForce), (pending.Refusal, pending.RefusalKind));
        Assert.Equal(0, await _harness.CountAsync("SELECT COUNT(*) FROM resends"));
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
