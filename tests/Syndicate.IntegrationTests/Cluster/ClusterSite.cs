using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;
using Syndicate.IntegrationTests.Digests;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.IntegrationTests.Mail;

namespace Syndicate.IntegrationTests.Cluster;

/// <summary>
/// Several real Syndicate processes (`serve`) on one PostgreSQL database, one shared posts folder and one
/// SMTP server on loopback: each node has a content root of its own (appsettings.json, out/), as each
/// machine of a cluster would.
/// </summary>
internal sealed partial class ClusterSite : IAsyncDisposable
{
    public const string ApiKey = "cluster-admin-key-for-tests-0123456789";

    private readonly List<ClusterNode> _nodes = [];

    private ClusterSite(SmtpTestServer server, string connectionString)
    {
        Server = server;
        ConnectionString = connectionString;
    }

    public TestSite Site { get; } = new();

    public SmtpTestServer Server { get; }

    public string ConnectionString { get; }

    public IReadOnlyList<ClusterNode> Nodes => _nodes;

    public static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static async Task<ClusterSite> StartAsync(string connectionString) => new(await SmtpTestServer.StartAsync(), connectionString);

    /// <summary>What every node is configured with; <paramref name="extra"/> wins.</summary>
    public Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Site:Title"] = "Cluster blog",
            ["Site:BaseUrl"] = TestSite.BaseUrl,
            ["Posts:Folder"] = Site.Posts,
            ["Feeds:OutputFolder"] = "out",
            ["Storage:Provider"] = "Postgres",
            ["Storage:ConnectionString"] = ConnectionString,
            ["Mail:Mode"] = "Smtp",
            ["Mail:From"] = "Cluster blog <news@blog.example.test>",
            ["Mail:Smtp:Host"] = "127.0.0.1",
            ["Mail:Smtp:Port"] = Server.Port.ToString(CultureInfo.InvariantCulture),
            ["Mail:Smtp:Security"] = "None",
            ["Mail:Smtp:MaxConnections"] = "4",
            ["Digest:RetryDelay"] = "00:00:00.2",
            ["Digest:ResumeInterval"] = "00:00:01",
            ["Digest:BatchSize"] = "20",
            ["Admin:ApiKey"] = ApiKey,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Syndicate"] = "Information",
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>The content root of node <paramref name="name"/>, with its appsettings.json written.</summary>
    public string NodeRoot(string name, IReadOnlyDictionary<string, string?>? extra = null, int port = 0)
    {
        var root = Path.Combine(Site.Root, "nodes", name);
        Directory.CreateDirectory(root);
        var settings = Settings(extra);
        settings["Urls"] = $"http://127.0.0.1:{port}";
        AppSettingsFile.Write(root, settings);
        return root;
    }

    /// <summary>Starts `serve` in a node's own content root and waits until it answers /healthz.</summary>
    public async Task<ClusterNode> StartNodeAsync(string name, IReadOnlyDictionary<string, string?>? extra = null) =>
        (await StartNodesAsync([name], extra))[0];

    /// <summary>Starts the nodes at once and waits until every one answers: on a loaded machine, one after the other took over 30 s.</summary>
    public async Task<IReadOnlyList<ClusterNode>> StartNodesAsync(IReadOnlyList<string> names, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var ports = new HashSet<int>();
        var nodes = new List<ClusterNode>();
        foreach (var name in names)
        {
            int port;
            do
            {
                port = FreePort();
            }
            while (!ports.Add(port));

            var root = NodeRoot(name, extra, port);
            var node = new ClusterNode(name, root, port, ChildProcess.Start(root, ["serve"]));
            _nodes.Add(node);
            nodes.Add(node);
        }

        await Task.WhenAll(nodes.Select(node => node.WaitHealthyAsync()));
        return nodes;
    }

    /// <summary>Imports <paramref name="count"/> confirmed subscribers through the CLI of node <paramref name="name"/>; the emails are s0000@example.test on.</summary>
    public async Task ImportSubscribersAsync(string name, int count)
    {
        var csv = new StringBuilder("email,name\n");
        for (var i = 0; i < count; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{DigestSite.Address(i)},Reader {i}\n");
        }

        var file = Path.Combine(Site.Root, "subscribers.csv");
        await File.WriteAllTextAsync(file, csv.ToString(), Cancel);
        var result = await SyndicateCli.RunAsync(NodeRoot(name), "subscribers", "import", file, "--confirmed");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    public NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Deliveries claimed right now, by the claiming process id (claims read host:pid).</summary>
    public Dictionary<int, long> ClaimsByProcess()
    {
        using var connection = Open();
        return connection.Query<(string Sender, long Count)>(
                "SELECT claimed_by, COUNT(*) FROM deliveries WHERE status = 'claimed' GROUP BY claimed_by")
            .ToDictionary(row => int.Parse(row.Sender[(row.Sender.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture), row => row.Count);
    }

    public (string Status, long Deliveries, long Sent, long Open) Digest(long digestId)
    {
        using var connection = Open();
        return connection.QuerySingle<(string, long, long, long)>(
            """
            SELECT d.status, COUNT(x.id), SUM(CASE WHEN x.status = 'sent' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN x.status IN ('pending', 'claimed') THEN 1 ELSE 0 END)
            FROM digests d JOIN deliveries x ON x.digest_id = d.id AND x.resend_id = 0
            WHERE d.id = @digestId GROUP BY d.status
            """,
            new { digestId });
    }

    /// <summary>Copies received per (digest Message-ID without the domain), read from the raw bytes the server accepted.</summary>
    public Dictionary<string, int> CopiesByMessageId()
    {
        var copies = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var message in Server.Messages)
        {
            var match = MessageIdHeader().Match(Encoding.ASCII.GetString(message, 0, Math.Min(message.Length, 4096)));
            Assert.True(match.Success, "a message without a digest Message-ID");
            copies[match.Groups["id"].Value] = copies.GetValueOrDefault(match.Groups["id"].Value) + 1;
        }

        return copies;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }

        await Server.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        Site.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^Message-ID: <(?<id>digest-[0-9.r]+)@", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex MessageIdHeader();
}

/// <summary>One `serve` process of a cluster test.</summary>
internal sealed class ClusterNode(string name, string root, int port, ChildProcess process) : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public string Name { get; } = name;

    public string Root { get; } = root;

    public Uri Address { get; } = new($"http://127.0.0.1:{port}/");

    public ChildProcess Process { get; } = process;

    /// <summary>Every line the node logged so far (single-line console format).</summary>
    public string Log => Process.Output + "\n" + Process.Error;

    public int Count(string text) => Log.Split('\n').Count(line => line.Contains(text, StringComparison.Ordinal));

    public async Task WaitHealthyAsync()
    {
        await Eventually.ValueAsync(async () =>
        {
            Assert.False(Process.HasExited, $"node {Name} exited at start:\n{Log}");
            try
            {
                using var response = await Http.GetAsync(new Uri(Address, "healthz"), TestContext.Current.CancellationToken);
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, healthy => healthy, $"node {Name} answers /healthz", TimeSpan.FromSeconds(60));
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(Address, path));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ClusterSite.ApiKey);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public Task<byte[]> GetBytesAsync(string path) => Http.GetByteArrayAsync(new Uri(Address, path), TestContext.Current.CancellationToken);

    public void Dispose() => Process.Dispose();
}
