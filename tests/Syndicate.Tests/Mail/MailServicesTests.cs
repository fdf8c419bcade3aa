using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Syndicate.Mail;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Mail;

public sealed class MailServicesTests
{
    [Theory]
    [InlineData("Pickup", typeof(PickupMailTransport))]
    [InlineData("smtp", typeof(SmtpMailTransport))]
    public void AddMail_ChoosesTheTransportByMode(string mode, Type expected)
    {
        using var provider = Build(new() { ["Mail:Mode"] = mode });

        Assert.IsType(expected, provider.GetRequiredService<IMailTransport>());
    }

    [Fact]
    public void AddMail_BadSettings_FailWithOneSentencePerKey()
    {
        using var provider = Build(new() { ["Mail:From"] = "nobody", ["Mail:Smtp:Port"] = "0" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MailOptions>>().Value);

        Assert.Equal(2, error.Failures.Count());
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<IHostEnvironment>(new TestHostEnvironment(Path.GetTempPath()));
        services.AddLogging();
        services.AddMail();
        return services.BuildServiceProvider();
    }
}
