using System.Text;
using Syndicate.Testing;

namespace Syndicate.IntegrationTests.Infrastructure;

/// <summary>
/// One test's content root: a fresh temp folder with posts/ and out/, and the site's database (the SQLite file
/// <c>databaseFile</c> under it, or a PostgreSQL database of its own), both deleted afterwards.
/// </summary>
internal sealed class TestSite : IDisposable
{
    public const string BaseUrl = "https://blog.example.test";

    private readonly Lazy<TestDatabase> _database;

    public TestSite(string databaseFile = "data/syndicate.db")
    {
        Root = Path.Combine(Path.GetTempPath(), "syndicate-it", Guid.NewGuid().ToString("N"));
        Posts = Path.Combine(Root, "posts");
        Output = Path.Combine(Root, "out");
        Directory.CreateDirectory(Posts);
        DatabaseFile = Path.Combine(Root, databaseFile.Replace('/', Path.DirectorySeparatorChar));
        _database = new Lazy<TestDatabase>(() => TestDatabase.Create(Root, databaseFile));
    }

    public string Root { get; }

    /// <summary>Where the SQLite file is when the suite runs on SQLite.</summary>
    public string DatabaseFile { get; }

    /// <summary>The site's database, created on first use; its <see cref="TestDatabase.Settings"/> go into every configuration of the site.</summary>
    public TestDatabase Database => _database.Value;

    public string Posts { get; }

    public string Output { get; }

    /// <summary>The front matter and body of a post, with LF line ends.</summary>
    public static string PostText(string title, string? date = null, IEnumerable<string>? tags = null, string body = "A paragraph.", string extra = "")
    {
        var text = new StringBuilder("---\n");
        text.Append("title: \"").Append(title.Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\"\n");
        if (date is not null)
        {
            text.Append("date: ").Append(date).Append('\n');
        }

        if (tags is not null)
        {
            text.Append("tags: [").Append(string.Join(", ", tags)).Append("]\n");
        }

        text.Append(extra);
        text.Append("---\n").Append(body).Append('\n');
        return text.ToString();
    }

    /// <summary>Writes a post file under posts/ and returns its full path.</summary>
    public string WritePost(string fileName, string title, string? date = null, IEnumerable<string>? tags = null, string body = "A paragraph.", string extra = "") =>
        WriteFile(fileName, PostText(title, date, tags, body, extra));

    public string WriteFile(string fileName, string text)
    {
        var path = PostPath(fileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public string PostPath(string fileName) => Path.Combine(Posts, fileName.Replace('/', Path.DirectorySeparatorChar));

    public string OutputPath(string relative) => Path.Combine(Output, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The bytes of an output file, or null while it does not exist.</summary>
    public byte[]? ReadOutput(string relative)
    {
        try
        {
            return File.ReadAllBytes(OutputPath(relative));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Every file under out/, by relative path, with its bytes.</summary>
    public SortedDictionary<string, byte[]> OutputFiles()
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        if (!Directory.Exists(Output))
        {
            return files;
        }

        foreach (var path in Directory.EnumerateFiles(Output, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            files[Path.GetRelativePath(Output, path).Replace(Path.DirectorySeparatorChar, '/')] = File.ReadAllBytes(path);
        }

        return files;
    }

    public void Dispose()
    {
        if (_database.IsValueCreated)
        {
            _database.Value.Dispose();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A temp folder left behind is harmless; the next test uses a new one.
        }
    }
}
