using System.Globalization;

namespace Syndicate.Benchmarks;

/// <summary>
/// The options the mail and cluster benchmarks share (the published Syndicate, GNU time, postfix's tools, the work
/// folder, SMTP connections per process, smtp-sink's port, the time limit, the results file) and their reading; each
/// benchmark reads its own options through <see cref="Read"/>.
/// </summary>
internal abstract record SinkOptions
{
    protected SinkOptions(int port) => Port = port;

    public string Syndicate { get; set; } = "";

    public string Time { get; set; } = "/usr/bin/time";

    public string Postfix { get; set; } = "/usr/sbin";

    public string Work { get; set; } = Path.Combine(Path.GetTempPath(), "syndicate-bench");

    public int Connections { get; set; } = 4;

    public int Port { get; set; }

    public int LimitSeconds { get; set; } = 900;

    public string? Results { get; set; }

    /// <summary>
    /// Reads <paramref name="args"/>: the shared options here, every other one through <paramref name="own"/>, which is
    /// given the option and a way to take its value, and returns false for an option it does not know.
    /// </summary>
    protected void Read(string[] args, Func<string, Func<string>, bool> own)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var option = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{option} needs a value.");
            switch (option)
            {
                case "--syndicate":
                    Syndicate = Value();
                    break;
                case "--time":
                    Time = Value();
                    break;
                case "--postfix":
                    Postfix = Value();
                    break;
                case "--work":
                    Work = Path.GetFullPath(Value());
                    break;
                case "--connections":
                    Connections = Number(Value());
                    break;
                case "--port":
                    Port = Number(Value());
                    break;
                case "--limit-seconds":
                    LimitSeconds = Number(Value());
                    break;
                case "--results":
                    Results = Path.GetFullPath(Value());
                    break;
                default:
                    if (!own(option, Value))
                    {
                        throw new ArgumentException($"Unknown option {option}.");
                    }

                    break;
            }
        }
    }

    protected static int Number(string value) => int.Parse(value, CultureInfo.InvariantCulture);

    /// <summary>A comma-separated list of numbers (<c>10000,100000</c>).</summary>
    protected static IEnumerable<int> Numbers(string value) => value.Split(',').Select(Number);
}
