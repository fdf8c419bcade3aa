using Syndicate.Posts;

namespace Syndicate.Feeds;

/// <summary>Everything one feed file is written from: the channel's data and its items with their HTML.</summary>
internal sealed record FeedContext(
    string Title,
    string Description,
    string HomeUrl,
    string SelfUrl,
    string? Hub,
    string Language,
    string? Author,
    DateTimeOffset Updated,
    IReadOnlyList<FeedEntry> Entries);

/// <summary>One item: the post and its rendered content.</summary>
internal sealed record FeedEntry(Post Post, PostContent Content);
