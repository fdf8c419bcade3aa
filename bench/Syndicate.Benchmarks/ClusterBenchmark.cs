using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Npgsql;

namespace Syndicate.Benchmarks;

/// <summary>
/// The cluster benchmark (<c>cluster</c>): one digest of one new post to N subscribers, sent by 1, 2, 3... `serve`
/// processes on one PostgreSQL database through postfix's smtp-sink on loopback. For each node count: a database
/// copied from a seeded template (CREATE DATABASE ... TEMPLATE), the nodes started in content roots of their own on
/// one shared posts folder, the new post added, POST /admin/digests on node 1, timed until digests.status is 'done';
/// each node's peak RSS (VmHWM) and what the sink counted; then smtp-source with as many connections in all.
/// </summary>
internal static partial class ClusterBenchmark
{
    private const string ApiKey = "cluster-bench-admin-key-0123456789abcdef";
    private const string Seed = "syndicate_clusterbench_seed";

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ClusterOptions options;
        try
        {
            options = ClusterOptions.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            await Console.Error.WriteLineAsync("Usage: Syndicate.Benchmarks cluster --syndicate PATH [--subscribers 100000] [--nodes 1,2,3] [--connections 4] [--port 2535] " +
                "[--postgres \"Host=127.0.0.1;Username=postgres;Password=postgres\"] [--work DIR] [--time /usr/bin/time] [--postfix /usr/sbin] [--limit-seconds 900] [--results FILE]");
            return 2;
        }

        var log = Console.Error;
        var started = Stopwatch.StartNew();
        var timer = new TimedProcess(options.Time);
        var work = Path.Combine(options.Work, "cluster");
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        var staging = Path.Combine(work, "posts-staging");
        // The mail benchmark's four posts: three are the ledger's baseline, the newest is the digest.
        var posts = PostGenerator.Generate(staging, 4).Order(StringComparer.Ordinal).ToList();
        var mail = new MailBenchmark.MailOptions
        {
            Syndicate = options.Syndicate,
            Time = options.Time,
            Postfix = options.Postfix,
            Work = work,
            Port = options.Port,
            Connections = options.Connections,
        };
        var size = await MailBenchmark.MeasureMessageAsync(mail, staging, posts, log);
        log.WriteLine($"One digest message in Pickup mode: {size:N0} bytes.");

        await SeedAsync(options, timer, work, staging, posts, log);
        var results = new List<ClusterCase>();
        await using (var sink = await SmtpSink.StartAsync(options.Postfix, options.Port))
        {
            foreach (var nodes in options.Nodes)
            {
                results.Add(await RunCaseAsync(options, mail, sink, work, staging, posts, nodes, size, log));
            }
        }

        await ExecuteAsync(options, $"DROP DATABASE IF EXISTS {Seed} WITH (FORCE)");
        var report = Write(results, options, size, started.Elapsed);
        await output.WriteAsync(report);
        if (options.Results is { } file)
        {
            await File.WriteAllTextAsync(file, report);
        }

        return results.All(r => r.Done && r.Received == options.Subscribers) ? 0 : 3;
    }

    /// <summary>The template database: migrated by the CLI and holding the confirmed subscribers, imported once.</summary>
    private static async Task SeedAsync(ClusterOptions options, TimedProcess timer, string work, string staging, List<string> posts, TextWriter log)
    {
        await ExecuteAsync(options, $"DROP DATABASE IF EXISTS {Seed} WITH (FORCE)");
        await ExecuteAsync(options, $"CREATE DATABASE {Seed}");
        var root = Path.Combine(work, "seed");
        var postsFolder = CopyPosts(Path.Combine(root, "posts"), staging, posts.Take(posts.Count - 1));
        WriteSettings(root, options, postsFolder, Seed, 0);
        var csv = Path.Combine(root, "subscribers.csv");
        MailBenchmark.WriteSubscribers(csv, options.Subscribers);
        log.WriteLine($"Importing {options.Subscribers:N0} confirmed subscribers into {Seed}...");
        await MailBenchmark.RunCheckedAsync(timer, root, options.Syndicate, ["subscribers", "import", csv, "--confirmed"], log);
    }

    private static async Task<ClusterCase> RunCaseAsync(ClusterOptions options, MailBenchmark.MailOptions mail, SmtpSink sink, string work, string staging,
        List<string> posts, int count, long size, TextWriter log)
    {
        var database = $"syndicate_clusterbench_{count}";
        await ExecuteAsync(options, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        var copy = Stopwatch.StartNew();
        await ExecuteAsync(options, $"CREATE DATABASE {database} TEMPLATE {Seed}");
        log.WriteLine($"{count} node(s): database {database} copied from {Seed} in {copy.Elapsed.TotalSeconds:0.0} s.");
        var root = Path.Combine(work, $"nodes-{count}");
        var postsFolder = CopyPosts(Path.Combine(root, "posts"), staging, posts.Take(posts.Count - 1));
        await sink.RestartAsync();

        var nodes = new List<Node>();
        try
        {
            for (var i = 1; i <= count; i++)
            {
                var nodeRoot = Path.Combine(root, $"node-{i}");
                var port = FreePort();
                WriteSettings(nodeRoot, options, postsFolder, database, port);
                nodes.Add(Node.Start(i, nodeRoot, port, options.Syndicate));
            }

            await Task.WhenAll(nodes.Select(n => n.WaitHealthyAsync(TimeSpan.FromSeconds(180))));
            log.WriteLine($"  {count} node(s) answer /healthz; adding the new post.");
            File.Copy(Path.Combine(staging, posts[^1]), Path.Combine(postsFolder, posts[^1]));
            var published = $"Feeds published from {posts.Count} posts";
            await WaitUntilAsync(() => nodes.All(n => n.Logged(published)), TimeSpan.FromSeconds(60), $"every node logging \"{published}\"");

            var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            log.WriteLine($"  Triggering the digest on node 1 (load average {load})...");
            var stopwatch = Stopwatch.StartNew();
            await nodes[0].TriggerDigestAsync();
            var claims = new Dictionary<int, HashSet<long>>();
            var (done, digestId) = await WaitDoneAsync(options, database, stopwatch, options.LimitSeconds, claims);
            var seconds = stopwatch.Elapsed.TotalSeconds;
            var loadAfter = File.ReadAllText("/proc/loadavg").Split(' ')[0];

            var (sent, sending) = await DeliveriesAsync(options, database, digestId);
            var received = await sink.SettleAsync(sent);
            var perNode = nodes.Select(n => new NodeFigures(n.Index, n.PeakMiB(), claims.GetValueOrDefault(n.Pid)?.Count ?? 0, n.Problems())).ToList();
            log.WriteLine($"  digest {digestId} {(done ? "done" : $"not done after {options.LimitSeconds} s")}: {sent:N0} sent in {seconds:0.0} s " +
                $"({options.Subscribers / seconds:0} msgs/s), sink received {received:N0}; load {load} before, {loadAfter} after");
            foreach (var node in perNode)
            {
                log.WriteLine($"  node {node.Index}: {node.Sent:N0} deliveries seen claimed, peak {node.PeakMiB:0} MiB, {node.Problems.Count} warning/error lines" +
                    string.Concat(node.Problems.Take(5).Select(line => "\n    " + line)));
            }

            StopAll(nodes);
            await sink.RestartAsync();
            var connections = count * options.Connections;
            log.WriteLine($"  smtp-source: {options.Subscribers:N0} messages of {size:N0} bytes over {connections} connections...");
            var source = await MailBenchmark.RunSourceAsync(mail with { Connections = connections }, options.Subscribers, size);
            var sourceReceived = await sink.SettleAsync(options.Subscribers);
            log.WriteLine($"  {source:0.0} s ({options.Subscribers / source:0} msgs/s), sink received {sourceReceived:N0}");
            return new ClusterCase(count, done, seconds, sending, sent, received, perNode, connections, options.Subscribers / source, load, loadAfter);
        }
        finally
        {
            StopAll(nodes);
            await ExecuteAsync(options, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    /// <summary>
    /// Polls the newest digest every 100 ms until its status is 'done' (or the limit passes); on the way notes the
    /// deliveries seen claimed by each process (claimed_by reads host:pid and is cleared once a delivery is marked).
    /// </summary>
    private static async Task<(bool Done, long DigestId)> WaitDoneAsync(ClusterOptions options, string database, Stopwatch stopwatch, int limitSeconds,
        Dictionary<int, HashSet<long>> claims)
    {
        await using var connection = await OpenAsync(options, database);
        long digestId = 0;
        while (stopwatch.Elapsed.TotalSeconds < limitSeconds)
        {
            await using (var command = new NpgsqlCommand("SELECT id, claimed_by FROM deliveries WHERE status = 'claimed'", connection))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    var by = reader.IsDBNull(1) ? "" : reader.GetString(1);
                    if (int.TryParse(by[(by.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture, out var pid))
                    {
                        (claims.TryGetValue(pid, out var ids) ? ids : claims[pid] = []).Add(reader.GetInt64(0));
                    }
                }
            }

            await using (var command = new NpgsqlCommand("SELECT id, status FROM digests ORDER BY id DESC LIMIT 1", connection))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                if (await reader.ReadAsync())
                {
                    digestId = reader.GetInt64(0);
                    if (reader.GetString(1) == "done")
                    {
                        return (true, digestId);
                    }
                }
            }

            await Task.Delay(100);
        }

        return (false, digestId);
    }

    /// <summary>Deliveries sent and the digest's planned_at to finished_at.</summary>
    private static async Task<(long Sent, double? Sending)> DeliveriesAsync(ClusterOptions options, string database, long digestId)
    {
        await using var connection = await OpenAsync(options, database);
        long sent;
        await using (var command = new NpgsqlCommand("SELECT COUNT(*) FROM deliveries WHERE digest_id = @id AND resend_id = 0 AND status = 'sent'", connection))
        {
            command.Parameters.AddWithValue("id", digestId);
            sent = (long)(await command.ExecuteScalarAsync())!;
        }

        double? sending = null;
        await using (var command = new NpgsqlCommand("SELECT planned_at, finished_at FROM digests WHERE id = @id", connection))
        {
            command.Parameters.AddWithValue("id", digestId);
            await using var reader = await command.ExecuteReaderAsync();
            if (await reader.ReadAsync() && !reader.IsDBNull(1)
                && DateTimeOffset.TryParse(reader.GetString(0), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var planned)
                && DateTimeOffset.TryParse(reader.GetString(1), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var finished))
            {
                sending = (finished - planned).TotalSeconds;
            }
        }

        return (sent, sending);
    }

    private static async Task<NpgsqlConnection> OpenAsync(ClusterOptions options, string? database)
    {
        var builder = new NpgsqlConnectionStringBuilder(options.Postgres) { Pooling = false };
        if (database is not null)
        {
            builder.Database = database;
        }

        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(ClusterOptions options, string sql)
    {
        await using var connection = await OpenAsync(options, null);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string ConnectionString(ClusterOptions options, string database) =>
        new NpgsqlConnectionStringBuilder(options.Postgres) { Database = database }.ConnectionString;

    private static string CopyPosts(string folder, string staging, IEnumerable<string> posts)
    {
        Directory.CreateDirectory(folder);
        foreach (var post in posts)
        {
            File.Copy(Path.Combine(staging, post), Path.Combine(folder, post));
        }

        return folder;
    }

    private static void WriteSettings(string root, ClusterOptions options, string postsFolder, string database, int port)
    {
        Directory.CreateDirectory(root);
        var settings = new JsonObject
        {
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["Logging"] = new JsonObject
            {
                ["LogLevel"] = new JsonObject { ["Default"] = "Warning", ["Syndicate"] = "Information" },
                ["Console"] = new JsonObject { ["FormatterName"] = "simple", ["FormatterOptions"] = new JsonObject { ["SingleLine"] = true } },
            },
            ["Site"] = ContentRoot.Site(),
            ["Posts"] = new JsonObject { ["Folder"] = postsFolder },
            ["Feeds"] = new JsonObject { ["OutputFolder"] = "out" },
            ["Storage"] = new JsonObject { ["Provider"] = "Postgres", ["ConnectionString"] = ConnectionString(options, database) },
            ["Mail"] = new JsonObject
            {
                ["Mode"] = "Smtp",
                ["From"] = "Syndicate benchmark <news@blog.example.org>",
                ["Smtp"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = options.Port, ["Security"] = "None", ["MaxConnections"] = options.Connections },
            },
            ["Digest"] = new JsonObject { ["ResumeInterval"] = "00:00:01" },
            ["Admin"] = new JsonObject { ["ApiKey"] = ApiKey },
        };
        File.WriteAllText(Path.Combine(root, "appsettings.json"), settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"Gave up waiting for {what} after {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(100);
        }
    }

    private static void StopAll(List<Node> nodes)
    {
        foreach (var node in nodes)
        {
            node.Dispose();
        }

        nodes.Clear();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Write(IReadOnlyList<ClusterCase> cases, ClusterOptions options, long size, TimeSpan elapsed)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"## Cluster benchmark, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine();
        sb.AppendLine(c, $"{Environment.ProcessorCount} cores shared by every node, PostgreSQL, smtp-sink and smtp-source; {RuntimeInformation.OSDescription}, .NET {Environment.Version}. " +
            $"One digest of one post ({size:N0}-byte messages) to {options.Subscribers:N0} confirmed subscribers, {options.Connections} SMTP connections per node, " +
            $"through postfix's smtp-sink on 127.0.0.1. Took {elapsed.TotalMinutes:0.0} min.");
        sb.AppendLine();
        sb.AppendLine("| nodes | seconds (trigger to done) | msgs/s | sending s (planned to finished) | peak MiB per node | deliveries seen claimed per node | received by the sink | smtp-source msgs/s (same connections) | load average (1 min) before / after |");
        sb.AppendLine("| ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | --- |");
        foreach (var k in cases)
        {
            var seconds = k.Done ? k.Seconds.ToString("0.0", c) : $"not done at {k.Seconds:0} s ({k.Sent:N0} sent)";
            var sending = k.SendingSeconds is { } s ? s.ToString("0.0", c) : "-";
            sb.AppendLine(c, $"| {k.Nodes} | {seconds} | {options.Subscribers / k.Seconds:0} | {sending} | {string.Join(", ", k.PerNode.Select(n => n.PeakMiB.ToString("0", c)))} | " +
                $"{string.Join(", ", k.PerNode.Select(n => n.Sent.ToString("N0", c)))} | {k.Received:N0} | {k.SourceRate:0} ({k.Connections} connections) | {k.LoadBefore} / {k.LoadAfter} |");
        }

        sb.AppendLine();
        sb.AppendLine("Seconds: from POST /admin/digests on node 1 until digests.status is 'done' (polled every 100 ms); msgs/s is subscribers / that.");
        sb.AppendLine("Peak MiB: VmHWM of each `serve` process. Deliveries seen claimed: distinct deliveries each process held claimed in the 100 ms polls (a sample of its share: a claim is cleared once its delivery is marked). Received: smtp-sink's message count.");
        var problems = cases.SelectMany(k => k.PerNode.Select(n => (k.Nodes, n))).Where(x => x.n.Problems.Count > 0).ToList();
        if (problems.Count > 0)
        {
            sb.AppendLine();
            foreach (var (nodes, n) in problems)
            {
                sb.AppendLine(c, $"- {nodes} node(s), node {n.Index}: {n.Problems.Count} warning/error lines, first: `{n.Problems[0]}`");
            }
        }

        return sb.ToString();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>One `serve` process in its own content root; its log lines kept in memory and in node.log.</summary>
    private sealed class Node : IDisposable
    {
        private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly StreamWriter _log;
        private double _peakMiB;

        private Node(int index, Process process, int port, StreamWriter log)
        {
            Index = index;
            _process = process;
            Address = new Uri($"http://127.0.0.1:{port}/");
            _log = log;
            Pid = process.Id;
        }

        public int Index { get; }

        public int Pid { get; }

        public Uri Address { get; }

        public static Node Start(int index, string root, int port, string syndicate)
        {
            var info = new ProcessStartInfo(syndicate, ["serve"])
            {
                WorkingDirectory = root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var log = new StreamWriter(Path.Combine(root, "node.log"), append: false, new UTF8Encoding(false));
            var process = new Process { StartInfo = info };
            Node? node = null;
            process.OutputDataReceived += (_, e) => node?.Add(e.Data);
            process.ErrorDataReceived += (_, e) => node?.Add(e.Data);
            if (!process.Start())
            {
                throw new InvalidOperationException($"{syndicate} serve did not start.");
            }

            node = new Node(index, process, port, log);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return node;
        }

        public bool Logged(string text)
        {
            lock (_lines)
            {
                return _lines.Exists(line => line.Contains(text, StringComparison.Ordinal));
            }
        }

        public List<string> Problems()
        {
            lock (_lines)
            {
                return _lines.Where(line => line.StartsWith("warn:", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal)
                    || line.StartsWith("crit:", StringComparison.Ordinal) || line.Contains("Exception", StringComparison.Ordinal)).ToList();
            }
        }

        /// <summary>VmHWM from /proc while the process runs (the last value read once it has stopped).</summary>
        public double PeakMiB()
        {
            try
            {
                var line = File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                _peakMiB = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
            catch (IOException)
            {
            }

            return _peakMiB;
        }

        public async Task WaitHealthyAsync(TimeSpan timeout)
        {
            var stopwatch = Stopwatch.StartNew();
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"node {Index} exited at start ({_process.ExitCode}):\n{string.Join('\n', Tail())}");
                }

                try
                {
                    using var response = await Http.GetAsync(new Uri(Address, "healthz"));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                }

                if (stopwatch.Elapsed > timeout)
                {
                    throw new TimeoutException($"node {Index} did not answer /healthz within {timeout.TotalSeconds:0} s.");
                }

                await Task.Delay(200);
            }
        }

        public async Task TriggerDigestAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Address, "admin/digests"));
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            using var response = await Http.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"POST /admin/digests on node {Index} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        /// <summary>SIGTERM (a graceful stop), SIGKILL after 15 s.</summary>
        public void Dispose()
        {
            PeakMiB();
            if (!_process.HasExited)
            {
                _ = Kill(Pid, 15);
                if (!_process.WaitForExit(15_000))
                {
                    _process.Kill();
                    _process.WaitForExit();
                }
            }

            _process.WaitForExit();
            _process.Dispose();
            lock (_lines)
            {
                _log.Dispose();
            }
        }

        private void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_lines)
            {
                _lines.Add(line);
                try
                {
                    _log.WriteLine(line);
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }

        private List<string> Tail()
        {
            lock (_lines)
            {
                return _lines.TakeLast(20).ToList();
            }
        }
    }

    private sealed record ClusterOptions : SinkOptions
    {
        public ClusterOptions()
            : base(port: 2535)
        {
        }

        public string Postgres { get; set; } = "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres";

        public int Subscribers { get; set; } = 100_000;

        public List<int> Nodes { get; } = [];

        public static ClusterOptions Parse(string[] args)
        {
            var options = new ClusterOptions();
            options.Read(args, (option, value) =>
            {
                switch (option)
                {
                    case "--postgres":
                        options.Postgres = value();
                        return true;
                    case "--subscribers":
                        options.Subscribers = Number(value());
                        return true;
                    case "--nodes":
                        options.Nodes.AddRange(Numbers(value()));
                        return true;
                    default:
                        return false;
                }
            });

            if (options.Nodes.Count == 0)
            {
                options.Nodes.AddRange([1, 2, 3]);
            }

            return options.Syndicate.Length > 0 ? options : throw new ArgumentException("Give --syndicate PATH to a published Syndicate (bench/run --cluster does).");
        }
    }
}

/// <summary>One node's figures in one case: peak RSS, deliveries it sent, warning and error lines it logged.</summary>
internal sealed record NodeFigures(int Index, double PeakMiB, long Sent, IReadOnlyList<string> Problems);

/// <summary>One node count: whether the digest finished, trigger-to-done seconds, the digest's own sending time, what was sent and received, and the smtp-source rate.</summary>
internal sealed record ClusterCase(int Nodes, bool Done, double Seconds, double? SendingSeconds, long Sent, long Received, IReadOnlyList<NodeFigures> PerNode,
    int Connections, double SourceRate, string LoadBefore, string LoadAfter);
