using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Syndicate.Hosting;
using Syndicate.Mail;
using Syndicate.Posts;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Hosting;

public sealed class ConfigurationValuesTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("Mail:Smtp:Port", "abc", "Mail:Smtp:Port 'abc' must be a whole number (digits only, no units).")]
    [InlineData("Mail:Smtp:Port", "99999999999", "Mail:Smtp:Port '99999999999' is out of range; it must be a whole number from -2147483648 to 2147483647.")]
    [InlineData("Mail:Smtp:MessagesPerSecond", "1,5", "Mail:Smtp:MessagesPerSecond '1,5' must be a number, such as 2.5 (a point before any decimals, no units).")]
    public void Options_ValueOfTheWrongType_FailsValidationNamingKeyValueAndWhatIsExpected(string key, string value, string expected)
    {
        using var provider = Build(new() { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MailOptions>>().Value);

        Assert.Equal(expected, Assert.Single(error.Failures));
    }

    [Fact]
    public void Options_TimeSpanOfTheWrongType_SaysHowToWriteOne()
    {
        using var provider = Build(new() { ["Posts:RescanInterval"] = "30s" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PostsOptions>>().Value);

        Assert.Equal(
            "Posts:RescanInterval '30s' must be a time span written hours:minutes:seconds, such as 00:00:30 (or days.hours:minutes:seconds, such as 7.00:00:00).",
            Assert.Single(error.Failures));
    }

    [Fact]
    public void StartupValidation_WrongTypesInTwoSections_NamesBoth()
    {
        using var provider = Build(new() { ["Mail:Smtp:Port"] = "abc", ["Posts:MaxFileBytes"] = "abc" });

        var error = Assert.Throws<AggregateException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        var failures = error.InnerExceptions.Cast<OptionsValidationException>().SelectMany(inner => inner.Failures).ToArray();
        Assert.Contains("Mail:Smtp:Port 'abc' must be a whole number (digits only, no units).", failures);
        Assert.Contains("Posts:MaxFileBytes 'abc' must be a whole number (digits only, no units).", failures);
    }

    [Fact]
    public void TryDescribe_ReflectionBindersMessage_NamesKeyWithoutValue()
    {
        var binder = new InvalidOperationException("Failed to convert configuration value at 'Digest:MaxAttempts' to type 'System.Int32'.", new FormatException());

        Assert.True(ConfigurationValues.TryDescribe(binder, out var failure));
        Assert.Equal("Digest:MaxAttempts must be a whole number (digits only, no units).", failure);
    }

    [Fact]
    public void TryDescribe_AnyOtherFailure_IsLeftAlone()
    {
        Assert.False(ConfigurationValues.TryDescribe(new InvalidOperationException("The database is locked."), out _));
    }

    private ServiceProvider Build(Dictionary<string, string?> settings)
    {
        Directory.CreateDirectory(_temp.Combine("posts"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<IHostEnvironment>(new TestHostEnvironment(_temp.Path));
        services.AddLogging();
        services.AddSyndicate();
        return services.BuildServiceProvider();
    }
}
