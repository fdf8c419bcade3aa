using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Syndicate.IntegrationTests.Admin;

/// <summary>
/// Debian's chromium, headless, driven over the Chrome DevTools Protocol with a plain WebSocket: one page target
/// attached in flat mode, commands matched to answers by id. Enough to load a page, run script in it, wait for the
/// DOM and take a screenshot.
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    private readonly Process _process;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _waiting = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _receiving;
    private int _nextId;
    private string _session = "";

    private HeadlessChromium(Process process) => _process = process;

    /// <summary>Why the browser tests cannot run here, or null when chromium is installed.</summary>
    public static string? Missing =>
        File.Exists(Executable) ? null : $"{Executable} is missing; install Debian's chromium package (apt-get install -y chromium) to run the admin page tests.";

    public static async Task<HeadlessChromium> StartAsync(string folder)
    {
        var profile = Path.Combine(folder, "chromium-profile");
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0", $"--user-data-dir={profile}",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1200,800",
            "about:blank"])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start.");
        var browser = new HeadlessChromium(process);
        try
        {
            var endpoint = await browser.ReadDevToolsEndpointAsync();
            await browser._socket.ConnectAsync(endpoint, TestContext.Current.CancellationToken);
            browser._receiving = Task.Run(browser.ReceiveAsync, CancellationToken.None);
            var target = await browser.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, session: false);
            var attached = await browser.SendAsync("Target.attachToTarget",
                new JsonObject { ["targetId"] = target.GetProperty("targetId").GetString(), ["flatten"] = true }, session: false);
            browser._session = attached.GetProperty("sessionId").GetString()!;
            await browser.SendAsync("Page.enable");
            await browser.SendAsync("Runtime.enable");
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    public async Task NavigateAsync(string url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await WaitForAsync("document.readyState === 'complete' && location.href === " + JsonSerializer.Serialize(url), $"{url} to load");
    }

    /// <summary>Runs <paramref name="expression"/> in the page (promises awaited) and returns its value.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (result.TryGetProperty("exceptionDetails", out var exception))
        {
            Assert.Fail($"script failed: {expression}\n{exception}");
        }

        return result.GetProperty("result").TryGetProperty("value", out var value) ? value : default;
    }

    /// <summary>Polls a boolean expression until it is true.</summary>
    public Task WaitForAsync(string expression, string what) =>
        Infrastructure.Eventually.ValueAsync(async () => await EvaluateAsync(expression), value => value.ValueKind == JsonValueKind.True, what,
            TimeSpan.FromSeconds(20));

    public async Task ScreenshotAsync(string file)
    {
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        await File.WriteAllBytesAsync(file, Convert.FromBase64String(shot.GetProperty("data").GetString()!), TestContext.Current.CancellationToken);
    }

    public async Task<JsonElement> SendAsync(string method, JsonObject? parameters = null, bool session = true)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        if (session)
        {
            message["sessionId"] = _session;
        }

        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = answer;
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);
        var reply = await answer.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        if (reply.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"{method}: {error}");
        }

        return reply.GetProperty("result");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.SendAsync("{\"id\":0,\"method\":\"Browser.close\"}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
            // The browser is going away either way.
        }

        if (!_process.WaitForExit(5000))
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        if (_receiving is not null)
        {
            await Task.WhenAny(_receiving, Task.Delay(2000, CancellationToken.None));
        }

        _socket.Dispose();
        _process.Dispose();
        _stop.Dispose();
    }

    /// <summary>Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" on stderr once it listens.</summary>
    private async Task<Uri> ReadDevToolsEndpointAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var seen = new StringBuilder();
        while (await _process.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            seen.AppendLine(line);
            if (DevToolsLine().Match(line) is { Success: true } match)
            {
                // Keep draining both streams so chromium never blocks on a full pipe.
                _ = _process.StandardError.ReadToEndAsync(_stop.Token);
                _ = _process.StandardOutput.ReadToEndAsync(_stop.Token);
                return new Uri(match.Groups["url"].Value);
            }
        }

        throw new InvalidOperationException("chromium ended without a DevTools address:\n" + seen);
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open && !_stop.IsCancellationRequested)
            {
                var received = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                using var document = JsonDocument.Parse(message.ToArray());
                message.SetLength(0);
                if (document.RootElement.TryGetProperty("id", out var id) && _waiting.TryRemove(id.GetInt32(), out var waiter))
                {
                    waiter.TrySetResult(document.RootElement.Clone());
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // Closed: the browser ended or the test is done.
        }

        foreach (var waiter in _waiting.Values)
        {
            waiter.TrySetException(new InvalidOperationException("the DevTools connection closed"));
        }
    }

    [GeneratedRegex(@"DevTools listening on (?<url>ws://\S+)")]
    private static partial Regex DevToolsLine();
}
