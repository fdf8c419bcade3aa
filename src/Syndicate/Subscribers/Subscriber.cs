namespace Syndicate.Subscribers;

/// <summary>One address and where it stands: pending until confirmed, active, or unsubscribed (kept as a suppression).</summary>
internal sealed record Subscriber(
    long Id,
    string Email,
    string Name,
    SubscriberStatus Status,
    string Source,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ConfirmedAt,
    DateTimeOffset? UnsubscribedAt,
    DateTimeOffset? ConfirmationSentAt)
{
    /// <summary>The subscriber as <c>subscribers list --json</c> and the admin API show it: the same fields, camelCase.</summary>
    public Dictionary<string, object?> ToJson() => new(StringComparer.Ordinal)
    {
        ["id"] = Id,
        ["email"] = Email,
        ["name"] = Name,
        ["status"] = SubscriberStore.StatusText(Status),
        ["source"] = Source,
        ["createdAt"] = CreatedAt,
        ["confirmedAt"] = ConfirmedAt,
        ["unsubscribedAt"] = UnsubscribedAt,
    };
}

internal enum SubscriberStatus
{
    Pending,
    Active,
    Unsubscribed,
}
