using System.Diagnostics;
using System.Globalization;
using System.Runtime;

/// <summary>
/// Loaded by the runtime before Main when named in DOTNET_STARTUP_HOOKS. Every quarter of a second it notes how many
/// methods the JIT compiled and for how long, the collections and their pauses, and the process's CPU time; at exit it
/// writes those lines and the totals to RUNTIME_COUNTERS_FOLDER (default /tmp) as runtime-counters-PID.txt, one file
/// per process, so a CLI verb's output is left alone.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        var started = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        var folder = Environment.GetEnvironmentVariable("RUNTIME_COUNTERS_FOLDER") ?? Path.GetTempPath();
        var lines = new List<string> { "seconds  methods  jit-ms  gen0/1/2  pause-ms  cpu-s" };
        var gate = new Lock();
        var last = Sample.Now();
        var sampler = new Thread(() =>
        {
            while (true)
            {
                Thread.Sleep(250);
                var now = Sample.Now();
                lock (gate)
                {
                    lines.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{clock.Elapsed.TotalSeconds,7:0.00}  {now.Methods - last.Methods,7}  {(now.Jit - last.Jit).TotalMilliseconds,6:0}  " +
                        $"{now.Gen0 - last.Gen0}/{now.Gen1 - last.Gen1}/{now.Gen2 - last.Gen2}  {(now.Pause - last.Pause).TotalMilliseconds,8:0}  {now.Cpu.TotalSeconds,5:0.00}"));
                }

                last = now;
            }
        })
        { IsBackground = true, Name = "runtime counters" };
        sampler.Start();

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            var end = Sample.Now();
            lock (gate)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"process started {started:O}; {clock.Elapsed.TotalSeconds:0.00} s; JIT {end.Methods} methods in {end.Jit.TotalMilliseconds:0} ms; " +
                    $"collections {end.Gen0}/{end.Gen1}/{end.Gen2}, paused {end.Pause.TotalMilliseconds:0} ms; " +
                    $"allocated {GC.GetTotalAllocatedBytes() / (1024 * 1024)} MiB; CPU {end.Cpu.TotalSeconds:0.00} s"));
                File.WriteAllLines(Path.Combine(folder, $"runtime-counters-{Environment.ProcessId}.txt"), lines);
            }
        };
    }

    private readonly record struct Sample(long Methods, TimeSpan Jit, int Gen0, int Gen1, int Gen2, TimeSpan Pause, TimeSpan Cpu)
    {
        public static Sample Now()
        {
            using var process = Process.GetCurrentProcess();
            return new Sample(JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime(), GC.CollectionCount(0), GC.CollectionCount(1),
                GC.CollectionCount(2), GC.GetTotalPauseDuration(), process.TotalProcessorTime);
        }
    }
}
