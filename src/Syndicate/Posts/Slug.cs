using System.Text;

namespace Syndicate.Posts;

/// <summary>URL slugs in Jekyll's default mode: letters and digits kept, every other run becomes one hyphen.</summary>
internal static class Slug
{
    public static string Create(string text, bool keepCase = false)
    {
        var builder = new StringBuilder(text.Length);
        var pendingHyphen = false;
        foreach (var ch in text.Normalize(NormalizationForm.FormC))
        {
            if (char.IsLetterOrDigit(ch) || ch == '_')
            {
                if (pendingHyphen && builder.Length > 0)
                {
                    builder.Append('-');
                }

                pendingHyphen = false;
                builder.Append(keepCase ? ch : char.ToLowerInvariant(ch));
            }
            else
            {
                pendingHyphen = true;
            }
        }

        return builder.ToString();
    }
}
