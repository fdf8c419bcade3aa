using System.Text.Json;

namespace Syndicate.IntegrationTests.Infrastructure;

/// <summary>Writes flat configuration keys (Mail:Smtp:Port) as the nested appsettings.json an operator writes.</summary>
internal static class AppSettingsFile
{
    public static void Write(string folder, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var root = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in settings)
        {
            var parts = key.Split(':');
            var node = root;
            foreach (var part in parts[..^1])
            {
                if (!node.TryGetValue(part, out var child))
                {
                    child = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
                    node[part] = child;
                }

                node = (Dictionary<string, object>)child;
            }

            node[parts[^1]] = value ?? "";
        }

        File.WriteAllText(Path.Combine(folder, "appsettings.json"), JsonSerializer.Serialize(root));
    }
}
