using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Syndicate.Benchmarks;

/// <summary>
/// The mail benchmark (<c>mail</c>): a digest of one new post to N subscribers through postfix's smtp-sink on loopback,
/// timed as a whole <c>digest send-now</c> process under GNU time (peak RSS) and by the digest's own planned/finished
/// times (the sending phase); then postfix's smtp-source against a fresh sink with the same connections, message count
/// and message size (measured from a Pickup-mode .eml of the same digest) as the ceiling. Each case runs several
/// rounds, Syndicate and smtp-source alternating, every round from a copy of the same prepared content root, and is
/// judged on the medians (rates) and the highest peak RSS.
/// </summary>
internal static class MailBenchmark
{
    public const double RateTarget = 0.5;
    public const double MemoryTargetMiB = 300;

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        MailOptions options;
        try
        {
            options = MailOptions.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            await Console.Error.WriteLineAsync("Usage: Syndicate.Benchmarks mail --syndicate PATH [--subscribers 10000,100000] [--rounds 3] [--connections 4] [--port 2525] " +
                "[--work DIR] [--time /usr/bin/time] [--postfix /usr/sbin] [--limit-seconds 900] [--results FILE]");
            return 2;
        }

        var log = Console.Error;
        var started = Stopwatch.StartNew();
        var timer = new TimedProcess(options.Time);
        Directory.CreateDirectory(options.Work);
        var staging = Path.Combine(options.Work, "mail-posts");
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        // Four generated posts (8-16 KB of Markdown each): three are the ledger's baseline, the newest is the digest.
        var posts = PostGenerator.Generate(staging, 4).Order(StringComparer.Ordinal).ToList();
        var size = await MeasureMessageAsync(options, staging, posts, log);
        log.WriteLine($"One digest message in Pickup mode: {size:N0} bytes.");
        var results = new List<MailCase>();
        foreach (var subscribers in options.Subscribers)
        {
            results.Add(await RunCaseAsync(options, timer, staging, posts, subscribers, size, log));
        }

        var report = Write(results, options, size, started.Elapsed);
        await output.WriteAsync(report);
        if (options.Results is { } file)
        {
            await File.WriteAllTextAsync(file, report);
        }

        return results.All(r => r.RateMet && r.MemoryMet && r.Complete) ? 0 : 3;
    }

    /// <summary>
    /// Prepares the content root once (subscribers imported, the baseline digest sent, the newest post copied in) and
    /// keeps a copy of it beside the root; then each round restores the root from that copy (a digest is sent once),
    /// sends the digest, and runs smtp-source against a fresh sink.
    /// </summary>
    private static async Task<MailCase> RunCaseAsync(MailOptions options, TimedProcess timer, string staging, IReadOnlyList<string> posts, int subscribers,
        long size, TextWriter log)
    {
        var root = Path.Combine(options.Work, $"mail-{subscribers}");
        var prepared = root + ".prepared";
        var postsFolder = Prepare(root, staging, posts);
        // Absolute paths to the root: a copy restored at the same path needs no new settings.
        WriteSettings(root, postsFolder, "Smtp", options.Port, options.Connections);
        var csv = Path.Combine(root, "subscribers.csv");
        WriteSubscribers(csv, subscribers);

        await using var sink = await SmtpSink.StartAsync(options.Postfix, options.Port);
        await RunCheckedAsync(timer, root, options.Syndicate, ["subscribers", "import", csv, "--confirmed"], log);
        await RunCheckedAsync(timer, root, options.Syndicate, ["digest", "send-now"], log);
        File.Copy(Path.Combine(staging, posts[^1]), Path.Combine(postsFolder, posts[^1]));
        CopyDirectory(root, prepared);
        try
        {
            var rounds = new List<MailRound>();
            for (var round = 1; round <= options.Rounds; round++)
            {
                CopyDirectory(prepared, root);
                await sink.RestartAsync();
                log.WriteLine($"Round {round} of {options.Rounds}: sending a digest to {subscribers:N0} subscribers through smtp-sink on 127.0.0.1:{options.Port} " +
                    $"({options.Connections} connections)...");
                var syndicate = await SendDigestAsync(options, timer, root, subscribers, log);

                await sink.RestartAsync();
                log.WriteLine($"Round {round} of {options.Rounds}: smtp-source, {subscribers:N0} messages of {size:N0} bytes over {options.Connections} connections...");
                var source = await RunSourceAsync(options, subscribers, size);
                log.WriteLine($"  {source:0.0} s, {subscribers / source:0} msgs/s");
                rounds.Add(new MailRound(syndicate, subscribers / source));
            }

            return new MailCase(subscribers, rounds);
        }
        finally
        {
            Directory.Delete(prepared, recursive: true);
        }
    }

    /// <summary>One <c>digest send-now</c> under the limit, timed by GNU time and by the digest's planned/finished times.</summary>
    private static async Task<MailRun> SendDigestAsync(MailOptions options, TimedProcess timer, string root, int subscribers, TextWriter log)
    {
        var run = await RunLimitedAsync(timer, root, options.Syndicate, ["digest", "send-now"], options.LimitSeconds);
        var show = await timer.RunAsync(root, options.Syndicate, ["digest", "show", "1", "--json"]);
        var digest = JsonNode.Parse(show.Output)!["digest"]!;
        var sent = digest["sent"]!.GetValue<int>();
        var planned = DateTimeOffset.Parse(digest["plannedAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var finished = digest["finishedAt"]?.GetValue<string>() is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
        // Stopped at the limit: the sending phase ran from planning until the process was stopped.
        var sending = (finished ?? planned + TimeSpan.FromSeconds(run.Seconds)) - planned;
        var syndicate = new MailRun(sent, run.Seconds, sending.TotalSeconds, run.PeakMiB, finished is not null && sent == subscribers);
        log.WriteLine($"  {sent:N0} sent in {run.Seconds:0.0} s (process), {sending.TotalSeconds:0.0} s sending ({syndicate.SendingRate:0} msgs/s); " +
            $"peak {run.PeakMiB:0} MiB; exit {run.ExitCode}" + (finished is null ? $" (stopped at the {options.LimitSeconds} s limit)" : ""));
        return syndicate;
    }

    /// <summary>
    /// Replaces <paramref name="target"/> with a copy of the tree at <paramref name="source"/>, modification times kept
    /// (the content root's files as Syndicate left them).
    /// </summary>
    private static void CopyDirectory(string source, string target)
    {
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        Directory.CreateDirectory(target);
        foreach (var folder in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, folder)));
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            File.Copy(file, copy);
            File.SetLastWriteTimeUtc(copy, File.GetLastWriteTimeUtc(file));
        }
    }

    /// <summary>The size of one digest message: the same posts and settings in Pickup mode, one subscriber.</summary>
    internal static async Task<long> MeasureMessageAsync(MailOptions options, string staging, IReadOnlyList<string> posts, TextWriter log)
    {
        var timer = new TimedProcess(options.Time);
        var root = Path.Combine(options.Work, "mail-size");
        var postsFolder = Prepare(root, staging, posts);
        WriteSettings(root, postsFolder, "Pickup", options.Port, options.Connections);
        var csv = Path.Combine(root, "subscribers.csv");
        WriteSubscribers(csv, 1);
        await RunCheckedAsync(timer, root, options.Syndicate, ["subscribers", "import", csv, "--confirmed"], log);
        await RunCheckedAsync(timer, root, options.Syndicate, ["digest", "send-now"], log);
        File.Copy(Path.Combine(staging, posts[^1]), Path.Combine(postsFolder, posts[^1]));
        await RunCheckedAsync(timer, root, options.Syndicate, ["digest", "send-now"], log);
        var files = Directory.GetFiles(Path.Combine(root, "outbox"), "*.eml", SearchOption.AllDirectories);
        return files.Length == 1 ? new FileInfo(files[0]).Length : throw new InvalidOperationException($"Expected one .eml in {root}/outbox, found {files.Length}.");
    }

    private static string Prepare(string root, string staging, IReadOnlyList<string> posts)
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        var postsFolder = Path.Combine(root, "posts");
        Directory.CreateDirectory(postsFolder);
        foreach (var post in posts.Take(posts.Count - 1))
        {
            File.Copy(Path.Combine(staging, post), Path.Combine(postsFolder, post));
        }

        return postsFolder;
    }

    private static void WriteSettings(string root, string postsFolder, string mode, int port, int connections)
    {
        var settings = new JsonObject
        {
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
            ["Site"] = ContentRoot.Site(),
            ["Posts"] = new JsonObject { ["Folder"] = postsFolder },
            ["Storage"] = new JsonObject { ["ConnectionString"] = $"Data Source={Path.Combine(root, "data", "s.db")}" },
            ["Mail"] = new JsonObject
            {
                ["Mode"] = mode,
                ["PickupFolder"] = "outbox",
                ["From"] = "Syndicate benchmark <news@blog.example.org>",
                ["Smtp"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = port, ["Security"] = "None", ["MaxConnections"] = connections },
            },
        };
        File.WriteAllText(Path.Combine(root, "appsettings.json"), settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    internal static void WriteSubscribers(string file, int count)
    {
        using var writer = new StreamWriter(file, append: false, new UTF8Encoding(false));
        writer.Write("email,name\n");
        for (var i = 1; i <= count; i++)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"reader{i:D6}@example.com,Reader {i}\n"));
        }
    }

    internal static async Task RunCheckedAsync(TimedProcess timer, string root, string syndicate, string[] arguments, TextWriter log)
    {
        var run = await timer.RunAsync(root, syndicate, arguments);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"Syndicate {string.Join(' ', arguments)} exited with {run.ExitCode}: {run.Error}{run.Output}");
        }

        log.WriteLine($"  Syndicate {string.Join(' ', arguments)}: {run.Seconds:0.0} s");
    }

    /// <summary>Runs under GNU time; past the limit the Syndicate process (GNU time's child) gets SIGINT, so time still reports its peak RSS.</summary>
    private static async Task<RunResult> RunLimitedAsync(TimedProcess timer, string root, string syndicate, string[] arguments, int limitSeconds)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(limitSeconds));
        var run = timer.RunAsync(root, syndicate, arguments);
        using var registration = stop.Token.Register(InterruptGrandchildren);
        return await run;
    }

    /// <summary>Sends SIGINT to the children of this process's children: the process GNU time started for us, nothing else.</summary>
    private static void InterruptGrandchildren()
    {
        var children = ChildrenOf(Environment.ProcessId);
        foreach (var grandchild in children.SelectMany(ChildrenOf))
        {
            _ = Kill(grandchild, 2);
        }
    }

    private static List<int> ChildrenOf(int parent)
    {
        var found = new List<int>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{parent}/task"))
        {
            var file = Path.Combine(task, "children");
            if (File.Exists(file))
            {
                found.AddRange(File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(id => int.Parse(id, CultureInfo.InvariantCulture)));
            }
        }

        return found;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    internal static async Task<double> RunSourceAsync(MailOptions options, int messages, long size)
    {
        var info = new ProcessStartInfo(Path.Combine(options.Postfix, "smtp-source"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-s", options.Connections.ToString(CultureInfo.InvariantCulture), "-m", messages.ToString(CultureInfo.InvariantCulture),
                     "-l", size.ToString(CultureInfo.InvariantCulture), "-f", "news@blog.example.org", "-t", "reader@example.com", $"127.0.0.1:{options.Port}"])
        {
            info.ArgumentList.Add(argument);
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("smtp-source did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        stopwatch.Stop();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"smtp-source exited with {process.ExitCode}: {await stderr}{await stdout}");
        }

        return stopwatch.Elapsed.TotalSeconds;
    }

    private static string Write(IReadOnlyList<MailCase> cases, MailOptions options, long size, TimeSpan elapsed)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"## Mail benchmark, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine();
        sb.AppendLine(c, $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}. A digest of one post ({size:N0}-byte messages, " +
            $"one personalised message per subscriber) through postfix's smtp-sink on 127.0.0.1, {options.Connections} connections; smtp-source sends the same number " +
            $"of {size:N0}-byte messages over as many connections to a fresh sink in the same round. Medians of {options.Rounds} rounds, Syndicate and smtp-source " +
            $"alternating. Took {elapsed.TotalMinutes:0.0} min.");
        sb.AppendLine();
        sb.AppendLine("| case | Syndicate msgs/s (sending) | Syndicate msgs/s (whole process) | peak RSS MiB | smtp-source msgs/s | ratio (sending / smtp-source) | targets met (>= 0.5, < 300 MiB) |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var m in cases)
        {
            var stopped = m.Rounds.Where(r => !r.Syndicate.Complete).Select(r => r.Syndicate.Sent.ToString("N0", c)).ToList();
            var name = m.Complete
                ? $"{m.Subscribers:N0} subscribers"
                : $"{m.Subscribers:N0} subscribers ({stopped.Count} of {m.Rounds.Count} rounds stopped at {options.LimitSeconds} s: {string.Join(", ", stopped)} sent)";
            sb.AppendLine(c, $"| {name} | {m.SendingRate:0} | {m.ProcessRate:0} | {m.PeakMiB:0} | {m.SourceRate:0} | {m.Ratio:0.000} | " +
                $"rate {(m.RateMet ? "yes" : "no")}, memory {(m.MemoryMet ? "yes" : "no")}{(m.Complete ? "" : " (so far)")} |");
        }

        sb.AppendLine();
        foreach (var m in cases)
        {
            var rounds = string.Join("; ", m.Rounds.Select(r => string.Create(c, $"{r.Syndicate.SendingRate:0} / {r.SourceRate:0}")));
            sb.AppendLine(c, $"Rounds, {m.Subscribers:N0} subscribers (msgs/s, Syndicate sending / smtp-source): {rounds}.");
        }

        sb.AppendLine();
        sb.AppendLine(c, $"Each figure is the median of {options.Rounds} rounds, except peak RSS, the highest of them; each round sends the digest with Syndicate,");
        sb.AppendLine("then runs smtp-source, so the two alternate and a drift in the machine's speed touches both. Every round starts from a copy of the");
        sb.AppendLine("same prepared content root (subscribers imported, the earlier posts carried, the new post in place). The ratio is that of the two medians.");
        sb.AppendLine("Sending: the digest's plannedAt to finishedAt (`digest show 1 --json`); whole process: `digest send-now` from start to exit, start-up,");
        sb.AppendLine("catalog scan and planning included. Peak RSS: GNU time's %M of that process.");
        return sb.ToString();
    }

    internal sealed record MailOptions : SinkOptions
    {
        public MailOptions()
            : base(port: 2525)
        {
        }

        public List<int> Subscribers { get; } = [];

        /// <summary>Rounds per case, each a Syndicate send and an smtp-source run; the case is judged on their medians.</summary>
        public int Rounds { get; set; } = 3;

        public static MailOptions Parse(string[] args)
        {
            var options = new MailOptions();
            options.Read(args, (option, value) =>
            {
                switch (option)
                {
                    case "--subscribers":
                        options.Subscribers.AddRange(Numbers(value()));
                        return true;
                    case "--rounds":
                        options.Rounds = Number(value());
                        return options.Rounds >= 1 ? true : throw new ArgumentException("--rounds needs at least 1.");
                    default:
                        return false;
                }
            });

            if (options.Subscribers.Count == 0)
            {
                options.Subscribers.AddRange([10_000, 100_000]);
            }

            return options.Syndicate.Length > 0 ? options : throw new ArgumentException("Give --syndicate PATH to a published Syndicate (bench/run --mail does).");
        }
    }
}

/// <summary>One timed digest: deliveries sent, whole-process and sending-phase seconds, peak RSS; complete when every delivery was sent.</summary>
internal sealed record MailRun(int Sent, double ProcessSeconds, double SendingSeconds, double PeakMiB, bool Complete)
{
    public double SendingRate => Sent / SendingSeconds;

    public double ProcessRate => Sent / ProcessSeconds;
}

/// <summary>One round of a case: the digest Syndicate sent, then smtp-source's rate against a fresh sink.</summary>
internal sealed record MailRound(MailRun Syndicate, double SourceRate);

/// <summary>
/// One subscriber count over its rounds: the median rates, the highest peak RSS, and the ratio of the median sending
/// rate to the median smtp-source rate; complete when every round sent every delivery.
/// </summary>
internal sealed record MailCase(int Subscribers, IReadOnlyList<MailRound> Rounds)
{
    public double SendingRate => Stats.Median(Rounds.Select(r => r.Syndicate.SendingRate));

    public double ProcessRate => Stats.Median(Rounds.Select(r => r.Syndicate.ProcessRate));

    public double PeakMiB => Rounds.Max(r => r.Syndicate.PeakMiB);

    public double SourceRate => Stats.Median(Rounds.Select(r => r.SourceRate));

    public bool Complete => Rounds.All(r => r.Syndicate.Complete);

    public double Ratio => SendingRate / SourceRate;

    public bool RateMet => Ratio >= MailBenchmark.RateTarget;

    public bool MemoryMet => PeakMiB < MailBenchmark.MemoryTargetMiB;
}
