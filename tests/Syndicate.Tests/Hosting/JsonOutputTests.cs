using System.Text.Json;
using Syndicate.Hosting;

namespace Syndicate.Tests.Hosting;

/// <summary>JsonOutput writes what System.Text.Json's reflection serializer writes, byte for byte, for the shapes the service answers with.</summary>
public sealed class JsonOutputTests
{
    private enum Shade
    {
        Light,
        Dark = 7,
    }

    private sealed record Row(long Id, string Name, int? Count, DateTimeOffset At, string? Missing, IReadOnlyList<string> Tags);

    public static TheoryData<string> Shapes => new() { "anonymous", "records", "dictionary", "nested", "numbers", "text" };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Serialize_WritesWhatSystemTextJsonWrites(string shape)
    {
        var value = Sample(shape);
        foreach (var options in new[] { JsonOutput.Plain, JsonOutput.Web, JsonOutput.WebIndented })
        {
            Assert.Equal(JsonSerializer.Serialize(value, value.GetType(), options), JsonOutput.Serialize(value, options));
        }
    }

    [Fact]
    public void Serialize_ACycle_IsRefusedNotOverflowed()
    {
        var list = new List<object>();
        list.Add(list);
        Assert.Throws<JsonException>(() => JsonOutput.Serialize(list, JsonOutput.Plain));
    }

    private static object Sample(string shape)
    {
        var at = new DateTimeOffset(2026, 12, 1, 10, 53, 46, 754, TimeSpan.FromHours(2)).AddTicks(6313);
        return shape switch
        {
            "anonymous" => new { digestId = (long?)12, outcome = "sent", sent = 3, failed = 0, pending = (int?)null, done = true, shade = Shade.Dark },
            "records" => new[]
            {
                new Row(1, "Ada", 4, at, null, ["a", "b"]),
                new Row(long.MaxValue, "Zoë <b>&</b> \"quoted\"", null, at.ToUniversalTime(), "here", []),
            },
            "dictionary" => new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["id"] = 7L,
                ["email"] = "a@example.org",
                ["confirmedAt"] = null,
                ["createdAt"] = at,
                ["when"] = new DateTime(2026, 11, 30, 0, 0, 0, DateTimeKind.Utc),
            },
            "nested" => new
            {
                digest = new Row(3, "x", 1, at, null, ["t"]),
                posts = new[] { "one", "two" }.Select(title => new { title, url = "https://example.org/" + title }),
                failures = Array.Empty<object>(),
                extra = (object)new { deep = new { deeper = new List<int> { 1, 2, 3 } } },
            },
            "numbers" => new { small = (byte)1, negative = -5L, big = ulong.MaxValue, ratio = 0.1, third = 1.0 / 3, money = 12.50m, single = 1.5f },
            _ => new { text = "line\nbreak\ttab \u2028 \U0001F600 </script> é", empty = "", id = Guid.Parse("4b455bea-d0df-481e-a7af-4585464aa3c5") },
        };
    }
}
