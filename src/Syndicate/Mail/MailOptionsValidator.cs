using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Syndicate.Mail;

/// <summary>Checks Mail:*, naming every wrong key at once with its value (never the password) and the fix.</summary>
internal sealed class MailOptionsValidator(IHostEnvironment environment) : IValidateOptions<MailOptions>
{
    public ValidateOptionsResult Validate(string? name, MailOptions options)
    {
        var failures = new List<string>();
        if (!TryParseMailbox(options.From, out _))
        {
            failures.Add($"Mail:From '{options.From}' is not one mailbox with a domain; set it to the sender, for example Blog <news@blog.example.org>.");
        }

        if (!MailModes.TryParse(options.Mode, out var mode))
        {
            failures.Add($"Mail:Mode '{options.Mode}' is not known; use Pickup (write .eml files to Mail:PickupFolder) or Smtp (deliver through Mail:Smtp).");
        }

        if (mode == MailMode.Pickup && string.IsNullOrWhiteSpace(options.PickupFolder))
        {
            failures.Add("Mail:PickupFolder is empty; set it to the folder .eml files are written to, for example outbox.");
        }
        else if (mode == MailMode.Pickup
            && Hosting.FolderSetting.FileInstead("Mail:PickupFolder", options.PickupFolder, Path.GetFullPath(options.PickupFolder, environment.ContentRootPath),
                "point Mail:PickupFolder at a folder (it is created when missing), for example outbox.") is { } isFile)
        {
            failures.Add(isFile);
        }

        if (!string.IsNullOrWhiteSpace(options.UnsubscribeMailto) && !TryParseMailbox(options.UnsubscribeMailto, out _))
        {
            failures.Add($"Mail:UnsubscribeMailto '{options.UnsubscribeMailto}' is not one address with a domain; set it to an address such as unsubscribe@blog.example.org or leave it empty.");
        }

        ValidateSmtp(options.Smtp, mode, failures);
        ValidateDkim(options.Dkim, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>True when <paramref name="text"/> is exactly one mailbox (not a group, not a list) whose address has a domain.</summary>
    public static bool TryParseMailbox(string? text, out MailboxAddress mailbox)
    {
        mailbox = null!;
        if (string.IsNullOrWhiteSpace(text) || text.Contains('\r', StringComparison.Ordinal) || text.Contains('\n', StringComparison.Ordinal))
        {
            return false;
        }

        if (!InternetAddressList.TryParse(text, out var list) || list.Count != 1 || list[0] is not MailboxAddress parsed)
        {
            return false;
        }

        var at = parsed.Address.LastIndexOf('@');
        if (at <= 0 || at == parsed.Address.Length - 1)
        {
            return false;
        }

        mailbox = parsed;
        return true;
    }

    private static void ValidateSmtp(MailOptions.SmtpOptions smtp, MailMode mode, List<string> failures)
    {
        if (mode == MailMode.Smtp && string.IsNullOrWhiteSpace(smtp.Host))
        {
            failures.Add("Mail:Smtp:Host is empty; set it to the SMTP server's host name, for example smtp.example.org.");
        }

        if (smtp.Port is < 1 or > 65535)
        {
            failures.Add($"Mail:Smtp:Port {smtp.Port} is not a TCP port; use 1 to 65535, usually 25, 587 or 465.");
        }

        if (!MailModes.TryParse<SmtpSecurity>(smtp.Security, out _))
        {
            failures.Add($"Mail:Smtp:Security '{smtp.Security}' is not known; use Auto, None, StartTls or SslOnConnect.");
        }

        if (smtp.MaxConnections < 1)
        {
            failures.Add($"Mail:Smtp:MaxConnections {smtp.MaxConnections} is less than 1; use 1 or more, for example 4.");
        }

        if (smtp.MessagesPerSecond < 0 || double.IsNaN(smtp.MessagesPerSecond) || double.IsInfinity(smtp.MessagesPerSecond))
        {
            failures.Add($"Mail:Smtp:MessagesPerSecond {smtp.MessagesPerSecond} is not a rate; use 0 for no limit or a positive number such as 10.");
        }

        if (string.IsNullOrEmpty(smtp.UserName) && !string.IsNullOrEmpty(smtp.Password))
        {
            failures.Add("Mail:Smtp:Password is set but Mail:Smtp:UserName is empty; set the user name too, or clear the password to send without logging in.");
        }
    }

    private void ValidateDkim(MailOptions.DkimOptions dkim, List<string> failures)
    {
        if (!dkim.IsConfigured)
        {
            return;
        }

        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(dkim.Domain))
        {
            missing.Add("Mail:Dkim:Domain");
        }

        if (string.IsNullOrWhiteSpace(dkim.Selector))
        {
            missing.Add("Mail:Dkim:Selector");
        }

        if (string.IsNullOrWhiteSpace(dkim.PrivateKeyFile))
        {
            missing.Add("Mail:Dkim:PrivateKeyFile");
        }

        if (missing.Count > 0)
        {
            failures.Add($"Mail:Dkim is half set: {string.Join(" and ", missing)} {(missing.Count == 1 ? "is" : "are")} empty; set all of Domain, Selector and PrivateKeyFile to sign, or clear all three to send unsigned.");
            return;
        }

        var path = MailSigner.KeyPath(dkim, environment);
        try
        {
            _ = MailSigner.CreateSigner(dkim, environment);
        }
        catch (Exception ex)
        {
            var reason = ex is FileNotFoundException or DirectoryNotFoundException ? "no such file" : ex.Message.TrimEnd('.');
            failures.Add($"Mail:Dkim:PrivateKeyFile '{dkim.PrivateKeyFile}' cannot be read as a PEM private key ({path}: {reason}); point it at the readable key of selector {dkim.Selector}.");
        }
    }
}
