using Microsoft.Extensions.Options;

namespace Syndicate.Subscribers;

/// <summary>How subscriptions are confirmed and links signed.</summary>
internal sealed class SubscribersOptions
{
    public const string Section = "Subscribers";

    /// <summary>
    /// Subscribers:TokenSecret, the key that signs confirm and unsubscribe links (at least 32
    /// characters). Empty: a random key is generated into Subscribers:TokenSecretFile on first start.
    /// Nodes of one cluster must share it.
    /// </summary>
    public string TokenSecret { get; set; } = "";

    /// <summary>Subscribers:TokenSecretFile, where the generated key is kept (relative to the content root).</summary>
    public string TokenSecretFile { get; set; } = "data/token-secret";

    /// <summary>Subscribers:ConfirmationInterval, the least time between two confirmation mails to one address.</summary>
    public TimeSpan ConfirmationInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Subscribers:ConfirmLinkLifetime, how long a confirmation link works.</summary>
    public TimeSpan ConfirmLinkLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Subscribers:RequestsPerMinute, subscribe requests allowed per client address per minute.</summary>
    public int RequestsPerMinute { get; set; } = 5;

    public override string ToString() => "Subscribers { TokenSecret = (hidden) }";
}

internal sealed class SubscribersOptionsValidator : IValidateOptions<SubscribersOptions>
{
    public ValidateOptionsResult Validate(string? name, SubscribersOptions options)
    {
        var failures = new List<string>();
        if (options.TokenSecret.Length is > 0 and < 32)
        {
            failures.Add("Subscribers:TokenSecret is shorter than 32 characters; use a long random value, or leave it empty to have one generated.");
        }

        if (options.TokenSecret.Length == 0 && string.IsNullOrWhiteSpace(options.TokenSecretFile))
        {
            failures.Add("Subscribers:TokenSecretFile is empty while Subscribers:TokenSecret is empty too; set one of them.");
        }

        if (options.RequestsPerMinute < 1)
        {
            failures.Add($"Subscribers:RequestsPerMinute {options.RequestsPerMinute} must be at least 1.");
        }

        if (options.ConfirmationInterval < TimeSpan.Zero || options.ConfirmLinkLifetime <= TimeSpan.Zero)
        {
            failures.Add("Subscribers:ConfirmationInterval and Subscribers:ConfirmLinkLifetime must be positive times such as 01:00:00 and 7.00:00:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
