using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Syndicate.Hosting;

/// <summary>
/// Makes options the way the framework does, but a setting that cannot be read as its type (Mail:Smtp:Port=abc)
/// fails like a value out of range: as an <see cref="OptionsValidationException"/> naming the key, the value and
/// what is expected, which every verb and the service report with the other wrong settings. Without it the
/// binder's InvalidOperationException stops at the first such value, in its own words.
/// </summary>
internal sealed class ReportingOptionsFactory<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(
    IEnumerable<IConfigureOptions<TOptions>> setups, IEnumerable<IPostConfigureOptions<TOptions>> postConfigures,
    IEnumerable<IValidateOptions<TOptions>> validations) : IOptionsFactory<TOptions>
    where TOptions : class
{
    private readonly OptionsFactory<TOptions> _factory = new(setups, postConfigures, validations);

    public TOptions Create(string name)
    {
        try
        {
            return _factory.Create(name);
        }
        catch (InvalidOperationException ex) when (ConfigurationValues.TryDescribe(ex, out var failure))
        {
            throw new OptionsValidationException(name, typeof(TOptions), [failure]);
        }
    }
}

internal static partial class ConfigurationValues
{
    /// <summary>
    /// For the binder's "Failed to convert configuration value 'abc' at 'Mail:Smtp:Port' to type 'System.Int32'.":
    /// the same in the words of the range checks, e.g. "Mail:Smtp:Port 'abc' must be a whole number (digits only, no units).".
    /// </summary>
    public static bool TryDescribe(InvalidOperationException exception, [NotNullWhen(true)] out string? failure)
    {
        var match = BinderFailure().Match(exception.Message);
        if (!match.Success)
        {
            failure = null;
            return false;
        }

        var key = match.Groups["key"].Value;
        var value = match.Groups["value"].Success ? $" '{match.Groups["value"].Value}'" : "";
        var type = match.Groups["type"].Value;
        failure = exception.InnerException is OverflowException && Range(type) is { } range
            ? $"{key}{value} is out of range; it must be a whole number from {range}."
            : $"{key}{value} must be {Expected(type)}.";
        return true;
    }

    private static string Expected(string type) => type switch
    {
        "System.Int32" or "System.Int64" or "System.Int16" or "System.Byte"
            or "System.UInt32" or "System.UInt64" or "System.UInt16" or "System.SByte" => "a whole number (digits only, no units)",
        "System.Double" or "System.Single" or "System.Decimal" => "a number, such as 2.5 (a point before any decimals, no units)",
        "System.TimeSpan" => "a time span written hours:minutes:seconds, such as 00:00:30 (or days.hours:minutes:seconds, such as 7.00:00:00)",
        "System.Boolean" => "true or false",
        "System.Uri" => "an address such as https://blog.example.org/",
        _ => $"a value of type {type}",
    };

    private static string? Range(string type) => type switch
    {
        "System.Int32" => FormattableString.Invariant($"{int.MinValue} to {int.MaxValue}"),
        "System.Int64" => FormattableString.Invariant($"{long.MinValue} to {long.MaxValue}"),
        _ => null,
    };

    /// <summary>The binder's message: with the value (the generated binder), or without it (the reflection binder).</summary>
    [GeneratedRegex(@"^Failed to convert configuration value (?:'(?<value>.*)' )?at '(?<key>[^']+)' to type '(?<type>[^']+)'\.$", RegexOptions.Singleline)]
    private static partial Regex BinderFailure();
}
