using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Syndicate.Templates;
using Syndicate.Tests.Support;

namespace Syndicate.Tests.Templates;

/// <summary>The shipped templates/ folder of the repository, and template sets over it or over a test's own files.</summary>
internal static class TemplateFolders
{
    /// <summary>templates/ beside Syndicate.sln, found from this source file's path (the build output may live elsewhere).</summary>
    public static string Shipped([CallerFilePath] string sourceFile = "")
    {
        for (var directory = new DirectoryInfo(Path.GetDirectoryName(sourceFile)!); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Syndicate.sln")))
            {
                return Path.Combine(directory.FullName, "templates");
            }
        }

        throw new InvalidOperationException($"No Syndicate.sln above {sourceFile}.");
    }

    public static TemplateSet ShippedSet() => Open(Shipped());

    /// <summary>A template set over <paramref name="folder"/>, given as an absolute Digest:TemplatesFolder.</summary>
    public static TemplateSet Open(string folder) =>
        new(Options.Create(new TemplatesOptions { TemplatesFolder = folder }), new TestHostEnvironment(Path.GetTempPath()));

    /// <summary>Writes the required templates (minimal ones unless given) plus <paramref name="files"/> into <paramref name="temp"/>/templates.</summary>
    public static string Write(TempFolder temp, params (string Name, string Text)[] files)
    {
        var defaults = new Dictionary<string, string>
        {
            ["layout.html"] = "<html><head><style>p { color: #123456; }</style></head><body>{{ content }}</body></html>",
            ["confirm.html"] = "<p>{{ confirm_url }}</p>",
            ["confirm.txt"] = "{{ confirm_url }}",
        };
        foreach (var (name, text) in files)
        {
            defaults[name] = text;
        }

        foreach (var (name, text) in defaults)
        {
            temp.Write("templates/" + name, text);
        }

        return temp.Combine("templates");
    }
}
