using System.Text;
using Syndicate.Testing;

namespace Syndicate.Tests.Support;

/// <summary>
/// A fresh folder under the system temp folder, deleted with everything in it on dispose, together with the
/// databases of the sites rooted in it (so a second harness over the same folder finds the first one's rows).
/// </summary>
internal sealed class TempFolder : IDisposable
{
    private readonly Dictionary<string, TestDatabase> _databases = new(StringComparer.Ordinal);

    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "syndicate-unit-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(string relative) => System.IO.Path.Combine(Path, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

    /// <summary>
    /// The database of a site rooted in this folder: the SQLite file <paramref name="relativeFile"/> under it, or a
    /// PostgreSQL database of its own when the suite runs against PostgreSQL; the same one on every call.
    /// </summary>
    public TestDatabase Database(string relativeFile)
    {
        lock (_databases)
        {
            if (!_databases.TryGetValue(relativeFile, out var database))
            {
                database = TestDatabase.Create(Path, relativeFile);
                _databases[relativeFile] = database;
            }

            return database;
        }
    }

    public string Write(string relative, string text) => Write(relative, Encoding.UTF8.GetBytes(text));

    public string Write(string relative, byte[] bytes)
    {
        var full = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return full;
    }

    public void Dispose()
    {
        lock (_databases)
        {
            foreach (var database in _databases.Values)
            {
                database.Dispose();
            }

            _databases.Clear();
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; the test result is what matters.
        }
    }
}
