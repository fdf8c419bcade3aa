namespace Syndicate.Posts;

/// <summary>
/// One parsed post: its front matter, address and identity. The rendered HTML is made on first
/// use and kept with this version of the post, so an unchanged file is rendered at most once.
/// </summary>
internal sealed class Post
{
    private PostContent? _content;
    private string? _ledgerKey;
    private (object Ledger, string FeedId)? _recorded;

    /// <summary>Path relative to the posts folder, forward slashes; the id an operator greps for.</summary>
    public required string File { get; init; }

    public required string FullPath { get; init; }

    public required FileStamp Stamp { get; init; }

    public required string Title { get; init; }

    public required DateTimeOffset Date { get; init; }

    /// <summary>last_modified_at / updated when given and later than the date; otherwise the date.</summary>
    public required DateTimeOffset Updated { get; init; }

    /// <summary>description / excerpt from front matter, plain text.</summary>
    public string? Description { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    public string? Author { get; init; }

    public string? AuthorEmail { get; init; }

    /// <summary>An absolute image address, when the post names one.</summary>
    public string? Image { get; init; }

    public required string Slug { get; init; }

    /// <summary>The site path, starting with a slash.</summary>
    public required string Permalink { get; init; }

    /// <summary>The absolute address of the post.</summary>
    public required string Url { get; init; }

    /// <summary>The feed id: front matter id / guid, else the absolute permalink.</summary>
    public required string Id { get; init; }

    /// <summary>
    /// The item ledger's key (<see cref="PostLedger"/>): the explicit id, else date and slug, so that a change of
    /// Site:BaseUrl or Posts:Permalink keeps it. Made once per version of the post: every publish looks up every post.
    /// </summary>
    /// <remarks>The date is the one the author wrote (the post's own offset), so a change of Site:TimeZone or a time near midnight never makes a new key.</remarks>
    public string LedgerKey => _ledgerKey ??= Id != Url
        ? "id:" + Id
        : $"post:{Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)}/{Slug}";

    /// <summary>
    /// The feed id <paramref name="ledger"/> holds for this version of the post, once it was looked up there: a
    /// ledger id never changes, so each publish reads it here instead of looking every post up again.
    /// </summary>
    internal string? RecordedFeedId(object ledger) => _recorded is { } recorded && ReferenceEquals(recorded.Ledger, ledger) ? recorded.FeedId : null;

    internal void Recorded(object ledger, string feedId) => _recorded = (ledger, feedId);

    /// <summary>draft: true or published: false.</summary>
    public bool IsDraft { get; init; }

    /// <summary>The line on which the Markdown body starts (1-based).</summary>
    public int BodyLine { get; init; } = 1;

    /// <summary>Tags and categories together, in order, without repeats (ignoring case): the item's categories in feeds.</summary>
    public IReadOnlyList<string> AllTags { get; init; } = [];

    public IReadOnlyList<PostDiagnostic> Warnings { get; init; } = [];

    internal PostContent? Content => Volatile.Read(ref _content);

    /// <summary>Where Posts:CacheFile holds this version's rendered HTML, when the post came from there (moved by each save).</summary>
    internal StoredContent? StoredContent { get; set; }

    internal PostContent SetContent(PostContent content) =>
        Interlocked.CompareExchange(ref _content, content, null) ?? content;
}

/// <summary>A post rendered to HTML: the whole body, the excerpt, and the excerpt as plain text.</summary>
internal sealed record PostContent(string Html, string ExcerptHtml, string SummaryText);
