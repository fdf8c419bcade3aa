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
/// and message size (measured from a Pickup-mode .eml of the same digest) as the ceiling.
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
            await Console.Error.WriteLineAsync("Usage: Syndicate.Benchmarks mail --syndicate PATH [--subscribers 10000,100000] [--connections 4] [--port 2525] " +
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

        return results.All(r => r.RateMet && r.MemoryMet && r.Syndicate.Complete) ? 0 : 3;
    }

    private static async Task<MailCase> RunCaseAsync(MailOptions options, TimedProcess timer, string staging, IReadOnlyList<string> posts, int subscribers,
        long size, TextWriter log)
    {
        var root = Path.Combine(options.Work, $"mail-{subscribers}");
        var postsFolder = Prepare(root, staging, posts);
        WriteSettings(root, postsFolder, "Smtp", options.Port, options.Connections);
        var csv = Path.Combine(root, "subscribers.csv");
        WriteSubscribers(csv, subscribers);

        await using (var sink = await SmtpSink.StartAsync(options.Postfix, options.Port))
        {
            await RunCheckedAsync(timer, root, options.Syndicate, ["subscribers", "import", csv, "--confirmed"], log);
            await RunCheckedAsync(timer, root, options.Syndicate, ["digest", "send-now"], log);
            File.Copy(Path.Combine(staging, posts[^1]), Path.Combine(postsFolder, posts[^1]));
            log.WriteLine($"Sending a digest to {subscribers:N0} subscribers through smtp-sink on 127.0.0.1:{options.Port} ({options.Connections} connections)...");
            var run = await RunLimitedAsync(timer, root, options.Syndicate, ["digest", "send-now"], options.LimitSeconds);
            var show = await timer.RunAsync(root, options.Syndicate, ["digest", "show", "1", "--json"]);
            var digest = JsonNode.Parse(show.Output)!["digest"]!;
            var sent = digest["sent"]!.GetValue<int>();
            var planned = DateTimeOffset.Parse(digest["planned_at"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            var finished = digest["finished_at"]?.GetValue<string>() is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
            // Stopped at the limit: the sending phase ran from planning until the process was stopped.
            var sending = (finished ?? planned + TimeSpan.FromSeconds(run.Seconds)) - planned;
            log.WriteLine($"  {sent:N0} sent in {run.Seconds:0.0} s (process), {sending.TotalSeconds:0.0} s sending; peak {run.PeakMiB:0} MiB; exit {run.ExitCode}" +
                (finished is null ? $" (stopped at the {options.LimitSeconds} s limit)" : ""));
            var syndicate = new MailRun(sent, run.Seconds, sending.TotalSeconds, run.PeakMiB, finished is not null && sent == subscribers);

            await sink.RestartAsync();
            log.WriteLine($"smtp-source: {subscribers:N0} messages of {size:N0} bytes over {options.Connections} connections...");
            var source = await RunSourceAsync(options, subscribers, size);
            log.WriteLine($"  {source:0.0} s");
            return new MailCase(subscribers, syndicate, subscribers / source);
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
            $"of {size:N0}-byte messages over as many connections to a fresh sink in the same run. Took {elapsed.TotalMinutes:0.0} min.");
        sb.AppendLine();
        sb.AppendLine("| case | Syndicate msgs/s (sending) | Syndicate msgs/s (whole process) | peak RSS MiB | smtp-source msgs/s | ratio (sending / smtp-source) | targets met (>= 0.5, < 300 MiB) |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var m in cases)
        {
            var s = m.Syndicate;
            var name = s.Complete ? $"{m.Subscribers:N0} subscribers" : $"{m.Subscribers:N0} subscribers (stopped at {options.LimitSeconds} s: {s.Sent:N0} sent)";
            sb.AppendLine(c, $"| {name} | {s.SendingRate:0} | {s.ProcessRate:0} | {s.PeakMiB:0} | {m.SourceRate:0} | {m.Ratio:0.000} | " +
                $"rate {(m.RateMet ? "yes" : "no")}, memory {(m.MemoryMet ? "yes" : "no")}{(s.Complete ? "" : " (so far)")} |");
        }

        sb.AppendLine();
        sb.AppendLine("Sending: the digest's planned_at to finished_at (`digest show 1 --json`); whole process: `digest send-now` from start to exit, start-up,");
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

        public static MailOptions Parse(string[] args)
        {
            var options = new MailOptions();
            options.Read(args, (option, value) =>
            {
                if (option != "--subscribers")
                {
                    return false;
                }

                options.Subscribers.AddRange(Numbers(value()));
                return true;
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

internal sealed record MailCase(int Subscribers, MailRun Syndicate, double SourceRate)
{
    public double Ratio => Syndicate.SendingRate / SourceRate;

    public bool RateMet => Ratio >= MailBenchmark.RateTarget;

    public bool MemoryMet => Syndicate.PeakMiB < MailBenchmark.MemoryTargetMiB;
}
