using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Syndicate.Benchmarks;

internal sealed record EditCase(string Name, IReadOnlyList<double> Milliseconds, IReadOnlyList<double> PublishMilliseconds)
{
    public double MedianMs => Stats.Median(Milliseconds);

    public double MaxMs => Milliseconds.Max();

    /// <summary>The service's own "Feeds published ... (N ms)" figure: the publish alone, without the watcher's delay.</summary>
    public double PublishMedianMs => Stats.Median(PublishMilliseconds);
}

internal sealed record ServiceRun(string Name, double StartSeconds, double PeakMiB, IReadOnlyList<EditCase> Edits);

/// <summary>
/// The running service on a corpus: from just before a post is replaced (written beside it, then
/// renamed over it, as editors save) until out/feed.xml holds the new title; and, for an old post in
/// no feed, until the service logs that it published (no feed bytes change then).
/// </summary>
internal sealed partial class EditLatency(string executable, TextWriter log) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<(long At, string Line)> _lines = [];
    private readonly SemaphoreSlim _lineArrived = new(0);

    public void Dispose() => _lineArrived.Dispose();

    public async Task<ServiceRun> RunAsync(string root, string postsFolder, int limit, int newestEdits, int oldEdits)
    {
        var port = FreePort();
        ContentRoot.Create(root, postsFolder, limit, $"http://127.0.0.1:{port}");
        var output = ContentRoot.OutputFolder(root);
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        var names = Directory.GetFiles(postsFolder, "*.md").Order(StringComparer.Ordinal).ToArray();
        var info = new ProcessStartInfo(executable)
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{executable} did not start.");
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            await WaitUntilServingAsync(http, process, Path.Combine(output, "feed.xml"));
            var startSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            log.WriteLine($"  service ({limit} items) serving after {startSeconds:0.00} s");

            var name = limit > 0 ? $"{names.Length:N0} posts, {limit} items" : $"{names.Length:N0} posts, every post";
            var edits = new List<EditCase>
            {
                await EditAsync($"{name}: edit the newest post", names[^1], output, newestEdits, inFeed: true, http),
            };
            if (oldEdits > 0)
            {
                edits.Add(await EditAsync($"{name}: edit the oldest post (in no feed)", names[0], output, oldEdits, inFeed: limit == 0, http));
            }

            var peak = PeakMiB(process.Id);
            return new ServiceRun(name, startSeconds, peak, edits);
        }
        finally
        {
            await StopAsync(process);
        }
    }

    private async Task<EditCase> EditAsync(string name, string path, string output, int count, bool inFeed, HttpClient http)
    {
        var original = await File.ReadAllTextAsync(path);
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".tmp");
        var feedFile = Path.Combine(output, "feed.xml");
        using var feedChanged = new SemaphoreSlim(0);
        using var watcher = new FileSystemWatcher(output, "feed.xml") { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite };
        watcher.Renamed += (_, _) => feedChanged.Release();
        watcher.Changed += (_, _) => feedChanged.Release();
        watcher.Created += (_, _) => feedChanged.Release();
        watcher.EnableRaisingEvents = true;

        var latencies = new List<double>();
        var publishes = new List<double>();
        var token = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            for (var k = 1; k <= count; k++)
            {
                await Task.Delay(300);
                var title = $"Edited in the benchmark {token}-{k}";
                var text = TitleLine().Replace(original, $"title: \"{title}\"", 1);
                var needle = Encoding.UTF8.GetBytes(title);
                while (feedChanged.CurrentCount > 0)
                {
                    await feedChanged.WaitAsync();
                }

                int mark;
                lock (_gate)
                {
                    mark = _lines.Count;
                }

                var t0 = Stopwatch.GetTimestamp();
                await File.WriteAllTextAsync(temporary, text);
                File.Move(temporary, path, overwrite: true);
                double elapsed;
                if (inFeed)
                {
                    await WaitForAsync(() => File.ReadAllBytes(feedFile).AsSpan().IndexOf(needle) >= 0, feedChanged, TimeSpan.FromSeconds(120));
                    elapsed = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    if (k == count)
                    {
                        // What HTTP serves changed with the file: the store is set before the file is written.
                        var served = await http.GetByteArrayAsync("/feed.xml");
                        if (served.AsSpan().IndexOf(needle) < 0)
                        {
                            throw new InvalidOperationException("/feed.xml does not serve the new title.");
                        }
                    }
                }
                else
                {
                    var at = await WaitForPublishAsync(mark, TimeSpan.FromSeconds(120));
                    elapsed = Stopwatch.GetElapsedTime(t0, at).TotalMilliseconds;
                }

                var publishMs = await PublishMillisecondsAsync(mark);
                latencies.Add(elapsed);
                publishes.Add(publishMs);
                log.WriteLine($"  {name} #{k}: {elapsed:0.0} ms (publish {publishMs:0} ms)");
            }
        }
        finally
        {
            int mark;
            lock (_gate)
            {
                mark = _lines.Count;
            }

            await File.WriteAllTextAsync(temporary, original);
            File.Move(temporary, path, overwrite: true);
            await WaitForPublishAsync(mark, TimeSpan.FromSeconds(120));
        }

        return new EditCase(name, latencies, publishes);
    }

    private static async Task WaitForAsync(Func<bool> condition, SemaphoreSlim signal, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException("The feed did not change in time.");
            }

            // The watcher says when feed.xml is replaced; the timeout is a fallback should it miss one.
            await signal.WaitAsync(TimeSpan.FromMilliseconds(250));
        }
    }

    /// <summary>Waits for the "Feeds published" line after line <paramref name="mark"/>; returns when it arrived.</summary>
    private async Task<long> WaitForPublishAsync(int mark, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            lock (_gate)
            {
                for (var i = mark; i < _lines.Count; i++)
                {
                    if (_lines[i].Line.Contains("Feeds published", StringComparison.Ordinal))
                    {
                        return _lines[i].At;
                    }
                }
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException("The service did not publish in time.");
            }

            await _lineArrived.WaitAsync(TimeSpan.FromMilliseconds(100));
        }
    }

    private async Task<double> PublishMillisecondsAsync(int mark)
    {
        await WaitForPublishAsync(mark, TimeSpan.FromSeconds(30));
        lock (_gate)
        {
            for (var i = mark; i < _lines.Count; i++)
            {
                if (PublishedIn().Match(_lines[i].Line) is { Success: true } match)
                {
                    return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                }
            }
        }

        return double.NaN;
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Add((Stopwatch.GetTimestamp(), line));
        }

        _lineArrived.Release();
    }

    private async Task WaitUntilServingAsync(HttpClient http, Process process, string feedFile)
    {
        var deadline = Stopwatch.GetTimestamp() + (600 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process.HasExited)
            {
                string all;
                lock (_gate)
                {
                    all = string.Join('\n', _lines.Select(line => line.Line));
                }

                throw new InvalidOperationException($"The service exited with {process.ExitCode}:\n{all}");
            }

            try
            {
                using var response = await http.GetAsync("/healthz");
                if (response.IsSuccessStatusCode && File.Exists(feedFile))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy with the first build.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The service did not start serving in time.");
    }

    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
        }
    }

    /// <summary>VmHWM: the highest resident set size of the process so far.</summary>
    private static double PeakMiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return double.NaN;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("(?m)^title: .*$")]
    private static partial Regex TitleLine();

    [GeneratedRegex(@"Feeds published .*\((\d+) ms\)")]
    private static partial Regex PublishedIn();
}
