using System.Globalization;

namespace Syndicate.Benchmarks;

/// <summary>The command line of the benchmark (bench/run passes the publish folders it made).</summary>
internal sealed record BenchOptions
{
    public List<Contender> Syndicate { get; } = [];

    public string Hugo { get; set; } = "/usr/bin/hugo";

    public string Time { get; set; } = "/usr/bin/time";

    public string Work { get; set; } = Path.Combine(Path.GetTempPath(), "syndicate-bench");

    public List<int> Sizes { get; } = [];

    public int Runs { get; set; } = 5;

    public int Edits { get; set; } = 20;

    public int OldEdits { get; set; } = 10;

    /// <summary>Also time edits in a service with Feeds:ItemLimit 0 (every post in every feed).</summary>
    public bool EditFull { get; set; }

    public string? Results { get; set; }

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--syndicate":
                case "--cold":
                    // LABEL=PATH of a published Syndicate apphost; the first is the one the targets are judged on.
                    // --cold: the same, but every run without the post cache a previous run left (data/posts.cache deleted first).
                    var cold = args[i] == "--cold";
                    var value = Value();
                    var split = value.IndexOf('=', StringComparison.Ordinal);
                    options.Syndicate.Add(split > 0 ? new Contender(value[..split], value[(split + 1)..], cold) : new Contender("Syndicate", value, cold));
                    break;
                case "--hugo":
                    options.Hugo = Value();
                    break;
                case "--time":
                    options.Time = Value();
                    break;
                case "--work":
                    options.Work = Path.GetFullPath(Value());
                    break;
                case "--posts":
                    options.Sizes.AddRange(Value().Split(',').Select(size => int.Parse(size, CultureInfo.InvariantCulture)));
                    break;
                case "--quick":
                    options.Sizes.Add(1000);
                    options.Runs = 3;
                    options.Edits = 10;
                    options.OldEdits = 5;
                    break;
                case "--runs":
                    options.Runs = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--edits":
                    options.Edits = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--edit-full":
                    options.EditFull = true;
                    break;
                case "--results":
                    options.Results = Path.GetFullPath(Value());
                    break;
                default:
                    throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        if (options.Sizes.Count == 0)
        {
            options.Sizes.AddRange([1000, 10_000]);
        }

        if (options.Syndicate.Count == 0)
        {
            throw new ArgumentException("Give --syndicate LABEL=PATH to a published Syndicate (bench/run does).");
        }

        return options;
    }
}
