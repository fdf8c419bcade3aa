using MimeKit;

namespace Syndicate.Subscribers;

/// <summary>
/// What counts as a subscriber's address: exactly one plain address (no display name, no list,
/// no group), a local part and a domain with a dot, within RFC 5321's lengths. Addresses are
/// trimmed, and compared without regard to case.
/// </summary>
internal static class EmailAddressRule
{
    /// <summary>The longest address there is (RFC 5321: a path of 256 octets, less its angle brackets).</summary>
    public const int MaxLength = 254;

    public static bool TryNormalize(string? input, out string address, out string error)
    {
        address = "";
        error = "";
        var text = input?.Trim() ?? "";
        if (text.Length == 0)
        {
            error = "the address is empty";
            return false;
        }

        if (text.Length > MaxLength || text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) || text.Contains('<') || text.Contains(',') || text.Contains(';'))
        {
            error = $"'{Printable(text)}' is not a single plain email address";
            return false;
        }

        if (!MailboxAddress.TryParse(ParserOptions.Default, text, out var mailbox) || !string.IsNullOrEmpty(mailbox.Name) || mailbox.Route.Count > 0)
        {
            error = $"'{Printable(text)}' is not a valid email address";
            return false;
        }

        var at = mailbox.Address.LastIndexOf('@');
        var local = at > 0 ? mailbox.Address[..at] : "";
        var domain = at > 0 ? mailbox.Address[(at + 1)..] : "";
        if (local.Length is 0 or > 64 || !domain.Contains('.', StringComparison.Ordinal) || domain.StartsWith('.') || domain.EndsWith('.')
            || domain.Contains("..", StringComparison.Ordinal) || domain.Split('.').Any(label => label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-')))
        {
            error = $"'{Printable(text)}' is not a valid email address (it needs a name, an @ and a domain such as example.org)";
            return false;
        }

        address = local + "@" + domain.ToLowerInvariant();
        return true;
    }

    /// <summary>The key under which an address is unique: the whole address, lower case.</summary>
    public static string Key(string address) => address.ToLowerInvariant();

    private static string Printable(string text) => new(text.Select(c => char.IsControl(c) ? '?' : c).Take(100).ToArray());
}
