namespace Syndicate.Cli;

/// <summary>A count with its noun in the right number, for the lines the verbs print: "1 draft", "3 drafts".</summary>
internal static class Counted
{
    /// <param name="count">How many.</param>
    /// <param name="one">The noun for one.</param>
    /// <param name="many">The noun for any other count; the singular with an "s" when not given.</param>
    public static string Of(long count, string one, string? many = null) => $"{count} {(count == 1 ? one : many ?? one + "s")}";
}
