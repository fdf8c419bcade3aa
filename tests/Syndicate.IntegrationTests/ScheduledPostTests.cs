using Microsoft.Extensions.Time.Testing;
using Syndicate.IntegrationTests.Infrastructure;

namespace Syndicate.IntegrationTests;

/// <summary>A post dated in the future publishes when its time comes, with no restart: the clock is a FakeTimeProvider.</summary>
public sealed class ScheduledPostTests : IAsyncLifetime
{
    private const int PostDue = 1010;

    private static readonly DateTimeOffset Start = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TestSite _site = new();
    private readonly FakeTimeProvider _clock = new(Start);
    private RunningService? _service;

    private RunningService Service => _service ?? throw new InvalidOperationException("The service did not start.");

    public async ValueTask InitializeAsync()
    {
        _site.WritePost("2026-05-20-past.md", "Past post", tags: ["now"]);
        // Ten seconds after start: well before the 30 s rescan, so only the timer for the scheduled post can publish it.
        _site.WritePost("2026-06-01-soon.md", "Scheduled post", "2026-06-01 12:00:10 +0000", ["later"]);
        _service = await RunningService.StartAsync(_site, time: _clock);
    }

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        _site.Dispose();
    }

    [Fact]
    public async Task FuturePost_BeforeItsDate_IsNotPublished()
    {
        Assert.Equal(["Past post"], FeedParsing.Titles(await Service.GetBodyAsync("feed.xml")));
        Assert.Equal(["Past post"], FeedParsing.Titles(_site.ReadOutput("atom.xml")));
        Assert.Null(await Service.GetBodyAsync("tags/later/feed.xml"));
        Assert.False(Directory.Exists(_site.OutputPath("tags/later")));

        _clock.Advance(TimeSpan.FromSeconds(5));

        // Half-way to its date nothing changes; a later publish would show in the log.
        Assert.Equal(["Past post"], FeedParsing.Titles(await Service.GetBodyAsync("feed.xml")));
        Assert.Empty(Service.Logs.WithId(PostDue));
    }

    [Fact]
    public async Task FuturePost_ClockPassesItsDate_PublishesWithoutRestart()
    {
        Assert.Equal(["Past post"], FeedParsing.Titles(await Service.GetBodyAsync("feed.xml")));

        _clock.Advance(TimeSpan.FromSeconds(11));

        var nudges = 0;
        string[] expected = ["Scheduled post", "Past post"];
        await Eventually.ValueAsync(
            async () =>
            {
                var titles = FeedParsing.Titles(await Service.GetBodyAsync("feed.xml"));
                // The watcher may have read the clock just before the advance and set its timer just after it;
                // a nudge of a second fires that timer. Ten nudges stay short of the 30 s rescan.
                if (!titles.SequenceEqual(expected) && nudges < 10 && Service.Logs.WithId(PostDue).Count == 0)
                {
                    nudges++;
                    _clock.Advance(TimeSpan.FromSeconds(1));
                }

                return titles;
            },
            expected.SequenceEqual,
            "the scheduled post in the served feed",
            Eventually.LiveChange);
        await Eventually.ObservedAsync(() => FeedParsing.Titles(_site.ReadOutput("feed.xml")), expected.SequenceEqual, "the scheduled post in out/feed.xml", Eventually.LiveChange);
        // One publish serves and writes the feeds one after another: the tag feeds follow the site feeds.
        string[] tagged = ["Scheduled post"];
        await Eventually.ValueAsync(async () => FeedParsing.Titles(await Service.GetBodyAsync("tags/later/atom.xml")), tagged.SequenceEqual, "the new tag feed served");
        await Eventually.ObservedAsync(() => FeedParsing.Titles(_site.ReadOutput("tags/later/feed.xml")), tagged.SequenceEqual, "the new tag feed written");
        // Logged once the publish is done.
        var due = Assert.Single(await Eventually.ObservedAsync(() => Service.Logs.WithId(PostDue), entries => entries.Count > 0, "the scheduled post's log line"));
        Assert.Contains("2026-06-01-soon.md", due.Message, StringComparison.Ordinal);
    }
}
