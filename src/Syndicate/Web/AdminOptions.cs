using Microsoft.Extensions.Options;

namespace Syndicate.Web;

/// <summary>The operator API under /admin: off until a key is set.</summary>
internal sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>The shortest key accepted: a key an attacker could guess online is no key.</summary>
    public const int MinimumKeyLength = 16;

    /// <summary>
    /// Admin:ApiKey, the bearer key every /admin request must carry (<c>Authorization: Bearer KEY</c>); empty turns
    /// /admin off (404). A secret, never logged or shown; at least 16 characters, for example from <c>openssl rand -hex 32</c>.
    /// </summary>
    public string ApiKey { get; set; } = "";

    /// <summary>True when a key is set, so /admin answers.</summary>
    public bool Enabled => ApiKey.Length > 0;

    public override string ToString() => $"ApiKey={(ApiKey.Length == 0 ? "(not set)" : "(set)")}";
}

/// <summary>Checks Admin:*, without ever echoing the key.</summary>
internal sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        var key = options.ApiKey;
        if (key.Length == 0)
        {
            return ValidateOptionsResult.Success;
        }

        if (string.IsNullOrWhiteSpace(key) || key.Trim().Length != key.Length)
        {
            return ValidateOptionsResult.Fail(
                "Admin:ApiKey starts or ends with white space (or is only white space), which an Authorization header cannot carry; " +
                "set it to a random string such as the output of `openssl rand -hex 32`, or leave it empty to turn /admin off.");
        }

        if (key.Length < AdminOptions.MinimumKeyLength)
        {
            return ValidateOptionsResult.Fail(
                $"Admin:ApiKey is {key.Length} characters long, too short to resist guessing; set it to at least " +
                $"{AdminOptions.MinimumKeyLength} random characters (for example the output of `openssl rand -hex 32`), or leave it empty to turn /admin off.");
        }

        return ValidateOptionsResult.Success;
    }
}
