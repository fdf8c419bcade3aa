using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Syndicate.IntegrationTests.Infrastructure;

/// <summary>One log line as the service wrote it, with the exception it carried (a stack trace on the console).</summary>
internal sealed record LogEntry(string Category, EventId EventId, LogLevel Level, string Message, Exception? Exception = null)
{
    public override string ToString() => $"{Level} {Category}[{EventId.Id}] {Message}{(Exception is null ? "" : "\n" + Exception)}";
}

/// <summary>Records every log line of a host, so a test can assert on event ids and messages.</summary>
internal sealed class LogRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => _entries.ToArray();

    /// <summary>Syndicate's own events with this id (libraries such as Quartz number their events too).</summary>
    public IReadOnlyList<LogEntry> WithId(int eventId) =>
        _entries.Where(entry => entry.EventId.Id == eventId && entry.Category.StartsWith("Syndicate.", StringComparison.Ordinal)).ToArray();

    public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Recorder(string category, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue(new LogEntry(category, eventId, logLevel, formatter(state, exception), exception));
    }
}
