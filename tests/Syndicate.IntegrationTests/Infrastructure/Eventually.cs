using System.Diagnostics;

namespace Syndicate.IntegrationTests.Infrastructure;

/// <summary>Waits for a condition with a deadline, polling; never a fixed sleep.</summary>
internal static class Eventually
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a change in the posts folder may take to reach the feeds ("within a second", with slack for a busy machine).</summary>
    public static readonly TimeSpan LiveChange = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    public static async Task<T> ValueAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Timeout;
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (stopwatch.Elapsed > limit)
            {
                Assert.Fail($"Waited {limit.TotalSeconds:0.#} s for {what}; last seen: {Describe(value)}");
            }

            await Task.Delay(PollInterval, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>As <see cref="ValueAsync{T}(Func{Task{T}}, Func{T, bool}, string, TimeSpan?)"/> for a probe that does not wait (a file, the log).</summary>
    public static Task<T> ObservedAsync<T>(Func<T> probe, Func<T, bool> done, string what, TimeSpan? timeout = null) =>
        ValueAsync(() => Task.FromResult(probe()), done, what, timeout);

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        ValueAsync(() => Task.FromResult(condition()), done => done, what, timeout);

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        string text => text,
        System.Collections.IEnumerable items => "[" + string.Join(", ", items.Cast<object?>()) + "]",
        _ => value.ToString() ?? "",
    };
}
