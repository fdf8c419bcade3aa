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
internal sealed record FeedEntry(Post Post, PostContent Content)
{
    /// <summary>The item id: the one the post was first published under (the ledger's), else its own.</summary>
    public string Id { get; init; } = Post.Id;

    /// <summary>This entry as an RSS item and an Atom entry, serialized on first use.</summary>
    public FeedItemBytes Bytes { get; } = new();
}
