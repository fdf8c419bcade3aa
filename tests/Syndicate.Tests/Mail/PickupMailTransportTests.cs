using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Syndicate.Mail;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Mail;

public sealed class PickupMailTransportTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero));

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task SendAsync_WritesOneParseableEmlAndNothingElse()
    {
        var transport = Transport(new MailOptions { PickupFolder = "outbox" });

        await transport.SendAsync(Message("Hello ünïcode"), TestContext.Current.CancellationToken);

        var file = Assert.Single(Directory.GetFiles(_temp.Combine("outbox")));
        Assert.Matches(@"^20250304T050607000Z-[0-9a-f]{32}\.eml$", Path.GetFileName(file));
        var bytes = await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken);
        Assert.DoesNotContain("\n", Encoding.ASCII.GetString(bytes).Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var parsed = MimeMessage.Load(new MemoryStream(bytes), TestContext.Current.CancellationToken);
        Assert.Equal("Hello ünïcode", parsed.Subject);
        Assert.Equal("reader@example.org", parsed.To.Mailboxes.Single().Address);
        Assert.Equal("Body text", parsed.TextBody?.TrimEnd());
    }

    [Fact]
    public async Task SendAsync_ManyAtOnce_GivesEachMessageItsOwnFileAndLeavesNoTemporaries()
    {
        var transport = Transport(new MailOptions { PickupFolder = "deep/outbox" });

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => transport.SendAsync(Message($"Message {i}"), TestContext.Current.CancellationToken)));

        var files = Directory.GetFiles(_temp.Combine("deep/outbox"));
        Assert.Equal(20, files.Length);
        Assert.All(files, file => Assert.EndsWith(".eml", file, StringComparison.Ordinal));
        var subjects = files.Select(file => MimeMessage.Load(file, TestContext.Current.CancellationToken).Subject).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"Message {i}").Order(StringComparer.Ordinal), subjects);
    }

    [Fact]
    public async Task SendAsync_FolderMissing_CreatesItForItsOwnerOnly()
    {
        var transport = Transport(new MailOptions { PickupFolder = "private/outbox" });

        await transport.SendAsync(Message("Hello"), TestContext.Current.CancellationToken);

        Assert.Equal(FileModes.OwnerOnlyFolder, FileModes.Of(_temp.Combine("private/outbox")));
        Assert.Single(Directory.GetFiles(_temp.Combine("private/outbox")));
    }

    [Fact]
    public async Task SendAsync_FolderIsAFile_PickupWriteExceptionNamingTheFolder()
    {
        _temp.Write("outbox", "not a folder");
        var transport = Transport(new MailOptions { PickupFolder = "outbox" });

        var error = await Assert.ThrowsAsync<PickupWriteException>(() => transport.SendAsync(Message("Hello"), TestContext.Current.CancellationToken));

        Assert.StartsWith($"could not create the pickup folder {_temp.Combine("outbox")}: ", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(error.InnerException);
    }

    [Fact]
    public void PickupProblem_FileOrMissingOrWritableFolder()
    {
        _temp.Write("afile", "x");
        Directory.CreateDirectory(_temp.Combine("ok"));

        Assert.Equal($"{_temp.Combine("afile")} is a file, not a folder; point Mail:PickupFolder at a folder", Syndicate.Status.StatusReporter.PickupProblem(_temp.Combine("afile")));
        Assert.Null(Syndicate.Status.StatusReporter.PickupProblem(_temp.Combine("missing")));
        Assert.Null(Syndicate.Status.StatusReporter.PickupProblem(_temp.Combine("ok")));
        Assert.Empty(Directory.GetFiles(_temp.Combine("ok")));
    }

    [Fact]
    public async Task SendAsync_FolderExists_KeepsTheModeTheOperatorGaveIt()
    {
        Directory.CreateDirectory(_temp.Combine("shared"));
        FileModes.Set(_temp.Combine("shared"), FileModes.Shared);
        var transport = Transport(new MailOptions { PickupFolder = "shared" });

        await transport.SendAsync(Message("Hello"), TestContext.Current.CancellationToken);

        Assert.Equal(FileModes.Shared, FileModes.Of(_temp.Combine("shared")));
        Assert.Single(Directory.GetFiles(_temp.Combine("shared")));
    }

    [Fact]
    public async Task SendAsync_WithDkim_AddsASignatureThatVerifies()
    {
        using var rsa = RSA.Create(2048);
        _temp.Write("dkim.pem", rsa.ExportRSAPrivateKeyPem());
        var options = new MailOptions { PickupFolder = "outbox" };
        options.Dkim.Domain = "example.org";
        options.Dkim.Selector = "mail";
        options.Dkim.PrivateKeyFile = "dkim.pem";
        var transport = Transport(options);

        await transport.SendAsync(Message("Signed"), TestContext.Current.CancellationToken);

        var parsed = MimeMessage.Load(Assert.Single(Directory.GetFiles(_temp.Combine("outbox"))), TestContext.Current.CancellationToken);
        var signature = parsed.Headers[parsed.Headers.IndexOf(HeaderId.DkimSignature)];
        Assert.Contains("d=example.org", signature.Value, StringComparison.Ordinal);
        Assert.Contains("s=mail", signature.Value, StringComparison.Ordinal);
        var verifier = new DkimVerifier(new OneKeyLocator(PublicKeyFactory.CreateKey(rsa.ExportSubjectPublicKeyInfo())));
        Assert.True(await verifier.VerifyAsync(parsed, signature, TestContext.Current.CancellationToken), "the signature must verify against the public half of the configured key");
    }

    private PickupMailTransport Transport(MailOptions options)
    {
        var environment = new TestHostEnvironment(_temp.Path);
        var wrapped = Options.Create(options);
        return new PickupMailTransport(wrapped, environment, new MailSigner(wrapped, environment), _time, NullLogger<PickupMailTransport>.Instance);
    }

    private static MimeMessage Message(string subject)
    {
        var message = new MimeMessage { Subject = subject, MessageId = $"{Guid.NewGuid():N}@example.org" };
        message.From.Add(new MailboxAddress("Blog", "news@example.org"));
        message.To.Add(new MailboxAddress("Reader", "reader@example.org"));
        message.Body = new TextPart("plain") { Text = "Body text\n" };
        return message;
    }

    private sealed class OneKeyLocator(AsymmetricKeyParameter key) : IDkimPublicKeyLocator
    {
        public AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) => key;

        public Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) => Task.FromResult(key);
    }
}
