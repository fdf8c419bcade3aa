using Dapper;
using Microsoft.Extensions.Logging;
using Syndicate.Storage;
using Syndicate.Subscribers;

namespace Syndicate.Digests;

/// <summary>
/// Delivers a digest again: to those whose delivery failed, to one address, or to every subscriber
/// of the digest still active. Each resend is recorded (who, when, how many) and keyed by a request
/// id, so a repeated request sends nothing twice; its copies go through the same delivery ledger.
/// </summary>
internal sealed class DigestResender(
    Database database, DigestStore store, DigestSender sender, TimeProvider time, ILogger<DigestResender> logger)
{
    /// <summary>The longest request id kept (an id is also the key of a running operation).</summary>
    public const int MaxRequestIdLength = 200;

    /// <summary>
    /// What is wrong with a request as asked, whatever the data (a usage mistake: the CLI exits 2, the API answers 400), or
    /// null. The one rule for every caller; <see cref="ResendAsync"/> refuses the same requests.
    /// </summary>
    public static ResendOutcome? Check(ResendRequest request)
    {
        if (request.RequestId.Length is 0 or > MaxRequestIdLength)
        {
            return ResendOutcome.Refused($"a request id is 1 to {MaxRequestIdLength} characters", ResendRefusal.RequestId);
        }

        if (request.Force && request.Mode != ResendMode.To)
        {
            return ResendOutcome.Refused("force applies only to a resend to one address, which it lets reach an address still pending",
                ResendRefusal.ForceWithoutAddress);
        }

        return null;
    }

    public async Task<ResendOutcome> ResendAsync(ResendRequest request, IProgress<DigestSummary>? progress, CancellationToken cancellationToken)
    {
        if (Check(request) is { } invalid)
        {
            return invalid;
        }

        var plan = await PlanAsync(request, cancellationToken);
        if (plan.Refusal is not null || request.DryRun)
        {
            return plan;
        }

        if (plan.Repeated is false && plan.Recipients.Count > 0)
        {
            await sender.SendAsync(request.DigestId, progress, cancellationToken);
        }

        return plan;
    }

    /// <summary>Records the resend and its delivery rows (unless a dry run); the recipients it names are the ones that get a copy.</summary>
    private async Task<ResendOutcome> PlanAsync(ResendRequest request, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(request.DigestId, cancellationToken) is null)
        {
            return ResendOutcome.Refused($"there is no digest {request.DigestId}");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (database.IsPostgres)
        {
            // Resends of one digest plan one at a time, whatever their request ids (two tabs, two operators, two nodes).
            // SQLite begins IMMEDIATE, which takes the file's write lock; on PostgreSQL (READ COMMITTED) two planners
            // would both read the same failed rows, so the digest's row is locked until the commit, and the next
            // planner's queries (new statements) see the pending copies the first one recorded.
            await connection.ExecuteAsync("SELECT id FROM digests WHERE id = @digestId FOR UPDATE", new { digestId = request.DigestId }, transaction);
        }

        var earlier = await connection.QuerySingleOrDefaultAsync<EarlierResend>(
            "SELECT id AS Id, digest_id AS DigestId FROM resends WHERE request_id = @requestId", new { requestId = request.RequestId }, transaction);
        if (earlier is { } usedElsewhere && usedElsewhere.DigestId != request.DigestId)
        {
            // A repeat is the same request again; the same id on another digest is a mistake, not a repeat to answer "done".
            return ResendOutcome.Refused(
                $"request id '{request.RequestId}' was already used for resend {usedElsewhere.Id} of digest {usedElsewhere.DigestId}; give this resend an id of its own");
        }

        if (earlier is { } done)
        {
            ResendLog.Repeated(logger, request.DigestId, done.Id);
            return new ResendOutcome(null, done.Id, [], Repeated: true);
        }

        var recipients = new List<(long Id, string Email)>();
        var forced = false;
        switch (request.Mode)
        {
            case ResendMode.FailedOnly:
                // The subscribers whose latest delivery of this digest failed and who are still active.
                recipients.AddRange((await connection.QueryAsync<RecipientRow>(
                    """
                    SELECT s.id AS Id, s.email AS Email, s.status AS Status FROM subscribers s
                    WHERE s.status = 'active' AND EXISTS (
                        SELECT 1 FROM deliveries d WHERE d.digest_id = @digestId AND d.subscriber_id = s.id AND d.status = 'failed'
                          AND d.resend_id = (SELECT MAX(x.resend_id) FROM deliveries x WHERE x.digest_id = @digestId AND x.subscriber_id = s.id))
                    ORDER BY s.id
                    """,
                    new { digestId = request.DigestId }, transaction)).Select(row => (row.Id, row.Email)));
                break;
            case ResendMode.Everyone:
                recipients.AddRange((await connection.QueryAsync<RecipientRow>(
                    """
                    SELECT s.id AS Id, s.email AS Email, s.status AS Status FROM subscribers s
                    WHERE s.status = 'active' AND EXISTS (SELECT 1 FROM deliveries d WHERE d.digest_id = @digestId AND d.subscriber_id = s.id)
                    ORDER BY s.id
                    """,
                    new { digestId = request.DigestId }, transaction)).Select(row => (row.Id, row.Email)));
                break;
            default:
                if (!EmailAddressRule.TryNormalize(request.Email, out var address, out var error))
                {
                    return ResendOutcome.Refused(error);
                }

                var row = await connection.QuerySingleOrDefaultAsync<RecipientRow>(
                    "SELECT id AS Id, email AS Email, status AS Status FROM subscribers WHERE email_key = @key", new { key = EmailAddressRule.Key(address) }, transaction);
                if (row is null)
                {
                    return ResendOutcome.Refused($"{address} is not a subscriber", ResendRefusal.NotSubscriber, address);
                }

                // An unsubscribed address receives nothing more, whoever asks: it comes back only by subscribing again.
                if (row.Status == "unsubscribed")
                {
                    return ResendOutcome.Refused(
                        $"{row.Email} unsubscribed and receives nothing more; it gets digests again only by subscribing again through the form");
                }

                if (row.Status != "active" && !request.Force)
                {
                    return ResendOutcome.Refused($"{row.Email} is {row.Status}", ResendRefusal.NeedsForce, row.Email);
                }

                forced = row.Status != "active";
                recipients.Add((row.Id, row.Email));
                break;
        }

        if (request.DryRun || recipients.Count == 0)
        {
            // Nobody to send to is not a resend: nothing is recorded, so the digest's history holds no empty resends.
            return new ResendOutcome(null, null, recipients.Select(r => r.Email).ToList(), Repeated: false);
        }

        var now = DbTime.Text(time.GetUtcNow());
        // The same request id on another digest at the same moment: PostgreSQL makes this insert wait for the
        // other's commit, then insert nothing, so the request is recorded, and its copies sent, once.
        var inserted = await connection.ExecuteScalarAsync<long?>(
            """
            INSERT INTO resends (digest_id, request_id, mode, target, requested_by, requested_at, deliveries)
            VALUES (@digestId, @requestId, @mode, @target, @requestedBy, @now, @count)
            ON CONFLICT (request_id) DO NOTHING RETURNING id
            """,
            new
            {
                digestId = request.DigestId,
                requestId = request.RequestId,
                mode = ModeText(request.Mode),
                target = request.Mode == ResendMode.To ? recipients[0].Email : "",
                requestedBy = request.RequestedBy,
                now,
                count = recipients.Count,
            },
            transaction);
        if (inserted is not { } resendId)
        {
            await transaction.RollbackAsync(cancellationToken);
            var other = await connection.ExecuteScalarAsync<long>(
                "SELECT id FROM resends WHERE request_id = @requestId", new { requestId = request.RequestId });
            ResendLog.Repeated(logger, request.DigestId, other);
            return new ResendOutcome(null, other, [], Repeated: true);
        }

        foreach (var (id, _) in recipients)
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO deliveries (digest_id, subscriber_id, resend_id, forced, status, next_attempt_at)
                VALUES (@digestId, @id, @resendId, @forced, 'pending', @now)
                """,
                new { digestId = request.DigestId, id, resendId, forced = forced ? 1 : 0, now }, transaction);
        }

        await connection.ExecuteAsync("UPDATE digests SET status = 'sending', finished_at = NULL WHERE id = @digestId",
            new { digestId = request.DigestId }, transaction);

        await transaction.CommitAsync(cancellationToken);
        ResendLog.Recorded(logger, request.DigestId, resendId, ModeText(request.Mode), recipients.Count, request.RequestedBy);
        return new ResendOutcome(null, resendId, recipients.Select(r => r.Email).ToList(), Repeated: false);
    }

    /// <summary>Every resend of a digest, oldest first, for <c>digest show</c>.</summary>
    public async Task<IReadOnlyList<ResendRecord>> ListAsync(long digestId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ResendRow>(
            "SELECT id AS Id, mode AS Mode, target AS Target, requested_by AS RequestedBy, requested_at AS RequestedAt, deliveries AS Deliveries FROM resends WHERE digest_id = @digestId ORDER BY id",
            new { digestId });
        return rows.Select(r => new ResendRecord(r.Id, r.Mode, r.Target, r.RequestedBy, DbTime.Parse(r.RequestedAt), (int)r.Deliveries)).ToList();
    }

    internal sealed class RecipientRow
    {
        public long Id { get; init; }

        public string Email { get; init; } = "";

        public string Status { get; init; } = "";
    }

    internal sealed class ResendRow
    {
        public long Id { get; init; }

        public string Mode { get; init; } = "";

        public string Target { get; init; } = "";

        public string RequestedBy { get; init; } = "";

        public string RequestedAt { get; init; } = "";

        public long Deliveries { get; init; }
    }

    private static string ModeText(ResendMode mode) => mode switch
    {
        ResendMode.FailedOnly => "failed-only",
        ResendMode.To => "to",
        _ => "everyone",
    };
}

internal enum ResendMode
{
    Everyone,
    FailedOnly,
    To,
}

/// <summary>A resend as asked: of which digest, how, by whom, under which request id.</summary>
internal sealed record ResendRequest(long DigestId, ResendMode Mode, string? Email, bool Force, bool DryRun, string RequestId, string RequestedBy);

/// <summary>
/// The answer: refused (with the reason), a repeat of an earlier request, or the addresses that get a copy. No refusal,
/// no repeat and no recipients: there was nobody to send to, and nothing was recorded (<see cref="ResendId"/> is null).
/// </summary>
internal sealed record ResendOutcome(string? Refusal, long? ResendId, IReadOnlyList<string> Recipients, bool Repeated)
{
    /// <summary>Which refusal, so that each caller can add its own hint (a CLI option, a JSON field) to the plain reason.</summary>
    public ResendRefusal RefusalKind { get; init; }

    /// <summary>The address a refusal is about (normalized), for the caller's hint.</summary>
    public string? RefusedAddress { get; init; }

    public static ResendOutcome Refused(string reason, ResendRefusal kind = ResendRefusal.Other, string? address = null) =>
        new(reason, null, [], false) { RefusalKind = kind, RefusedAddress = address };
}

/// <summary>Why a resend was refused. The first two are usage mistakes; the last two have a way on that each caller names in its own terms.</summary>
internal enum ResendRefusal
{
    None,
    RequestId,
    ForceWithoutAddress,
    Other,
    NotSubscriber,
    NeedsForce,
}

/// <summary>A resend recorded under a request id already: its id and the digest it resent.</summary>
internal sealed record EarlierResend(long Id, long DigestId);

internal sealed record ResendRecord(long Id, string Mode, string Target, string RequestedBy, DateTimeOffset RequestedAt, int Deliveries);

internal static partial class ResendLog
{
    [LoggerMessage(4020, LogLevel.Information, "Resend {ResendId} of digest {DigestId} ({Mode}) asked by {RequestedBy}: {Deliveries} copies")]
    public static partial void Recorded(ILogger logger, long digestId, long resendId, string mode, int deliveries, string requestedBy);

    [LoggerMessage(4021, LogLevel.Information, "Resend request for digest {DigestId} repeats resend {ResendId}; nothing more is sent")]
    public static partial void Repeated(ILogger logger, long digestId, long resendId);
}
