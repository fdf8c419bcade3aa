namespace Syndicate.Mail;

/// <summary>How mail leaves Syndicate: the sender address, the transport and its settings.</summary>
internal sealed class MailOptions
{
    public const string Section = "Mail";

    /// <summary>Mail:Mode, Pickup (write each message as an .eml file into Mail:PickupFolder) or Smtp (deliver through Mail:Smtp).</summary>
    public string Mode { get; set; } = nameof(MailMode.Pickup);

    /// <summary>Mail:PickupFolder, where Pickup mode writes its .eml files (relative to the content root).</summary>
    public string PickupFolder { get; set; } = "outbox";

    /// <summary>Mail:From, the one sender mailbox of every message, such as <c>Blog &lt;news@blog.example.org&gt;</c>; its domain also names Message-IDs.</summary>
    public string From { get; set; } = "Blog <news@blog.example.org>";

    /// <summary>Mail:UnsubscribeMailto, an address offered beside the one-click link in List-Unsubscribe; empty for none.</summary>
    public string UnsubscribeMailto { get; set; } = "";

    /// <summary>Mail:Smtp, the SMTP server used in Smtp mode.</summary>
    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>Mail:Dkim, DKIM signing of every message; all three keys set, or none.</summary>
    public DkimOptions Dkim { get; set; } = new();

    /// <summary>The mode, once the validator has accepted <see cref="Mode"/>.</summary>
    public MailMode ParsedMode() => MailModes.TryParse(Mode, out var mode) ? mode : MailMode.Pickup;

    public override string ToString() =>
        $"Mode={Mode}, PickupFolder={PickupFolder}, From={From}, UnsubscribeMailto={UnsubscribeMailto}, Smtp={{{Smtp}}}, Dkim={{{Dkim}}}";

    /// <summary>Mail:Smtp.</summary>
    internal sealed class SmtpOptions
    {
        /// <summary>Mail:Smtp:Host, the SMTP server's host name or address.</summary>
        public string Host { get; set; } = "127.0.0.1";

        /// <summary>Mail:Smtp:Port, 25, 587 (submission with STARTTLS) or 465 (TLS on connect), 1 to 65535.</summary>
        public int Port { get; set; } = 25;

        /// <summary>Mail:Smtp:Security, Auto (TLS on connect for port 465, else STARTTLS when offered), None, StartTls or SslOnConnect.</summary>
        public string Security { get; set; } = nameof(SmtpSecurity.Auto);

        /// <summary>Mail:Smtp:UserName, the login; empty sends without authenticating.</summary>
        public string UserName { get; set; } = "";

        /// <summary>Mail:Smtp:Password, the login's password; a secret, never logged or shown.</summary>
        public string Password { get; set; } = "";

        /// <summary>Mail:Smtp:MaxConnections, how many connections the digest sender may open at once (1 or more).</summary>
        public int MaxConnections { get; set; } = 4;

        /// <summary>Mail:Smtp:MessagesPerSecond, the most messages sent per second over all connections; 0 for no limit.</summary>
        public double MessagesPerSecond { get; set; }

        /// <summary>The security, once the validator has accepted <see cref="Security"/>.</summary>
        public SmtpSecurity ParsedSecurity() => MailModes.TryParse<SmtpSecurity>(Security, out var security) ? security : SmtpSecurity.Auto;

        public override string ToString() =>
            $"Host={Host}, Port={Port}, Security={Security}, UserName={UserName}, Password={(Password.Length == 0 ? "" : "(set)")}, " +
            $"MaxConnections={MaxConnections}, MessagesPerSecond={MessagesPerSecond}";
    }

    /// <summary>Mail:Dkim.</summary>
    internal sealed class DkimOptions
    {
        /// <summary>Mail:Dkim:Domain, the signing domain (d=), usually the domain of Mail:From.</summary>
        public string Domain { get; set; } = "";

        /// <summary>Mail:Dkim:Selector, the selector (s=) whose TXT record under _domainkey holds the public key.</summary>
        public string Selector { get; set; } = "";

        /// <summary>Mail:Dkim:PrivateKeyFile, the PEM RSA private key (relative to the content root).</summary>
        public string PrivateKeyFile { get; set; } = "";

        /// <summary>True when any key is set; the validator insists on all three then.</summary>
        public bool IsConfigured => Domain.Length > 0 || Selector.Length > 0 || PrivateKeyFile.Length > 0;

        public override string ToString() => $"Domain={Domain}, Selector={Selector}, PrivateKeyFile={PrivateKeyFile}";
    }
}

/// <summary>Mail:Mode.</summary>
internal enum MailMode
{
    Pickup,
    Smtp,
}

/// <summary>Mail:Smtp:Security.</summary>
internal enum SmtpSecurity
{
    Auto,
    None,
    StartTls,
    SslOnConnect,
}

/// <summary>Reads the mode and security names, case-insensitively and by name only (never a number).</summary>
internal static class MailModes
{
    public static bool TryParse(string? text, out MailMode mode) => TryParse<MailMode>(text, out mode);

    public static bool TryParse<TEnum>(string? text, out TEnum value)
        where TEnum : struct, Enum
    {
        value = default;
        var trimmed = text?.Trim();
        return !string.IsNullOrEmpty(trimmed)
            && !char.IsAsciiDigit(trimmed[0])
            && trimmed[0] != '-'
            && Enum.TryParse(trimmed, ignoreCase: true, out value)
            && Enum.IsDefined(value);
    }
}
