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
    DateTimeOffset? ConfirmationSentAt);

internal enum SubscriberStatus
{
    Pending,
    Active,
    Unsubscribed,
}
