using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.Mail;
using Syndicate.Subscribers;
using Syndicate.Web;

namespace Syndicate.IntegrationTests.Subscribers;

/// <summary>
/// POST /subscribe must not tell by its time whether an address is known: the confirmation mail goes out in the
/// background after the answer, and every accepted answer takes at least <see cref="SubscriptionEndpoints.MinimumAnswerTime"/>.
/// Over Kestrel with the real host, SQLite and the pickup folder; a transport that blocks stands in for a slow mail server.
/// </summary>
public sealed class SubscribeInBackgroundTests : IDisposable
{
    private readonly SubscriberSite _site = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task PostSubscribe_NewAddress_ConfirmationMailArrivesShortlyAfterTheAnswerWithItsLink()
    {
        await using var service = await _site.StartAsync();

        using var response = await PostFormAsync(service, "ann@example.org", "Ann Lee");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var mail = Assert.Single(await _site.MailsAsync());
        Assert.Equal("Confirm your subscription to Integration blog", mail.Subject);
        Assert.Equal(("ann@example.org", "Ann Lee"), (mail.To.Mailboxes.Single().Address, mail.To.Mailboxes.Single().Name));
        var token = SubscriberSite.ConfirmToken(mail);
        Assert.Contains($"https://blog.example.test/confirm/{token}", mail.HtmlBody, StringComparison.Ordinal);
        Assert.True(_site.Tokens.TryRead(token, TokenPurpose.Confirm, out var id, out _));
        Assert.Equal(_site.Row("ann@example.org")!.Value.Id, id);
        Assert.NotNull(_site.ConfirmationSentAt("ann@example.org"));
        Assert.Single(service.Logs.WithId(3002));

        using var confirm = await service.GetAsync("/confirm/" + token);

        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Equal("active", _site.Row("ann@example.org")?.Status);
    }

    [Fact]
    public async Task PostSubscribe_NewPendingActiveAndUnsubscribed_EveryAnswerNoSoonerThanTheMinimumAndTheSame()
    {
        await using var service = await _site.StartAsync();
        var activeId = await ConfirmedAsync(service, "active@example.org");
        var goneId = await ConfirmedAsync(service, "gone@example.org");
        using (await service.SendAsync(HttpMethod.Post, "/unsubscribe/" + _site.Tokens.Create(TokenPurpose.Unsubscribe, goneId, DateTimeOffset.UnixEpoch),
            request => request.Content = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")])))
        {
        }

        using (await PostFormAsync(service, "pending@example.org", ""))
        {
        }

        await _site.MailsAsync(3);
        Assert.Equal(
            ["active", "unsubscribed", "pending"],
            new[] { "active@example.org", "gone@example.org", "pending@example.org" }.Select(email => _site.Row(email)?.Status));
        Assert.Equal(activeId, _site.Row("active@example.org")!.Value.Id);

        var answers = new List<(string What, TimeSpan Took, string Answer)>();
        foreach (var (what, email) in new[]
        {
            ("new", "new1@example.org"),
            ("active", "active@example.org"),
            ("pending, mailed within the interval", "pending@example.org"),
            ("unsubscribed", "gone@example.org"),
        })
        {
            answers.Add(await TimedAsync($"form, {what}", () => PostFormAsync(service, email, "X")));
            answers.Add(await TimedAsync($"json, {what}", () => PostJsonAsync(service, new { email = email.Replace("new1", "new2", StringComparison.Ordinal), name = "X" })));
        }

        Assert.All(answers, answer => Assert.True(
            answer.Took >= SubscriptionEndpoints.MinimumAnswerTime, $"{answer.What} answered after {answer.Took.TotalMilliseconds:0.0} ms"));
        Assert.Single(answers.Where(answer => answer.What.StartsWith("form", StringComparison.Ordinal)).Select(answer => answer.Answer).Distinct());
        Assert.Single(answers.Where(answer => answer.What.StartsWith("json", StringComparison.Ordinal)).Select(answer => answer.Answer).Distinct());
    }

    [Fact]
    public async Task PostSubscribe_MailServerSlow_TheAnswerDoesNotWaitForTheMail()
    {
        var transport = new BlockingTransport();
        await using var service = await RunningService.StartAsync(
            _site.Site, _site.Settings(), services: services => services.AddSingleton<IMailTransport>(transport));

        using var response = await PostFormAsync(service, "ann@example.org", "");

        // The transport holds the mail until released below: an answer that waited for it would never have come.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("pending", _site.Row("ann@example.org")?.Status);
        await Eventually.UntilAsync(() => transport.Entered == 1, "the confirmation mail handed to the transport");
        Assert.Equal(0, transport.Sent);
        Assert.Empty(service.Logs.WithId(3002));

        transport.Release();

        await Eventually.UntilAsync(() => service.Logs.WithId(3002).Count == 1, "the confirmation mail logged as sent");
        var mail = Assert.Single(transport.Messages);
        Assert.Equal("ann@example.org", mail.To.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task PostSubscribe_RepeatedRequestsForOneAddress_OneMailWithinTheInterval()
    {
        await using var service = await _site.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            using (await PostFormAsync(service, "ann@example.org", ""))
            {
            }

            using (await PostJsonAsync(service, new { email = "ANN@example.org" }))
            {
            }
        }

        // Mails go out in the order they were asked for: once the next address's mail is out, Ann's requests are all done.
        using (await PostFormAsync(service, "marker1@example.org", ""))
        {
        }

        await Eventually.UntilAsync(() => MailsTo("marker1@example.org") == 1, "the mail to marker1");
        Assert.Equal(1, MailsTo("ann@example.org"));

        using (await PostFormAsync(service, "ann@example.org", ""))
        {
        }

        using (await PostFormAsync(service, "marker2@example.org", ""))
        {
        }

        await Eventually.UntilAsync(() => MailsTo("marker2@example.org") == 1, "the mail to marker2");
        Assert.Equal(1, MailsTo("ann@example.org"));
    }

    [Fact]
    public async Task Stop_WithAMailInFlightAndOneQueued_StopsWithinTheShutdownTimeAndGivesThemBack()
    {
        // A mail server that never answers: the stop must not wait for it.
        var transport = new BlockingTransport();
        var service = await RunningService.StartAsync(_site.Site, _site.Settings(), services: services =>
        {
            services.AddSingleton<IMailTransport>(transport);
            services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(2));
        });
        using (await PostFormAsync(service, "ann@example.org", ""))
        {
        }

        await Eventually.UntilAsync(() => transport.Entered == 1, "Ann's mail handed to the transport");
        using (await PostFormAsync(service, "bob@example.org", ""))
        {
        }

        var stopwatch = Stopwatch.StartNew();
        await service.DisposeAsync();
        stopwatch.Stop();

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), $"the stop took {stopwatch.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(0, transport.Sent);
        Assert.Single(service.Logs.WithId(3012));
        // Neither is held back for the interval: each may ask again at once.
        Assert.Null(_site.ConfirmationSentAt("ann@example.org"));
        Assert.Null(_site.ConfirmationSentAt("bob@example.org"));
        Assert.Equal("pending", _site.Row("bob@example.org")?.Status);
    }

    private int MailsTo(string email) =>
        _site.Mails().Count(mail => mail.To.Mailboxes.Single().Address.Equals(email, StringComparison.OrdinalIgnoreCase));

    private static Task<HttpResponseMessage> PostFormAsync(RunningService service, string email, string name) =>
        service.SendAsync(HttpMethod.Post, "/subscribe", request =>
            request.Content = new FormUrlEncodedContent([new("email", email), new("name", name)]));

    private static Task<HttpResponseMessage> PostJsonAsync(RunningService service, object body) =>
        service.SendAsync(HttpMethod.Post, "/subscribe", request => request.Content = JsonContent.Create(body));

    /// <summary>How long an answer took, measured by the client, and everything of it but the Date header.</summary>
    private static async Task<(string What, TimeSpan Took, string Answer)> TimedAsync(string what, Func<Task<HttpResponseMessage>> send)
    {
        var stopwatch = Stopwatch.StartNew();
        using var response = await send();
        var body = await response.Content.ReadAsByteArrayAsync(Cancel);
        var took = stopwatch.Elapsed;
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(header => header.Key != "Date")
            .OrderBy(header => header.Key, StringComparer.Ordinal)
            .Select(header => header.Key + ": " + string.Join(",", header.Value));
        return (what, took, $"{(int)response.StatusCode}\n{string.Join("\n", headers)}\n\n{Convert.ToBase64String(body)}");
    }

    /// <summary>Subscribes through the form and follows the mailed link; returns the subscriber's id.</summary>
    private async Task<long> ConfirmedAsync(RunningService service, string email)
    {
        using (await PostFormAsync(service, email, ""))
        {
        }

        await Eventually.UntilAsync(() => MailsTo(email) == 1, "the confirmation mail to " + email);
        var mail = _site.Mails().Single(m => m.To.Mailboxes.Single().Address == email);
        using (await service.GetAsync("/confirm/" + SubscriberSite.ConfirmToken(mail)))
        {
        }

        return _site.Row(email)!.Value.Id;
    }

    /// <summary>A mail server that takes each message only when released (and never, if not), honouring cancellation.</summary>
    private sealed class BlockingTransport : IMailTransport
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly System.Collections.Concurrent.ConcurrentQueue<MimeMessage> _messages = new();
        private int _entered;

        public int Entered => Volatile.Read(ref _entered);

        public int Sent => _messages.Count;

        public IReadOnlyList<MimeMessage> Messages => _messages.ToArray();

        public void Release() => _release.TrySetResult();

        public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _entered);
            await _release.Task.WaitAsync(cancellationToken);
            _messages.Enqueue(message);
        }
    }
}
