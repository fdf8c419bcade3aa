using System.Globalization;
using System.Text.RegularExpressions;

namespace Syndicate.Posts;

/// <summary>
/// Dates as bloggers write them in front matter: a date alone, a date and time with T or a space,
/// with or without seconds and fractions, with an offset (Z, +01:00, +0100) or without one, in
/// which case the time is read in the site's time zone.
/// </summary>
internal static partial class PostDate
{
    public static bool TryParse(string text, TimeZoneInfo zone, out DateTimeOffset value)
    {
        value = default;
        var match = Pattern().Match(text.Trim());
        if (!match.Success)
        {
            return false;
        }

        try
        {
            var year = Int(match, "y");
            var month = Int(match, "mo");
            var day = Int(match, "d");
            var hour = Int(match, "h");
            var minute = Int(match, "mi");
            var second = Int(match, "s");
            var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
            var fraction = match.Groups["f"];
            if (fraction.Success)
            {
                var digits = fraction.Value.Length > 7 ? fraction.Value[..7] : fraction.Value.PadRight(7, '0');
                local = local.AddTicks(long.Parse(digits, CultureInfo.InvariantCulture));
            }

            var offsetGroup = match.Groups["z"];
            if (!offsetGroup.Success)
            {
                local = AdjustForGap(local, zone);
                value = new DateTimeOffset(local, zone.GetUtcOffset(local));
                return true;
            }

            var z = offsetGroup.Value;
            TimeSpan offset;
            if (z is "Z" or "z" || z.Equals("UTC", StringComparison.OrdinalIgnoreCase) || z.Equals("GMT", StringComparison.OrdinalIgnoreCase))
            {
                offset = TimeSpan.Zero;
            }
            else
            {
                var digits = z.Replace(":", "", StringComparison.Ordinal);
                var hours = int.Parse(digits.AsSpan(1, 2), CultureInfo.InvariantCulture);
                var minutes = digits.Length >= 5 ? int.Parse(digits.AsSpan(3, 2), CultureInfo.InvariantCulture) : 0;
                if (minutes > 59)
                {
                    // +01:60 is no offset; TimeSpan would quietly read it as +02:00.
                    return false;
                }

                offset = new TimeSpan(hours, minutes, 0) * (z[0] == '-' ? -1 : 1);
                if (offset.Duration() > TimeSpan.FromHours(14))
                {
                    return false;
                }
            }

            value = new DateTimeOffset(local, offset);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private static DateTime AdjustForGap(DateTime local, TimeZoneInfo zone) =>
        // A clock time skipped by a daylight-saving change does not exist; an hour later does.
        zone.IsInvalidTime(local) ? local.AddHours(1) : local;

    private static int Int(Match match, string group) =>
        match.Groups[group].Success ? int.Parse(match.Groups[group].ValueSpan, CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex("""^(?<y>\d{4})-(?<mo>\d{1,2})-(?<d>\d{1,2})(?:[Tt ]+(?<h>\d{1,2}):(?<mi>\d{2})(?::(?<s>\d{2})(?:[.,](?<f>\d+))?)?)?\s*(?<z>[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$""")]
    private static partial Regex Pattern();
}
