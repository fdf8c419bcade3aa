using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Syndicate.Benchmarks;

/// <summary>
/// The feeds benchmark: generate the posts, time whole-process builds of Syndicate and Hugo on them,
/// time one-post edits in a running service, and print the figures as Markdown tables.
/// <c>generate FOLDER COUNT</c> only writes the posts; <c>phases CONTENT_ROOT</c> profiles one build in-process;
/// <c>mail-phases CONTENT_ROOT [DIGEST_ID]</c> the CPU of one digest message, step by step.
/// </summary>
internal static class BenchProgram
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        if (args.Length == 3 && args[0] == "generate")
        {
            var names = PostGenerator.Generate(Path.GetFullPath(args[1]), int.Parse(args[2], CultureInfo.InvariantCulture));
            await output.WriteLineAsync($"{names.Count} posts written to {Path.GetFullPath(args[1])}.");
            return 0;
        }

        if (args.Length >= 1 && args[0] == "mail")
        {
            return await MailBenchmark.RunAsync(args[1..], output);
        }

        if (args.Length is 2 or 3 && args[0] == "mail-phases")
        {
            return await MailPhases.RunAsync(Path.GetFullPath(args[1]), args.Length == 3 ? long.Parse(args[2], CultureInfo.InvariantCulture) : 1, output);
        }

        if (args.Length >= 1 && args[0] == "cluster")
        {
            return await ClusterBenchmark.RunAsync(args[1..], output);
        }

        if (args.Length == 2 && args[0] == "phases")
        {
            return await Phases.RunAsync(Path.GetFullPath(args[1]), output);
        }

        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            await Console.Error.WriteLineAsync("Usage: Syndicate.Benchmarks --syndicate LABEL=PATH [...] [--quick] [--posts 1000,10000] [--runs 5] [--work DIR] [--edit-full] [--results FILE]");
            return 2;
        }

        var log = Console.Error;
        var timer = new TimedProcess(options.Time);
        var builds = new List<BuildCase>();
        var services = new List<ServiceRun>();
        var started = Stopwatch.StartNew();
        foreach (var posts in options.Sizes)
        {
            var corpus = Path.Combine(options.Work, $"posts-{posts}");
            var site = new HugoSite(Path.Combine(corpus, "hugo"));
            site.WriteConfiguration();
            EnsurePosts(site.PostsFolder, posts, log);
            var bench = new BuildBenchmark(timer, options.Syndicate, options.Hugo, options.Runs, log);
            foreach (var limit in (int[])[20, 0])
            {
                builds.Add(await bench.RunAsync(corpus, site, posts, limit));
            }
        }

        var largest = options.Sizes.Max();
        var largestCorpus = Path.Combine(options.Work, $"posts-{largest}");
        var largestPosts = new HugoSite(Path.Combine(largestCorpus, "hugo")).PostsFolder;
        using var edit = new EditLatency(options.Syndicate[0].Executable, log);
        services.Add(await edit.RunAsync(Path.Combine(largestCorpus, "service-20"), largestPosts, 20, options.Edits, options.OldEdits));
        if (options.EditFull)
        {
            services.Add(await edit.RunAsync(Path.Combine(largestCorpus, "service-0"), largestPosts, 0, Math.Min(5, options.Edits), 0));
        }

        var report = Report.Write(builds, services, options, await HugoVersionAsync(options.Hugo), started.Elapsed);
        await output.WriteAsync(report);
        if (options.Results is { } results)
        {
            await File.WriteAllTextAsync(results, report);
        }

        var met = builds.All(b => Report.TimeMet(b) && Report.MemoryMet(b)) && services.Take(1).All(s => s.Edits[0].MedianMs < Report.EditTargetMs);
        return met ? 0 : 3;
    }

    private static void EnsurePosts(string folder, int count, TextWriter log)
    {
        var stamp = Path.Combine(folder, "..", $".generated-{count}-v{PostGenerator.Version}");
        if (File.Exists(stamp) && Directory.EnumerateFiles(folder, "*.md").Count() == count)
        {
            return;
        }

        var stopwatch = Stopwatch.StartNew();
        var names = PostGenerator.Generate(folder, count);
        var bytes = names.Sum(name => new FileInfo(Path.Combine(folder, name)).Length);
        File.WriteAllText(stamp, "");
        log.WriteLine($"Generated {count:N0} posts ({bytes / 1048576.0:0.0} MiB, {bytes / count / 1024.0:0.0} KiB each on average) in {stopwatch.Elapsed.TotalSeconds:0.0} s into {folder}");
    }

    private static async Task<string> HugoVersionAsync(string hugo)
    {
        var info = new ProcessStartInfo(hugo, ["version"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return text.Trim();
    }
}

/// <summary>The Markdown tables of one run.</summary>
internal static class Report
{
    public const double TimeTarget = 3;
    public const double MemoryTarget = 1.0 / 3;
    public const double EditTargetMs = 50;

    public static bool TimeMet(BuildCase b) => b.Hugo.MedianSeconds / b.Syndicate[0].MedianSeconds >= TimeTarget;

    public static bool MemoryMet(BuildCase b) => b.Syndicate[0].PeakMiB / b.Hugo.PeakMiB <= MemoryTarget;

    public static string Write(IReadOnlyList<BuildCase> builds, IReadOnlyList<ServiceRun> services, BenchOptions options, string hugoVersion, TimeSpan elapsed)
    {
        var sb = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        sb.AppendLine(c, $"## Feeds benchmark, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine();
        sb.AppendLine(c, $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; {hugoVersion}.");
        sb.AppendLine(c, $"Whole processes, median of {options.Runs} runs after a warm-up; peak RSS is the highest of the runs (GNU time %M). Took {elapsed.TotalMinutes:0.0} min.");
        sb.AppendLine();
        sb.AppendLine("| case | Syndicate median s | peak MiB | Hugo median s | peak MiB | time ratio (Hugo / Syndicate) | memory ratio (Syndicate / Hugo) | target met |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var b in builds)
        {
            for (var i = 0; i < b.Syndicate.Count; i++)
            {
                var s = b.Syndicate[i];
                var timeRatio = b.Hugo.MedianSeconds / s.MedianSeconds;
                var memoryRatio = s.PeakMiB / b.Hugo.PeakMiB;
                var met = i == 0
                    ? $"time {(timeRatio >= TimeTarget ? "yes" : "no")}, memory {(memoryRatio <= MemoryTarget ? "yes" : "no")}"
                    : "(variant, not judged)";
                var label = b.Syndicate.Count > 1 ? $"{b.Name} ({s.Label})" : b.Name;
                sb.AppendLine(c, $"| {label} | {s.MedianSeconds:0.00} | {s.PeakMiB:0} | {b.Hugo.MedianSeconds:0.00} | {b.Hugo.PeakMiB:0} | {timeRatio:0.00}x | {memoryRatio:0.00} | {met} |");
            }
        }

        sb.AppendLine();
        sb.AppendLine("Targets: at least 3 times faster than Hugo, at most a third of its peak memory. Syndicate's build writes RSS, Atom and JSON Feed");
        sb.AppendLine("for the site plus RSS and Atom for every tag (40 tags); Hugo writes one RSS file (index.xml). A Syndicate build finds the");
        sb.AppendLine("post cache (Posts:CacheFile) the run before it wrote, with every post and its HTML, as a repeated build does; \"no post");
        sb.AppendLine("cache\" deletes it before each run, as a first build. Hugo keeps nothing between runs.");
        sb.AppendLine();
        sb.AppendLine("| case | runs, Syndicate (s) | runs, Hugo (s) | output |");
        sb.AppendLine("| --- | --- | --- | --- |");
        foreach (var b in builds)
        {
            foreach (var s in b.Syndicate)
            {
                sb.AppendLine(c, $"| {b.Name} ({s.Label}) | {Runs(s)} | {Runs(b.Hugo)} | {s.Check}; Hugo: {b.Hugo.Check} |");
            }
        }

        sb.AppendLine();
        sb.AppendLine(c, $"| service case | edits | median ms | max ms | publish median ms (service log) | start-up s | service peak MiB | target < {EditTargetMs:0} ms |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var service in services)
        {
            foreach (var e in service.Edits)
            {
                var judged = service == services[0] && e == service.Edits[0];
                var met = judged ? (e.MedianMs < EditTargetMs ? "yes" : "no") : "(not judged)";
                sb.AppendLine(c, $"| {e.Name} | {e.Milliseconds.Count} | {e.MedianMs:0.0} | {e.MaxMs:0.0} | {e.PublishMedianMs:0} | {service.StartSeconds:0.00} | {service.PeakMiB:0} | {met} |");
            }
        }

        sb.AppendLine();
        sb.AppendLine("Edit: the post is written beside itself and renamed over itself; the time runs from just before the write until out/feed.xml");
        sb.AppendLine("holds the new title (for a post in no feed: until the service logs its publish). Hugo has no incremental build: each edit is a full build (above).");
        return sb.ToString();
    }

    private static string Runs(Measured m) =>
        string.Join(", ", m.Runs.Select(run => run.Seconds.ToString("0.00", CultureInfo.InvariantCulture)));
}
