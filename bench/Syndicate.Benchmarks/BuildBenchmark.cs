using System.Globalization;

namespace Syndicate.Benchmarks;

/// <summary>
/// A program whose whole-process builds are timed: a Syndicate publish folder (a label and its apphost) or Hugo.
/// <paramref name="Cold"/>: each run starts without the post cache (Posts:CacheFile) the runs before it left.
/// </summary>
internal sealed record Contender(string Label, string Executable, bool Cold = false);

/// <summary>The runs of one contender on one case: wall times, peak RSS of each run, and what its output held.</summary>
internal sealed record Measured(string Label, IReadOnlyList<RunResult> Runs, string Check)
{
    public double MedianSeconds => Stats.Median(Runs.Select(run => run.Seconds));

    /// <summary>The highest peak RSS of the runs (conservative for both sides).</summary>
    public double PeakMiB => Runs.Max(run => run.PeakMiB);
}

internal sealed record BuildCase(string Name, int Posts, int Limit, IReadOnlyList<Measured> Syndicate, Measured Hugo);

/// <summary>
/// Whole-process builds of one corpus: <c>Syndicate build</c> in a content root with Feeds:ItemLimit 20
/// or 0, and Hugo's RSS-only site with its limit at 20 or every post with full content. The output
/// folders are emptied before every run, so every run writes every file; one warm-up run each, then
/// the runs interleaved so that drift on a shared machine hits every contender alike. A Syndicate content
/// root keeps its data/ folder between runs (the item ledger, and the post cache the warm-up wrote), so its
/// runs read every post from the cache unless the contender is cold.
/// </summary>
internal sealed class BuildBenchmark(TimedProcess timer, IReadOnlyList<Contender> syndicate, string hugo, int runs, TextWriter log)
{
    public async Task<BuildCase> RunAsync(string corpusRoot, HugoSite site, int posts, int limit)
    {
        var name = limit > 0
            ? $"{posts:N0} posts, {limit} items"
            : $"{posts:N0} posts, every post, full content";
        var roots = syndicate.Select(contender => ContentRoot.Create(
            Path.Combine(corpusRoot, $"build-{Slug(contender.Label)}-{limit}"), site.PostsFolder, limit)).ToArray();
        var hugoLimit = limit > 0 ? limit : -1;
        var results = syndicate.Select(_ => new List<RunResult>()).ToArray();
        var hugoRuns = new List<RunResult>();
        for (var run = 0; run <= runs; run++)
        {
            for (var i = 0; i < syndicate.Count; i++)
            {
                Clean(ContentRoot.OutputFolder(roots[i]));
                var cache = Path.Combine(roots[i], "data", "posts.cache");
                if (syndicate[i].Cold && File.Exists(cache))
                {
                    File.Delete(cache);
                }

                var result = await timer.RunAsync(roots[i], syndicate[i].Executable, ["build"]);
                Require(result, $"{syndicate[i].Label} build ({name})");
                if (run > 0)
                {
                    results[i].Add(result);
                }

                log.WriteLine($"  {name}: {syndicate[i].Label} run {run} {result.Seconds:0.000} s, {result.PeakMiB:0} MiB{(run == 0 ? " (warm-up)" : "")}");
            }

            Clean(site.Destination(hugoLimit));
            var hugoResult = await timer.RunAsync(site.Root, hugo, site.Arguments(hugoLimit));
            Require(hugoResult, $"hugo ({name})");
            if (run > 0)
            {
                hugoRuns.Add(hugoResult);
            }

            log.WriteLine($"  {name}: Hugo run {run} {hugoResult.Seconds:0.000} s, {hugoResult.PeakMiB:0} MiB{(run == 0 ? " (warm-up)" : "")}");
        }

        var expected = limit > 0 ? Math.Min(limit, posts) : posts;
        var measured = syndicate.Select((contender, i) =>
            new Measured(contender.Label, results[i], CheckSyndicate(ContentRoot.OutputFolder(roots[i]), expected))).ToArray();
        var hugoMeasured = new Measured("Hugo", hugoRuns, CheckHugo(site.FeedFile(hugoLimit), expected, posts, fullContent: limit == 0));
        foreach (var m in measured.Append(hugoMeasured))
        {
            log.WriteLine($"  {name}: {m.Label}: {m.Check}");
        }

        return new BuildCase(name, posts, limit, measured, hugoMeasured);
    }

    private static string CheckSyndicate(string output, int expected)
    {
        var feed = File.ReadAllBytes(Path.Combine(output, "feed.xml"));
        var items = Stats.Count(feed, "<item>"u8);
        var contents = Stats.Count(feed, "<content:encoded>"u8);
        var files = Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Select(path => new FileInfo(path).Length).ToArray();
        if (items != expected || contents != expected)
        {
            throw new InvalidOperationException($"Syndicate's feed.xml in {output} has {items} items and {contents} content:encoded, not {expected}.");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"feed.xml {items} items with content:encoded, {feed.Length / 1048576.0:0.0} MiB; {files.Length} feed files, {files.Sum() / 1048576.0:0.0} MiB in all");
    }

    private static string CheckHugo(string feedFile, int expected, int posts, bool fullContent)
    {
        var feed = File.ReadAllBytes(feedFile);
        var items = Stats.Count(feed, "<item>"u8);
        var headings = Stats.Count(feed, "&lt;h2"u8);
        if (items != expected || (fullContent && headings < posts))
        {
            throw new InvalidOperationException($"Hugo's {feedFile} has {items} items (not {expected}) and {headings} rendered h2 headings.");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"index.xml {items} items, {headings} rendered <h2> in all, {feed.Length / 1048576.0:0.0} MiB");
    }

    private static void Require(RunResult result, string what)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} exited with {result.ExitCode}:\n{result.Output}\n{result.Error}");
        }
    }

    private static void Clean(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Slug(string label) => new(label.ToLowerInvariant().Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '-').ToArray());
}
