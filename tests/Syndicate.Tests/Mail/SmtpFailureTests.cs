using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Syndicate.Mail;

namespace Syndicate.Tests.Mail;

public sealed class SmtpFailureTests
{
    [Fact]
    public void Classify_4xxReply_IsTransientWithTheReply()
    {
        var error = new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, (SmtpStatusCode)450, new MailboxAddress("", "busy@example.org"), "4.2.1 Mailbox busy,\r\n try later");

        var failure = SmtpFailure.Classify(error);

        Assert.Equal(new SmtpFailure(SmtpFailureKind.Transient, 450, "450 4.2.1 Mailbox busy, try later (recipient busy@example.org)"), failure);
        Assert.True(failure.IsTransient);
    }

    [Fact]
    public void Classify_5xxReply_IsPermanentWithTheReply()
    {
        var error = new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, new MailboxAddress("", "gone@example.org"), "5.1.1 No such user");

        var failure = SmtpFailure.Classify(error);

        Assert.Equal(SmtpFailureKind.Permanent, failure.Kind);
        Assert.Equal(550, failure.StatusCode);
        Assert.Equal("550 5.1.1 No such user (recipient gone@example.org)", failure.Reason);
    }

    [Fact]
    public void Classify_421ServiceNotAvailable_IsTransient()
    {
        var error = new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.ServiceNotAvailable, "Too many connections");

        Assert.True(SmtpFailure.Classify(error).IsTransient);
    }

    [Theory]
    [MemberData(nameof(ConnectionErrors))]
    public void Classify_ConnectionErrors_AreTransientWithoutStatus(Exception error)
    {
        var failure = SmtpFailure.Classify(error);

        Assert.Equal(SmtpFailureKind.Transient, failure.Kind);
        Assert.Null(failure.StatusCode);
        Assert.StartsWith("connection failed: ", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_LoginRefused_IsPermanent()
    {
        var failure = SmtpFailure.Classify(new AuthenticationException("535 bad credentials"));

        Assert.Equal(SmtpFailureKind.Permanent, failure.Kind);
        Assert.StartsWith("SMTP login refused", failure.Reason, StringComparison.Ordinal);
    }

    public static TheoryData<Exception> ConnectionErrors() =>
    [
        new IOException("Connection reset by peer"),
        new SocketException((int)SocketError.ConnectionRefused),
        new SmtpProtocolException("The SMTP server has unexpectedly disconnected."),
        new TimeoutException("timed out"),
    ];

    [Fact]
    public void Classify_PickupFolderNotWritable_TransientAndSaidAsThePickupFolder()
    {
        var failure = SmtpFailure.Classify(new PickupWriteException("could not write the message into the pickup folder /x/outbox: Disk full", new IOException("Disk full")));

        Assert.True(failure.IsTransient);
        Assert.Null(failure.StatusCode);
        Assert.Equal("could not write the message into the pickup folder /x/outbox: Disk full", failure.Reason);
        Assert.True(SmtpFailure.IsExpected(new PickupWriteException("x", new IOException())));
        Assert.False(SmtpFailure.IsConnectionFailure(new PickupWriteException("x", new IOException())));
    }
}
