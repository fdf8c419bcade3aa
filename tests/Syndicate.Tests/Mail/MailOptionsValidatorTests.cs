using System.Security.Cryptography;
using Syndicate.Mail;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Mail;

public sealed class MailOptionsValidatorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        var result = Validate(new MailOptions());

        Assert.True(result.Succeeded, string.Join(" ", result.Failures ?? []));
    }

    [Theory]
    [InlineData("")]
    [InlineData("news")]
    [InlineData("Blog <news>")]
    [InlineData("a@example.org, b@example.org")]
    [InlineData("Team: a@example.org;")]
    [InlineData("Blog <news@example.org>\r\nBcc: x@y.z")]
    public void Validate_FromNotOneMailboxWithDomain_NamesKeyValueAndFix(string from)
    {
        var failure = Assert.Single(Validate(new MailOptions { From = from }).Failures!);

        Assert.StartsWith($"Mail:From '{from}' is not one mailbox with a domain;", failure, StringComparison.Ordinal);
        Assert.Contains("for example Blog <news@blog.example.org>", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Smtps")]
    [InlineData("1")]
    [InlineData("")]
    public void Validate_UnknownMode_NamesKeyAndChoices(string mode)
    {
        var failure = Assert.Single(Validate(new MailOptions { Mode = mode }).Failures!);

        Assert.Equal($"Mail:Mode '{mode}' is not known; use Pickup (write .eml files to Mail:PickupFolder) or Smtp (deliver through Mail:Smtp).", failure);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    public void Validate_PortOutOfRange_Fails(int port)
    {
        var options = new MailOptions { Mode = "smtp" };
        options.Smtp.Port = port;

        var failure = Assert.Single(Validate(options).Failures!);

        Assert.Equal($"Mail:Smtp:Port {port} is not a TCP port; use 1 to 65535, usually 25, 587 or 465.", failure);
    }

    [Fact]
    public void Validate_EverySmtpProblem_ReportedAtOnce()
    {
        var options = new MailOptions { Mode = "Smtp" };
        options.Smtp.Host = " ";
        options.Smtp.MaxConnections = 0;
        options.Smtp.Security = "Tls";
        options.Smtp.MessagesPerSecond = -1;

        var failures = Validate(options).Failures!.ToArray();

        Assert.Equal(4, failures.Length);
        Assert.Contains("Mail:Smtp:Host is empty; set it to the SMTP server's host name, for example smtp.example.org.", failures);
        Assert.Contains("Mail:Smtp:MaxConnections 0 is less than 1; use 1 or more, for example 4.", failures);
        Assert.Contains("Mail:Smtp:Security 'Tls' is not known; use Auto, None, StartTls or SslOnConnect.", failures);
        Assert.Contains(failures, failure => failure.StartsWith("Mail:Smtp:MessagesPerSecond -1 is not a rate;", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_PasswordWithoutUser_NeverShowsThePassword()
    {
        var options = new MailOptions();
        options.Smtp.Password = "hunter2-secret";

        var failure = Assert.Single(Validate(options).Failures!);

        Assert.StartsWith("Mail:Smtp:Password is set but Mail:Smtp:UserName is empty;", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", options.Smtp.ToString(), StringComparison.Ordinal);
        Assert.Contains("Password=(set)", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DkimHalfSet_NamesTheMissingKeys()
    {
        var options = new MailOptions();
        options.Dkim.Domain = "blog.example.org";

        var failure = Assert.Single(Validate(options).Failures!);

        Assert.Equal(
            "Mail:Dkim is half set: Mail:Dkim:Selector and Mail:Dkim:PrivateKeyFile are empty; set all of Domain, Selector and PrivateKeyFile to sign, or clear all three to send unsigned.",
            failure);
    }

    [Fact]
    public void Validate_DkimKeyFileMissing_NamesTheFile()
    {
        var options = Dkim("keys/missing.pem");

        var failure = Assert.Single(Validate(options).Failures!);

        Assert.StartsWith("Mail:Dkim:PrivateKeyFile 'keys/missing.pem' cannot be read as a PEM private key (", failure, StringComparison.Ordinal);
        Assert.Contains("no such file); point it at the readable key of selector mail.", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DkimKeyFileNotPem_Fails()
    {
        _temp.Write("keys/dkim.pem", "not a key");

        var failure = Assert.Single(Validate(Dkim("keys/dkim.pem")).Failures!);

        Assert.StartsWith("Mail:Dkim:PrivateKeyFile 'keys/dkim.pem' cannot be read as a PEM private key", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DkimWithReadableKey_Succeeds()
    {
        using var rsa = RSA.Create(2048);
        _temp.Write("keys/dkim.pem", rsa.ExportRSAPrivateKeyPem());

        var result = Validate(Dkim("keys/dkim.pem"));

        Assert.True(result.Succeeded, string.Join(" ", result.Failures ?? []));
    }

    [Fact]
    public void Validate_UnsubscribeMailtoNotAnAddress_Fails()
    {
        var failure = Assert.Single(Validate(new MailOptions { UnsubscribeMailto = "unsubscribe" }).Failures!);

        Assert.StartsWith("Mail:UnsubscribeMailto 'unsubscribe' is not one address with a domain;", failure, StringComparison.Ordinal);
    }

    private static MailOptions Dkim(string keyFile)
    {
        var options = new MailOptions();
        options.Dkim.Domain = "blog.example.org";
        options.Dkim.Selector = "mail";
        options.Dkim.PrivateKeyFile = keyFile;
        return options;
    }

    private Microsoft.Extensions.Options.ValidateOptionsResult Validate(MailOptions options) =>
        new MailOptionsValidator(new TestHostEnvironment(_temp.Path)).Validate(null, options);
}
