using System.Reflection;

namespace Syndicate.Tests.Support;

/// <summary>Where the test data is: copied beside the test assembly, and in the source tree for regenerating goldens.</summary>
internal static class TestPaths
{
    public static string TestData => Path.Combine(AppContext.BaseDirectory, "TestData");

    public static string TestPost(string name) => Path.Combine(TestData, "posts", name);

    /// <summary>
    /// tests/TestData/golden in the source tree: beside the first folder above the test assembly that
    /// holds Syndicate.sln, or, when the build output lives outside the tree, above the project folder
    /// recorded at build time.
    /// </summary>
    public static string SourceGoldenFolder()
    {
        var projectDirectory = typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "SyndicateTestsSourceDirectory")?.Value;
        foreach (var start in new[] { AppContext.BaseDirectory, projectDirectory })
        {
            for (var directory = start is null ? null : new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Syndicate.sln")))
                {
                    return Path.Combine(directory.FullName, "tests", "TestData", "golden");
                }
            }
        }

        throw new InvalidOperationException($"No Syndicate.sln above {AppContext.BaseDirectory} or {projectDirectory}; run the tests from the source tree to update the golden files.");
    }
}
