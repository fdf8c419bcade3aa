using System.Diagnostics;
using System.Globalization;
using Markdig;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Syndicate.Feeds;
using Syndicate.Hosting;
using Syndicate.Posts;

namespace Syndicate.Benchmarks;

/// <summary>
/// <c>phases CONTENT_ROOT</c>: where a <c>build</c> spends its time and memory, by running the same
/// steps as BuildCommand in this process (host, scan, plan, render, serialize each feed, write each
/// file) and printing each step's wall time, allocations, GC pauses and the peak RSS after it. Run
/// it with the settings of the published build (DOTNET_TieredCompilation=0) to match it.
/// </summary>
internal static class Phases
{
    public static async Task<int> RunAsync(string root, TextWriter output)
    {
        var total = Stopwatch.StartNew();
        var last = new Mark(output);
        last.Print("process start to Main (runtime start-up)", TimeSpan.FromMilliseconds((DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds));

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = root, Args = [] });
        builder.Services.AddSyndicate();
        using var host = builder.Build();
        host.Services.GetRequiredService<IStartupValidator>().Validate();
        var catalog = host.Services.GetRequiredService<PostCatalog>();
        var feeds = host.Services.GetRequiredService<FeedBuilder>();
        var files = host.Services.GetRequiredService<FeedOutput>();
        last.Step("host built, options validated");

        catalog.Scan();
        last.Step("scan: read and parse front matter of every post");

        var snapshot = catalog.Snapshot(DateTimeOffset.UtcNow);
        var scopes = feeds.Plan(snapshot);
        last.Step($"snapshot and plan: {snapshot.Posts.Count} posts, {scopes.Count} scopes");

        var posts = scopes.SelectMany(scope => scope.Posts).Distinct().ToArray();
        Parallel.ForEach(posts, post => catalog.GetContent(post));
        last.Step($"render {posts.Length} posts (Markdig + URL rewrite, parallel)");
        var rendered = posts.Sum(post => (long)post.Content!.Html.Length * 2);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"    rendered HTML kept on the posts: {rendered / 1048576.0:0} MiB (UTF-16); live heap after a full GC: {GC.GetTotalMemory(forceFullCollection: true) / 1048576.0:0} MiB"));
        last.Step("(full GC for the figure above)");

        // As FeedPublisher does in build mode: every feed streamed into its file, several at once.
        var made = feeds.Stream(scopes, file =>
        {
            var start = Stopwatch.GetTimestamp();
            var result = files.Write(file, hashed: false);
            return (file.Path, result.Length, Time: Stopwatch.GetElapsedTime(start));
        });
        last.Step($"serialize and write every feed ({Environment.ProcessorCount} at a time, compared with their files, a temporary file from the first difference)");
        foreach (var group in made.GroupBy(file => (file.Path.StartsWith("tags/", StringComparison.Ordinal) ? "tag " : "site ") + Path.GetFileName(file.Path))
            .OrderBy(group => group.Key, StringComparer.Ordinal))
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"    {group.Key}: {group.Count()} files, {group.Sum(file => file.Length) / 1048576.0:0.0} MiB, {group.Sum(file => file.Time.TotalMilliseconds):0} ms (summed over threads)"));
        }

        // As BuildCommand does: the posts and their HTML kept for the next run (Posts:CacheFile).
        catalog.SaveCache();
        last.Step("write the post cache");

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"total in Main {total.Elapsed.TotalSeconds:0.00} s; allocated {GC.GetTotalAllocatedBytes() / 1048576.0:0} MiB; GC pauses {GC.GetTotalPauseDuration().TotalMilliseconds:0} ms; gen0/1/2 collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}"));

        await RenderSplitAsync(host.Services.GetRequiredService<PostRenderer>(), snapshot, output);
        return 0;
    }

    /// <summary>Markdig alone (the posts' pipeline) vs a whole render (Markdig, URLs made absolute, excerpt) on the same posts, single-threaded, second pass (JIT warm).</summary>
    private static async Task RenderSplitAsync(PostRenderer renderer, CatalogSnapshot snapshot, TextWriter output)
    {
        var sample = snapshot.Posts.Take(500).Select(post =>
            (post, PostSource.Read(post.File, File.ReadAllBytes(post.FullPath), long.MaxValue, out _)!.Body)).ToArray();
        TimeSpan markdig = default, whole = default;
        for (var pass = 0; pass < 2; pass++)
        {
            markdig = whole = TimeSpan.Zero;
            foreach (var (post, body) in sample)
            {
                var start = Stopwatch.GetTimestamp();
                Markdown.ToHtml(body, PostRenderer.Pipeline);
                markdig += Stopwatch.GetElapsedTime(start);
                start = Stopwatch.GetTimestamp();
                renderer.Render(post, body);
                whole += Stopwatch.GetElapsedTime(start);
            }
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"render split, {sample.Length} posts on one thread: Markdig alone {markdig.TotalMilliseconds:0} ms, whole render (URLs, excerpt) {whole.TotalMilliseconds:0} ms"));
    }

    private sealed class Mark(TextWriter output)
    {
        private long _at = Stopwatch.GetTimestamp();
        private long _allocated = GC.GetTotalAllocatedBytes();

        public void Print(string what, TimeSpan time) =>
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{time.TotalMilliseconds,8:0} ms  {what}"));

        public void Step(string what)
        {
            var allocated = GC.GetTotalAllocatedBytes();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Stopwatch.GetElapsedTime(_at).TotalMilliseconds,8:0} ms  {what}  (allocated {(allocated - _allocated) / 1048576.0:0} MiB, peak RSS so far {PeakMiB():0} MiB)"));
            _at = Stopwatch.GetTimestamp();
            _allocated = allocated;
        }

        private static double PeakMiB()
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
                }
            }

            return double.NaN;
        }
    }
}
