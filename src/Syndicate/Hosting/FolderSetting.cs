namespace Syndicate.Hosting;

/// <summary>Settings that name a folder (Posts:Folder, Feeds:OutputFolder, Mail:PickupFolder), checked alike at start.</summary>
internal static class FolderSetting
{
    /// <summary>
    /// The sentence for <paramref name="key"/> = <paramref name="value"/> naming a file (at <paramref name="full"/>) where a
    /// folder belongs, ending with <paramref name="fix"/>; null when no file lies there.
    /// </summary>
    public static string? FileInstead(string key, string value, string full, string fix) =>
        File.Exists(full) ? $"{key} '{value}' is a file ({full}), not a folder; {fix}" : null;
}
