using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Syndicate.Benchmarks;

/// <summary>
/// postfix's smtp-sink on 127.0.0.1, discarding what it receives (no -d); 1000 is its listen backlog. With -c its running
/// counters on stdout give the messages received (<see cref="Count"/>). The mail and cluster benchmarks' receiver.
/// </summary>
internal sealed partial class SmtpSink : IAsyncDisposable
{
    private readonly string _postfix;
    private readonly int _port;
    private Process? _process;
    private Task? _reader;
    private long _count;

    private SmtpSink(string postfix, int port)
    {
        _postfix = postfix;
        _port = port;
    }

    public long Count => Interlocked.Read(ref _count);

    public static async Task<SmtpSink> StartAsync(string postfix, int port)
    {
        var sink = new SmtpSink(postfix, port);
        await sink.StartAsync();
        return sink;
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    /// <summary>The count once it reaches <paramref name="expected"/> or stops changing for 3 s.</summary>
    public async Task<long> SettleAsync(long expected)
    {
        var last = -1L;
        var stable = Stopwatch.StartNew();
        while (Count < expected && stable.Elapsed < TimeSpan.FromSeconds(3))
        {
            if (Count != last)
            {
                last = Count;
                stable.Restart();
            }

            await Task.Delay(100);
        }

        return Count;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task StartAsync()
    {
        if (await AcceptsAsync(_port))
        {
            throw new InvalidOperationException($"Something already listens on 127.0.0.1:{_port}; pick another --port.");
        }

        var info = new ProcessStartInfo(Path.Combine(_postfix, "smtp-sink"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // smtp-sink refuses to run as root without a user to drop to.
        var arguments = Environment.UserName == "root" ? (string[])["-u", "nobody"] : [];
        foreach (var argument in arguments.Concat(["-c", $"127.0.0.1:{_port}", "1000"]))
        {
            info.ArgumentList.Add(argument);
        }

        Interlocked.Exchange(ref _count, 0);
        var process = Process.Start(info) ?? throw new InvalidOperationException("smtp-sink did not start.");
        _process = process;
        _reader = ReadCountsAsync(process.StandardOutput);
        _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
        for (var i = 0; i < 100 && !await AcceptsAsync(_port); i++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"smtp-sink exited with {process.ExitCode}.");
            }

            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"mesg=(\d+)")]
    private static partial Regex MessageCount();

    /// <summary>-c writes "sess=N quit=N mesg=N" after every change, separated by carriage returns.</summary>
    private async Task ReadCountsAsync(StreamReader reader)
    {
        var buffer = new char[4096];
        var tail = "";
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            var text = tail + new string(buffer, 0, read);
            var end = text.LastIndexOf('\r');
            if (end < 0)
            {
                tail = text;
                continue;
            }

            var matches = MessageCount().Matches(text[..end]);
            if (matches.Count > 0)
            {
                Interlocked.Exchange(ref _count, long.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture));
            }

            tail = text[(end + 1)..];
        }
    }

    private async Task StopAsync()
    {
        if (_process is { } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
            if (_reader is { } reader)
            {
                await reader;
            }

            process.Dispose();
            _process = null;
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
