namespace Syndicate.Cli;

/// <summary>Progress reported on the caller's thread, so the lines come out in order with the rest of the output.</summary>
internal sealed class LineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
