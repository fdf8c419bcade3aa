using System.Net;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.Mail;

namespace Syndicate.IntegrationTests.Mail;

public sealed class SmtpMailTransportTests : IAsyncLifetime
{
    private SmtpTestServer _server = null!;
    private SmtpMailTransport _transport = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await SmtpTestServer.StartAsync();
        _transport = Transport(_server.Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _transport.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task SendAsync_DeliversTheMessageAsWritten()
    {
        var message = Message("reader@example.org", "Hello ünïcode");

        await _transport.SendAsync(message, TestContext.Current.CancellationToken);

        var raw = Assert.Single(_server.Messages);
        var received = MimeMessage.Load(new MemoryStream(raw), TestContext.Current.CancellationToken);
        Assert.Equal("Hello ünïcode", received.Subject);
        Assert.Equal(message.MessageId, received.MessageId);
        Assert.Equal("reader@example.org", received.To.Mailboxes.Single().Address);
        Assert.Equal("Body of Hello ünïcode", received.TextBody?.TrimEnd());
    }

    [Fact]
    public async Task SendAsync_SeveralMessages_ReuseOneConnection()
    {
        for (var i = 0; i < 5; i++)
        {
            await _transport.SendAsync(Message($"reader{i}@example.org", $"Message {i}"), TestContext.Current.CancellationToken);
        }

        Assert.Equal(5, _server.Messages.Count);
        Assert.Equal(1, _server.Connections);
        Assert.Equal(1, _transport.ConnectionsOpened);
    }

    [Fact]
    public async Task ConnectAheadAsync_OpensTheConnectionTheNextMessagesUse()
    {
        await _transport.ConnectAheadAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, _server.Connections);
        Assert.Empty(_server.Messages);
        await _transport.SendAsync(Message("reader@example.org", "After connecting ahead"), TestContext.Current.CancellationToken);
        await _transport.SendAsync(Message("other@example.org", "And one more"), TestContext.Current.CancellationToken);

        Assert.Equal(2, _server.Messages.Count);
        Assert.Equal(1, _server.Connections);
        Assert.Equal(1, _transport.ConnectionsOpened);
    }

    [Fact]
    public async Task ConnectAheadAsync_NobodyListening_LeavesTheFailureToTheMessage()
    {
        await using var transport = Transport(FreePort());

        await transport.ConnectAheadAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, transport.ConnectionsOpened);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => transport.SendAsync(Message("a@example.org", "Nowhere"), TestContext.Current.CancellationToken));
        Assert.True(SmtpFailure.Classify(error).IsTransient);
    }

    [Fact]
    public async Task SendAsync_ConcurrentCallers_ShareTheConnectionOneMessageAtATime()
    {
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => _transport.SendAsync(Message($"r{i}@example.org", $"Parallel {i}"), TestContext.Current.CancellationToken)));

        Assert.Equal(8, _server.Messages.Count);
        Assert.Equal(1, _server.Connections);
    }

    [Fact]
    public async Task SendAsync_AfterTheServerDroppedTheConnection_ReconnectsAndDelivers()
    {
        await _transport.SendAsync(Message("a@example.org", "Before the drop"), TestContext.Current.CancellationToken);
        _server.DropConnections();
        await Eventually.UntilAsync(() => _server.OpenConnections == 0, "the server to close its side");

        await _transport.SendAsync(Message("b@example.org", "After the drop"), TestContext.Current.CancellationToken);

        Assert.Equal(2, _server.Connections);
        Assert.Equal(2, _transport.ConnectionsOpened);
        var subjects = _server.Messages.Select(raw => MimeMessage.Load(new MemoryStream(raw), TestContext.Current.CancellationToken).Subject);
        Assert.Equal(["Before the drop", "After the drop"], subjects);
    }

    [Fact]
    public async Task SendAsync_450ForTheRecipient_IsTransientAndTheConnectionStays()
    {
        _server.Reply("busy@example.org", 450, "4.2.1 Mailbox busy, try again later");

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => _transport.SendAsync(Message("busy@example.org", "Busy"), TestContext.Current.CancellationToken));
        await _transport.SendAsync(Message("ok@example.org", "Fine"), TestContext.Current.CancellationToken);

        var failure = SmtpFailure.Classify(error);
        Assert.Equal(SmtpFailureKind.Transient, failure.Kind);
        Assert.Equal(450, failure.StatusCode);
        Assert.Contains("4.2.1 Mailbox busy, try again later", failure.Reason, StringComparison.Ordinal);
        Assert.Single(_server.Messages);
        Assert.Equal(1, _server.Connections);
    }

    [Fact]
    public async Task SendAsync_550ForTheRecipient_IsPermanentWithTheServersReply()
    {
        _server.Reply("gone@example.org", 550, "5.1.1 No such user here");

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => _transport.SendAsync(Message("gone@example.org", "Gone"), TestContext.Current.CancellationToken));

        var failure = SmtpFailure.Classify(error);
        Assert.Equal(SmtpFailureKind.Permanent, failure.Kind);
        Assert.Equal(550, failure.StatusCode);
        // SmtpServer appends its own retry count to the text; the reason keeps whatever the server said.
        Assert.StartsWith("550 5.1.1 No such user here", failure.Reason, StringComparison.Ordinal);
        Assert.EndsWith("(recipient gone@example.org)", failure.Reason, StringComparison.Ordinal);
        Assert.Empty(_server.Messages);
    }

    [Fact]
    public async Task SendAsync_NobodyListening_IsATransientConnectionFailure()
    {
        await using var transport = Transport(FreePort());
        var error = await Assert.ThrowsAnyAsync<Exception>(() => transport.SendAsync(Message("a@example.org", "Nowhere"), TestContext.Current.CancellationToken));

        var failure = SmtpFailure.Classify(error);
        Assert.True(failure.IsTransient, failure.Reason);
        Assert.Null(failure.StatusCode);
    }

    [Fact]
    public async Task SendAsync_LoginWithSecurityAuto_ServerWithoutTls_KeepsThePasswordAndFailsForGood()
    {
        await using var server = await SmtpTestServer.StartAsync(("blog", "S3cret-Pa55"));
        await using var transport = Transport(server.Port, "Auto", ("blog", "S3cret-Pa55"));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => transport.SendAsync(Message("a@example.org", "Clear"), TestContext.Current.CancellationToken));

        Assert.Empty(server.Logins);
        Assert.Empty(server.Messages);
        var failure = SmtpFailure.Classify(error);
        Assert.Equal(SmtpFailureKind.Permanent, failure.Kind);
        Assert.Contains($"127.0.0.1:{server.Port} offered no TLS, so the password was not sent", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("Mail:Smtp:Security", failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("S3cret", failure.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("StartTls")]
    [InlineData("None")]
    public async Task SendAsync_Login_OnlyNoneSendsThePasswordInClear(string security)
    {
        await using var server = await SmtpTestServer.StartAsync(("blog", "S3cret-Pa55"));
        await using var transport = Transport(server.Port, security, ("blog", "S3cret-Pa55"));

        var sending = transport.SendAsync(Message("a@example.org", "Login"), TestContext.Current.CancellationToken);

        if (security == "None")
        {
            await sending;
            Assert.Equal([("blog", "S3cret-Pa55")], server.Logins);
            Assert.Single(server.Messages);
        }
        else
        {
            // StartTls demands the upgrade the server does not offer: MailKit stops before any login.
            await Assert.ThrowsAnyAsync<Exception>(() => sending);
            Assert.Empty(server.Logins);
            Assert.Empty(server.Messages);
        }
    }

    /// <summary>A loopback port nobody listens on (taken and let go).</summary>
    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static SmtpMailTransport Transport(int port, string security = "None", (string User, string Password)? login = null)
    {
        var options = new MailOptions { Mode = "Smtp" };
        options.Smtp.Host = "127.0.0.1";
        options.Smtp.Port = port;
        options.Smtp.Security = security;
        options.Smtp.UserName = login?.User ?? "";
        options.Smtp.Password = login?.Password ?? "";
        var wrapped = Options.Create(options);
        var environment = new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { ContentRootPath = Path.GetTempPath() };
        return new SmtpMailTransport(wrapped, new MailSigner(wrapped, environment), TimeProvider.System, NullLogger<SmtpMailTransport>.Instance);
    }

    private static MimeMessage Message(string to, string subject)
    {
        var message = new MimeMessage { Subject = subject, MessageId = $"{Guid.NewGuid():N}@example.org" };
        message.From.Add(new MailboxAddress("Blog", "news@example.org"));
        message.To.Add(new MailboxAddress("", to));
        message.Body = new TextPart("plain") { Text = $"Body of {subject}\n" };
        return message;
    }
}
