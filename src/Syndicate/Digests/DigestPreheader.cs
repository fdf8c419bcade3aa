using Syndicate.Templates;

namespace Syndicate.Digests;

/// <summary>
/// A digest's preheader, the template variable <c>preheader</c> (<see cref="Preheader"/>): at most
/// <see cref="Preheader.MaxLength"/> characters of text that the inbox shows beside the subject.
/// </summary>
internal static class DigestPreheader
{
    private const string Separator = " · ";

    /// <summary>
    /// One post: its summary (its excerpt as text; its title when it has none), cut at a word boundary. The subject names
    /// the post already, and the summary is what makes a reader open it.
    /// Several posts: the titles, newest first, as many whole ones as fit, then "and N more"
    /// ("Title one · Title two · and 3 more"). The subject says only "5 new posts from Blog"; the titles are what a
    /// reader picks from, as in the headline list on top of the mail, while the first post's summary would read as if
    /// the digest were about that post alone.
    /// </summary>
    public static string Of(IReadOnlyList<PostModel> posts)
    {
        ArgumentNullException.ThrowIfNull(posts);
        var titles = posts.Select(post => Preheader.Clean(post.Title)).Where(title => title.Length > 0).ToList();
        if (posts.Count == 1)
        {
            var summary = Preheader.Clean(posts[0].Summary);
            return Preheader.Shorten(summary.Length > 0 ? summary : titles.FirstOrDefault() ?? "");
        }

        if (titles.Count == 0)
        {
            return "";
        }

        var all = string.Join(Separator, titles);
        if (all.Length <= Preheader.MaxLength)
        {
            return all;
        }

        for (var shown = titles.Count - 1; shown > 0; shown--)
        {
            var text = string.Join(Separator, titles.Take(shown)) + More(titles.Count - shown);
            if (text.Length <= Preheader.MaxLength)
            {
                return text;
            }
        }

        // The first title alone leaves no room for the count: it is cut to fit.
        var more = More(titles.Count - 1);
        return Preheader.Shorten(titles[0], Preheader.MaxLength - more.Length) + more;
    }

    private static string More(int count) => $"{Separator}and {count} more";
}
