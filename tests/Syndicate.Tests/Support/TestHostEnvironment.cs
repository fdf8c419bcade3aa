using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace Syndicate.Tests.Support;

/// <summary>A host environment whose content root is a test's own folder.</summary>
internal sealed class TestHostEnvironment(string contentRoot) : IHostEnvironment
{
    public string EnvironmentName { get; set; } = "Test";

    public string ApplicationName { get; set; } = "Syndicate.Tests";

    public string ContentRootPath { get; set; } = contentRoot;

    public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
}
