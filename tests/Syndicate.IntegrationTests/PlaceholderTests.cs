namespace Syndicate.IntegrationTests;

public sealed class SmokeTests
{
    [Fact]
    public void TestData_IsCopied() => Assert.True(Directory.Exists(Path.Combine(AppContext.BaseDirectory, "TestData")));
}
