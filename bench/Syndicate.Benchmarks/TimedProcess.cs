using System.Diagnostics;
using System.Globalization;

namespace Syndicate.Benchmarks;

/// <summary>One finished run of a whole process: wall time (measured here), peak RSS (GNU time's %M), exit code and output.</summary>
internal sealed record RunResult(double Seconds, long PeakKiB, int ExitCode, string Output, string Error)
{
    public double PeakMiB => PeakKiB / 1024.0;
}

/// <summary>Runs a command under GNU time (<c>/usr/bin/time -f %M</c>) to learn its peak resident set size.</summary>
internal sealed class TimedProcess(string timePath)
{
    public async Task<RunResult> RunAsync(string workingDirectory, string fileName, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var report = Path.Combine(Path.GetTempPath(), $"syndicate-bench-time-{Environment.ProcessId}.txt");
        var info = new ProcessStartInfo(timePath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-f", "%M", "-o", report, fileName])
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        stopwatch.Stop();
        var peak = long.Parse((await File.ReadAllLinesAsync(report)).Last(line => line.Length > 0).Trim(), CultureInfo.InvariantCulture);
        File.Delete(report);
        return new RunResult(stopwatch.Elapsed.TotalSeconds, peak, process.ExitCode, await output, await error);
    }
}
