using Syndicate.Testing;

namespace Syndicate.IntegrationTests.Infrastructure;

/// <summary>
/// Storage:Provider for the in-process service (SyndicateProgram.CreateService). The service registers Quartz's
/// job store by Storage:Provider while its services are registered, before a test's configure callback adds the
/// site's settings, so on the PostgreSQL pass the provider has to be in the configuration the builder starts
/// with: the environment. Every site of that pass is on PostgreSQL, so one process-wide value fits them all; the
/// connection string stays per site (the callback's settings, read later). Child processes do not inherit it
/// (<see cref="SyndicateCli"/> strips Storage__ variables); they read appsettings.json.
/// </summary>
internal static class ServiceStorage
{
    public static void Prepare()
    {
        if (TestDatabase.IsPostgres)
        {
            Environment.SetEnvironmentVariable("Storage__Provider", "Postgres");
        }
    }
}
