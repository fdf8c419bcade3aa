using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Syndicate.IntegrationTests.Cluster;

/// <summary>
/// A PostgreSQL server of a test's own (Debian's postgresql package: initdb and pg_ctl), in a temp
/// folder on a free loopback port, so a test may stop and start it without touching the server the
/// rest of the suite uses. Run as the postgres user when the tests run as root, as PostgreSQL requires.
/// </summary>
internal sealed class PostgresInstance : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _folder;

    private PostgresInstance(string bin, string folder, int port)
    {
        _bin = bin;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    private string Data => Path.Combine(_folder, "data");

    /// <summary>The folder of PostgreSQL's server programs, or null when the postgresql package is not installed.</summary>
    public static string? FindBinaries() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(version => Path.Combine(version, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var major) ? major : 0)
                .FirstOrDefault()
            : null;

    public static async Task<PostgresInstance> StartAsync()
    {
        var bin = FindBinaries() ?? throw new InvalidOperationException("PostgreSQL's server programs are not installed (apt-get install postgresql).");
        var folder = Path.Combine(Path.GetTempPath(), "syndicate-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", ["postgres:postgres", folder]);
        }

        var instance = new PostgresInstance(bin, folder, FreePort());
        await instance.RunServerToolAsync("initdb", ["-D", instance.Data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]);
        await instance.StartServerAsync();
        return instance;
    }

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database }.ConnectionString;

    public async Task CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = connection.CreateCommand();
        create.CommandText = "CREATE DATABASE " + name;
        await create.ExecuteNonQueryAsync();
    }

    /// <summary>Starts the server (again) and waits until it takes connections.</summary>
    public Task StartServerAsync() => RunServerToolAsync("pg_ctl",
        ["-D", Data, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "60", "-o", $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]);

    /// <summary>Stops the server at once: open connections are cut, as when the database host goes down.</summary>
    public Task StopServerAsync() => RunServerToolAsync("pg_ctl", ["-D", Data, "-w", "-m", "immediate", "stop"]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopServerAsync();
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A temp folder left behind is harmless.
        }
    }

    private Task RunServerToolAsync(string tool, string[] arguments) =>
        Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. arguments])
            : RunAsync(Path.Combine(_bin, tool), arguments);

    private static async Task RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} ended with {process.ExitCode}:\n{await output}\n{await error}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
