using System.Security.Cryptography;
using MimeKit;
using Syndicate.Subscribers;

namespace Syndicate.Tests.Subscribers;

/// <summary>
/// Double opt-in over a real SQLite file and a fake clock: which rows and how many confirmation mails each
/// request leaves, what each kind of link does, and the operator's add and remove.
/// </summary>
public sealed class SubscriptionServiceTests : IDisposable
{
    private readonly SubscribersHarness _harness = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private SubscriptionService Service => _harness.Service;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task SubscribeAsync_NewAddress_PendingRowAndOneConfirmationMail()
    {
        var outcome = await _harness.SubscribeAsync("  Ann@Example.ORG ", "Ann");

        Assert.Equal(new SubscribeOutcome(true, ""), outcome);
        var row = await _harness.RowAsync("ann@example.org");
        Assert.Equal(SubscriberStatus.Pending, row.Status);
        Assert.Equal("Ann@example.org", row.Email);
        Assert.Equal("form", row.Source);
        Assert.Equal(SubscribersHarness.Start, row.ConfirmationSentAt);
        var mail = Assert.Single(_harness.Mails);
        Assert.Equal("Ann@example.org", mail.To.Mailboxes.Single().Address);
        Assert.True(_harness.Tokens.TryRead(SubscribersHarness.ConfirmToken(mail), TokenPurpose.Confirm, out var id, out var issued));
        Assert.Equal(row.Id, id);
        Assert.Equal(SubscribersHarness.Start, issued);
    }

    [Fact]
    public async Task SubscribeAsync_PendingWithinTheInterval_NoSecondMail()
    {
        await _harness.SubscribeAsync("ann@example.org", "");
        _harness.Time.Advance(TimeSpan.FromMinutes(59));

        var outcome = await _harness.SubscribeAsync("ann@example.org", "");

        Assert.Equal(new SubscribeOutcome(true, ""), outcome);
        Assert.Single(_harness.Transport.Messages);
        Assert.Equal(1, await _harness.CountRowsAsync());
        Assert.Equal(SubscribersHarness.Start, (await _harness.RowAsync("ann@example.org")).ConfirmationSentAt);
    }

    [Fact]
    public async Task SubscribeAsync_PendingAfterTheInterval_SecondMailWithAFreshLink()
    {
        await _harness.SubscribeAsync("ann@example.org", "");
        _harness.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));

        await _harness.SubscribeAsync("ann@example.org", "");

        Assert.Equal(2, _harness.Transport.Messages.Count);
        Assert.Equal(1, await _harness.CountRowsAsync());
        var row = await _harness.RowAsync("ann@example.org");
        Assert.Equal(SubscriberStatus.Pending, row.Status);
        Assert.Equal(_harness.Time.GetUtcNow(), row.ConfirmationSentAt);
        Assert.True(_harness.Tokens.TryRead(SubscribersHarness.ConfirmToken(_harness.Mails[1]), TokenPurpose.Confirm, out _, out var issued));
        Assert.Equal(_harness.Time.GetUtcNow(), issued);
    }

    [Fact]
    public async Task SubscribeAsync_ConfigurableInterval_Honoured()
    {
        using var harness = new SubscribersHarness(new SubscribersOptions
        {
            TokenSecret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)),
            ConfirmationInterval = TimeSpan.FromMinutes(10),
        });
        await harness.SubscribeAsync("ann@example.org", "");
        harness.Time.Advance(TimeSpan.FromMinutes(9));
        await harness.SubscribeAsync("ann@example.org", "");
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        await harness.SubscribeAsync("ann@example.org", "");

        Assert.Equal(2, harness.Transport.Messages.Count);
    }

    [Fact]
    public async Task SubscribeAsync_ActiveAddress_NoMailAndRowUnchanged()
    {
        await Service.AddAsync("ann@example.org", "Ann", confirmed: true, Cancel);
        var before = await _harness.RowAsync("ann@example.org");
        _harness.Time.Advance(TimeSpan.FromDays(2));

        var outcome = await _harness.SubscribeAsync("ANN@example.org", "Someone Else");

        Assert.Equal(new SubscribeOutcome(true, ""), outcome);
        Assert.Empty(_harness.Transport.Messages);
        Assert.Equal(before, await _harness.RowAsync("ann@example.org"));
    }

    [Fact]
    public async Task SubscribeAsync_UnsubscribedAddress_StaysUnsubscribedWithItsNameUntilTheMailedLinkIsFollowed()
    {
        await Service.AddAsync("ann@example.org", "Ann", confirmed: true, Cancel);
        await Service.RemoveAsync("ann@example.org", Cancel);
        var left = await _harness.RowAsync("ann@example.org");
        _harness.Time.Advance(TimeSpan.FromDays(1));
        var askedAt = _harness.Time.GetUtcNow();

        // Anyone may type the address into the form, with a name of their own.
        var outcome = await _harness.SubscribeAsync("ANN@example.org", "Mallory");

        Assert.Equal(new SubscribeOutcome(true, ""), outcome);
        Assert.Equal(left with { ConfirmationSentAt = askedAt }, await _harness.RowAsync("ann@example.org"));
        Assert.Equal([left.Id], (await _harness.Store.ListAsync(SubscriberStatus.Unsubscribed, Cancel)).Select(s => s.Id));
        var mail = Assert.Single(_harness.Mails);
        Assert.Equal(("ann@example.org", "Ann"), (mail.To.Mailboxes.Single().Address, mail.To.Mailboxes.Single().Name));

        // Asking again within the interval sends nothing more and still changes nothing.
        _harness.Time.Advance(TimeSpan.FromMinutes(30));
        await _harness.SubscribeAsync("ann@example.org", "Mallory");
        Assert.Single(_harness.Transport.Messages);
        Assert.Equal(left with { ConfirmationSentAt = askedAt }, await _harness.RowAsync("ann@example.org"));

        // The owner follows the link: active again, under the stored name.
        _harness.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(LinkOutcome.Done, await Service.ConfirmAsync(SubscribersHarness.ConfirmToken(mail), Cancel));
        var back = await _harness.RowAsync("ann@example.org");
        Assert.Equal((SubscriberStatus.Active, "Ann", (DateTimeOffset?)null), (back.Status, back.Name, back.UnsubscribedAt));
    }

    [Fact]
    public async Task SubscribeAsync_PendingAddressWithAnotherName_StoredNameKeptAndUsedInTheNextMail()
    {
        await _harness.SubscribeAsync("ann@example.org", "Ann");
        _harness.Time.Advance(TimeSpan.FromHours(2));

        var outcome = await _harness.SubscribeAsync("ann@example.org", "Mallory");

        Assert.Equal(new SubscribeOutcome(true, ""), outcome);
        var row = await _harness.RowAsync("ann@example.org");
        Assert.Equal((SubscriberStatus.Pending, "Ann"), (row.Status, row.Name));
        Assert.Equal(2, _harness.Mails.Count);
        Assert.Equal("Ann", _harness.Mails[1].To.Mailboxes.Single().Name);
    }

    [Fact]
    public async Task ConfirmAsync_LinkAskedForWithinTheSameSecondAsTheUnsubscribe_Done()
    {
        // Links carry whole seconds; one mailed after the unsubscribe still reads as issued after it.
        await Service.AddAsync("ann@example.org", "", confirmed: true, Cancel);
        _harness.Time.Advance(TimeSpan.FromMilliseconds(300));
        await Service.RemoveAsync("ann@example.org", Cancel);
        _harness.Time.Advance(TimeSpan.FromMilliseconds(300));
        await _harness.SubscribeAsync("ann@example.org", "");

        var outcome = await Service.ConfirmAsync(SubscribersHarness.ConfirmToken(Assert.Single(_harness.Mails)), Cancel);

        Assert.Equal(LinkOutcome.Done, outcome);
        Assert.Equal(SubscriberStatus.Active, (await _harness.RowAsync("ann@example.org")).Status);
    }

    [Fact]
    public async Task SubscribeAsync_KnownAndUnknownAddress_SameOutcome()
    {
        await Service.AddAsync("known-active@example.org", "", confirmed: true, Cancel);
        await _harness.SubscribeAsync("known-pending@example.org", "");
        await Service.AddAsync("known-gone@example.org", "", confirmed: true, Cancel);
        await Service.RemoveAsync("known-gone@example.org", Cancel);

        var unknown = await _harness.SubscribeAsync("new@example.org", "");
        var active = await _harness.SubscribeAsync("known-active@example.org", "");
        var pending = await _harness.SubscribeAsync("known-pending@example.org", "");
        var gone = await _harness.SubscribeAsync("known-gone@example.org", "");

        Assert.Equal(unknown, active);
        Assert.Equal(unknown, pending);
        Assert.Equal(unknown, gone);
        Assert.True(unknown.Accepted);
        Assert.Equal("", unknown.Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-an-address")]
    [InlineData("ann@example.org\r\nBcc: eve@example.org")]
    public async Task SubscribeAsync_InvalidAddress_RefusedWithReasonAndNothingStored(string email)
    {
        var outcome = await _harness.SubscribeAsync(email, "Ann");

        Assert.False(outcome.Accepted);
        Assert.NotEmpty(outcome.Error);
        Assert.Equal(0, await _harness.CountRowsAsync());
        Assert.Empty(_harness.Transport.Messages);
    }

    [Fact]
    public async Task SubscribeAsync_NameWithLineBreaksAndMarkup_StoredOnOneLineAndNotInTheMailBody()
    {
        await _harness.SubscribeAsync("eve@example.org", "Eve\r\nBcc: victim@example.org\t<script>alert(1)</script>\u2028<b>x</b>");

        var row = await _harness.RowAsync("eve@example.org");
        Assert.Equal("Eve Bcc: victim@example.org <script>alert(1)</script> <b>x</b>", row.Name);
        var raw = System.Text.Encoding.ASCII.GetString(Assert.Single(_harness.Transport.Messages));
        var headers = raw[..raw.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.DoesNotContain("\r\nBcc:", headers, StringComparison.OrdinalIgnoreCase);
        var mail = Assert.Single(_harness.Mails);
        Assert.Empty(mail.Bcc);
        Assert.Equal("eve@example.org", Assert.Single(mail.To.Mailboxes).Address);
        Assert.DoesNotContain("<script>", mail.HtmlBody, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>x</b>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("alert(1)", mail.HtmlBody + mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public void CleanName_LongName_CutTo200Characters() =>
        Assert.Equal(200, SubscriptionService.CleanName(new string('x', 500)).Length);

    [Fact]
    public async Task ConfirmAsync_GoodToken_ActiveWithConfirmedAt()
    {
        await _harness.SubscribeAsync("ann@example.org", "");
        _harness.Time.Advance(TimeSpan.FromHours(3));

        var outcome = await Service.ConfirmAsync(SubscribersHarness.ConfirmToken(Assert.Single(_harness.Mails)), Cancel);

        Assert.Equal(LinkOutcome.Done, outcome);
        var row = await _harness.RowAsync("ann@example.org");
        Assert.Equal(SubscriberStatus.Active, row.Status);
        Assert.Equal(_harness.Time.GetUtcNow(), row.ConfirmedAt);
        // Clicking the link again (a mail scanner, then the person) is harmless and keeps the first date.
        _harness.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(LinkOutcome.Done, await Service.ConfirmAsync(SubscribersHarness.ConfirmToken(_harness.Mails[0]), Cancel));
        Assert.Equal(row, await _harness.RowAsync("ann@example.org"));
    }

    [Fact]
    public async Task ConfirmAsync_ForgedToken_InvalidAndStillPending()
    {
        await _harness.SubscribeAsync("ann@example.org", "");
        var row = await _harness.RowAsync("ann@example.org");
        var otherKey = new TokenSigner(RandomNumberGenerator.GetBytes(32));
        var genuine = SubscribersHarness.ConfirmToken(Assert.Single(_harness.Mails));
        var flipped = genuine.ToCharArray();
        flipped[^1] = flipped[^1] == 'A' ? 'B' : 'A';

        Assert.Equal(LinkOutcome.Invalid, await Service.ConfirmAsync(otherKey.Create(TokenPurpose.Confirm, row.Id, _harness.Time.GetUtcNow()), Cancel));
        Assert.Equal(LinkOutcome.Invalid, await Service.ConfirmAsync(new string(flipped), Cancel));
        Assert.Equal(LinkOutcome.Invalid, await Service.ConfirmAsync("", Cancel));
        Assert.Equal(SubscriberStatus.Pending, (await _harness.RowAsync("ann@example.org")).Status);
    }

    [Fact]
    public async Task ConfirmAsync_UnsubscribeToken_InvalidAndStillPending()
    {
        await _harness.SubscribeAsync("ann@example.org", "");
        var row = await _harness.RowAsync("ann@example.org");

        var outcome = await Service.ConfirmAsync(TokenOf(Service.UnsubscribeUrl(row.Id)), Cancel);

        Assert.Equal(LinkOutcome.Invalid, outcome);
        Assert.Equal(SubscriberStatus.Pending, (await _harness.RowAsync("ann@example.org")).Status);
    }

    [Fact]
    public async Task ConfirmAsync_TokenOfAnUnknownSubscriber_Invalid()
    {
        var outcome = await Service.ConfirmAsync(_harness.Tokens.Create(TokenPurpose.Confirm, 12345, _harness.Time.GetUtcNow()), Cancel);

        Assert.Equal(LinkOutcome.Invalid, outcome);
        Assert.Equal(0, await _harness.CountRowsAsync());
    }

    [Fact]
    public async Task ConfirmAsync_PastTheLinkLifetime_ExpiredAndStillPending()
    {
        await _harness.SubscribeAsync("ann@example.org", "");
        var token = SubscribersHarness.ConfirmToken(Assert.Single(_harness.Mails));
        _harness.Time.Advance(_harness.Options.ConfirmLinkLifetime + TimeSpan.FromSeconds(1));

        var outcome = await Service.ConfirmAsync(token, Cancel);

        Assert.Equal(LinkOutcome.Expired, outcome);
        Assert.Equal(SubscriberStatus.Pending, (await _harness.RowAsync("ann@example.org")).Status);
    }

    [Fact]
    public async Task ConfirmAsync_JustWithinTheLinkLifetime_Done()
    {
        await _harness.SubscribeAsync("ann@example.org", "");
        var token = SubscribersHarness.ConfirmToken(Assert.Single(_harness.Mails));
        _harness.Time.Advance(_harness.Options.ConfirmLinkLifetime - TimeSpan.FromSeconds(1));

        Assert.Equal(LinkOutcome.Done, await Service.ConfirmAsync(token, Cancel));
    }

    [Fact]
    public async Task ConfirmAsync_TokenFromBeforeAnUnsubscribe_InvalidAndStillUnsubscribed()
    {
        await _harness.SubscribeAsync("ann@example.org", "");
        var oldToken = SubscribersHarness.ConfirmToken(Assert.Single(_harness.Mails));
        _harness.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(LinkOutcome.Done, await Service.ConfirmAsync(oldToken, Cancel));
        var row = await _harness.RowAsync("ann@example.org");
        _harness.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(LinkOutcome.Done, await Service.UnsubscribeAsync(TokenOf(Service.UnsubscribeUrl(row.Id)), Cancel));
        _harness.Time.Advance(TimeSpan.FromMinutes(5));

        var outcome = await Service.ConfirmAsync(oldToken, Cancel);

        Assert.Equal(LinkOutcome.Invalid, outcome);
        Assert.Equal(SubscriberStatus.Unsubscribed, (await _harness.RowAsync("ann@example.org")).Status);
    }

    [Fact]
    public async Task ConfirmAsync_TokenFromBeforeAnUnsubscribe_StillInvalidAfterSomeoneAsksAgain()
    {
        // Ann subscribes and confirms, later leaves. Anyone may then type her address into the form within the
        // confirmation interval (no new mail goes out). Her old confirm link, still within its lifetime, must not
        // bring her back: only a link issued after she left may.
        await _harness.SubscribeAsync("ann@example.org", "");
        var oldToken = SubscribersHarness.ConfirmToken(Assert.Single(_harness.Mails));
        Assert.Equal(LinkOutcome.Done, await Service.ConfirmAsync(oldToken, Cancel));
        _harness.Time.Advance(TimeSpan.FromMinutes(10));
        await Service.RemoveAsync("ann@example.org", Cancel);
        _harness.Time.Advance(TimeSpan.FromMinutes(10));
        await _harness.SubscribeAsync("ann@example.org", "");
        Assert.Single(_harness.Transport.Messages);

        var outcome = await Service.ConfirmAsync(oldToken, Cancel);

        Assert.Equal(LinkOutcome.Invalid, outcome);
        Assert.Equal(SubscriberStatus.Unsubscribed, (await _harness.RowAsync("ann@example.org")).Status);
    }

    [Fact]
    public async Task UnsubscribeAsync_Twice_DoneBothTimesAndTheFirstDateKept()
    {
        await Service.AddAsync("ann@example.org", "", confirmed: true, Cancel);
        var row = await _harness.RowAsync("ann@example.org");
        var token = TokenOf(Service.UnsubscribeUrl(row.Id));
        _harness.Time.Advance(TimeSpan.FromDays(1));
        var leftAt = _harness.Time.GetUtcNow();

        Assert.Equal(LinkOutcome.Done, await Service.UnsubscribeAsync(token, Cancel));
        _harness.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(LinkOutcome.Done, await Service.UnsubscribeAsync(token, Cancel));

        var after = await _harness.RowAsync("ann@example.org");
        Assert.Equal(SubscriberStatus.Unsubscribed, after.Status);
        Assert.Equal(leftAt, after.UnsubscribedAt);
        Assert.Equal(1, await _harness.CountRowsAsync());
    }

    [Fact]
    public async Task UnsubscribeAsync_ConfirmOrForgedToken_InvalidAndStillActive()
    {
        await Service.AddAsync("ann@example.org", "", confirmed: true, Cancel);
        var row = await _harness.RowAsync("ann@example.org");
        var confirmToken = TokenOf(Service.ConfirmUrl(row.Id, _harness.Time.GetUtcNow()));
        var otherKey = new TokenSigner(RandomNumberGenerator.GetBytes(32));

        Assert.Equal(LinkOutcome.Invalid, await Service.UnsubscribeAsync(confirmToken, Cancel));
        Assert.Equal(LinkOutcome.Invalid, await Service.UnsubscribeAsync(otherKey.Create(TokenPurpose.Unsubscribe, row.Id, DateTimeOffset.UnixEpoch), Cancel));
        Assert.False(Service.IsUnsubscribeToken(confirmToken));
        Assert.True(Service.IsUnsubscribeToken(TokenOf(Service.UnsubscribeUrl(row.Id))));
        Assert.Equal(SubscriberStatus.Active, (await _harness.RowAsync("ann@example.org")).Status);
    }

    [Fact]
    public async Task AddAsync_Confirmed_ActiveAndNoMail()
    {
        var outcome = await Service.AddAsync("Bob@Example.org", "Bob", confirmed: true, Cancel);

        Assert.Equal((AddResult.Added, ConfirmationMail.NotNeeded), (outcome.Result, outcome.Mail));
        var row = await _harness.RowAsync("bob@example.org");
        Assert.Equal((SubscriberStatus.Active, "operator", "Bob"), (row.Status, row.Source, row.Name));
        Assert.Empty(_harness.Transport.Messages);
    }

    [Fact]
    public async Task AddAsync_NotConfirmed_PendingAndOneConfirmationMail()
    {
        var outcome = await Service.AddAsync("bob@example.org", "Bob", confirmed: false, Cancel);

        Assert.Equal((AddResult.Added, ConfirmationMail.Sent, ""), (outcome.Result, outcome.Mail, outcome.MailError));
        Assert.Equal(SubscriberStatus.Pending, (await _harness.RowAsync("bob@example.org")).Status);
        Assert.Single(_harness.Transport.Messages);
    }

    [Fact]
    public async Task AddAsync_NotConfirmedAndTheMailFails_AddedPendingAndTheOutcomeSaysWhy()
    {
        using var harness = new FailingHarness();

        var outcome = await harness.Service.AddAsync("bob@example.org", "Bob", confirmed: false, Cancel);

        Assert.Equal((AddResult.Added, ConfirmationMail.Failed, "connection refused"), (outcome.Result, outcome.Mail, outcome.MailError));
        var row = await harness.Inner.RowAsync("bob@example.org");
        Assert.Equal((SubscriberStatus.Pending, "Bob", (DateTimeOffset?)null), (row.Status, row.Name, row.ConfirmationSentAt));
        Assert.Equal(row.Id, outcome.Subscriber!.Id);
    }

    [Fact]
    public async Task AddAsync_KnownPendingAfterAFailedMail_SendsItNowAndThenNotAgainWithinTheInterval()
    {
        using var harness = new FailingHarness();
        await harness.Service.AddAsync("bob@example.org", "Bob", confirmed: false, Cancel);
        var service = harness.Inner.Service;

        var again = await service.AddAsync("bob@example.org", "", confirmed: false, Cancel);
        harness.Inner.Time.Advance(TimeSpan.FromMinutes(30));
        var soon = await service.AddAsync("bob@example.org", "", confirmed: false, Cancel);

        Assert.Equal((AddResult.Known, ConfirmationMail.Sent), (again.Result, again.Mail));
        Assert.Equal((AddResult.Known, ConfirmationMail.RecentlySent), (soon.Result, soon.Mail));
        var mail = Assert.Single(harness.Inner.Mails);
        Assert.Equal(("bob@example.org", "Bob"), (mail.To.Mailboxes.Single().Address, mail.To.Mailboxes.Single().Name));
        Assert.Equal(LinkOutcome.Done, await service.ConfirmAsync(SubscribersHarness.ConfirmToken(mail), Cancel));
        Assert.Equal(SubscriberStatus.Active, (await harness.Inner.RowAsync("bob@example.org")).Status);
    }

    [Fact]
    public async Task AddAsync_KnownPendingConfirmed_ActiveWithoutMail()
    {
        using var harness = new FailingHarness();
        await harness.Service.AddAsync("bob@example.org", "Bob", confirmed: false, Cancel);
        harness.Inner.Time.Advance(TimeSpan.FromMinutes(5));

        var outcome = await harness.Inner.Service.AddAsync("bob@example.org", "", confirmed: true, Cancel);

        Assert.Equal((AddResult.Activated, ConfirmationMail.NotNeeded), (outcome.Result, outcome.Mail));
        var row = await harness.Inner.RowAsync("bob@example.org");
        Assert.Equal(row, outcome.Subscriber);
        Assert.Equal((SubscriberStatus.Active, harness.Inner.Time.GetUtcNow()), (row.Status, row.ConfirmedAt));
        Assert.Empty(harness.Inner.Transport.Messages);
    }

    [Fact]
    public async Task AddAsync_KnownUnsubscribedOrInvalid_SaidSoAndNothingChanged()
    {
        await Service.AddAsync("ann@example.org", "", confirmed: true, Cancel);
        await Service.AddAsync("gone@example.org", "", confirmed: true, Cancel);
        await Service.RemoveAsync("gone@example.org", Cancel);

        Assert.Equal(AddResult.Known, (await Service.AddAsync("ANN@example.org", "", confirmed: false, Cancel)).Result);
        Assert.Equal(AddResult.Unsubscribed, (await Service.AddAsync("gone@example.org", "", confirmed: true, Cancel)).Result);
        Assert.Equal(AddResult.Invalid, (await Service.AddAsync("nope", "", confirmed: true, Cancel)).Result);
        Assert.Equal(SubscriberStatus.Unsubscribed, (await _harness.RowAsync("gone@example.org")).Status);
        Assert.Equal(2, await _harness.CountRowsAsync());
        Assert.Empty(_harness.Transport.Messages);
    }

    [Fact]
    public async Task RemoveAsync_KeepsTheRowAsUnsubscribed_UnknownGivesNull()
    {
        await Service.AddAsync("ann@example.org", "", confirmed: true, Cancel);

        var removed = await Service.RemoveAsync(" ANN@example.org ", Cancel);

        Assert.Equal(SubscriberStatus.Unsubscribed, removed!.Status);
        Assert.Equal(SubscriberStatus.Unsubscribed, (await _harness.RowAsync("ann@example.org")).Status);
        Assert.Null(await Service.RemoveAsync("nobody@example.org", Cancel));
        Assert.Equal(1, await _harness.CountRowsAsync());
    }

    [Fact]
    public async Task RemoveAsync_ReturnsTheStoredUnsubscribeTime_AndTheFirstOneWhenRemovedAgain()
    {
        await Service.AddAsync("ann@example.org", "", confirmed: true, Cancel);
        _harness.Time.Advance(TimeSpan.FromDays(3) + TimeSpan.FromMilliseconds(250));
        var leftAt = _harness.Time.GetUtcNow();

        var removed = await Service.RemoveAsync("ann@example.org", Cancel);
        _harness.Time.Advance(TimeSpan.FromDays(1));
        var again = await Service.RemoveAsync("ann@example.org", Cancel);

        var row = await _harness.RowAsync("ann@example.org");
        Assert.Equal(leftAt, row.UnsubscribedAt);
        Assert.Equal(row, removed);
        Assert.Equal(row, again);
    }

    [Fact]
    public async Task SubscribeAsync_MailFails_ClaimReleasedSoTheNextRequestSends()
    {
        using var harness = new FailingHarness();
        await harness.SubscribeAsync("ann@example.org", "");

        var row = await harness.Inner.RowAsync("ann@example.org");

        Assert.Equal(SubscriberStatus.Pending, row.Status);
        Assert.Null(row.ConfirmationSentAt);
    }

    [Fact]
    public async Task SubscribeAsync_NewAddress_AnswersWithTheMailQueuedAndTheClaimTakenOnlyWhenItIsSent()
    {
        var outcome = await Service.SubscribeAsync("ann@example.org", "Ann", Cancel);

        Assert.Equal(new SubscribeOutcome(true, ""), outcome);
        Assert.Empty(_harness.Transport.Messages);
        Assert.Equal(1, _harness.Queue.Count);
        var row = await _harness.RowAsync("ann@example.org");
        Assert.Equal((SubscriberStatus.Pending, (DateTimeOffset?)null), (row.Status, row.ConfirmationSentAt));

        _harness.Time.Advance(TimeSpan.FromSeconds(3));
        await SubscribersHarness.SendQueuedAsync(_harness.Queue, Service);

        var mail = Assert.Single(_harness.Mails);
        Assert.Equal(_harness.Time.GetUtcNow(), (await _harness.RowAsync("ann@example.org")).ConfirmationSentAt);
        Assert.True(_harness.Tokens.TryRead(SubscribersHarness.ConfirmToken(mail), TokenPurpose.Confirm, out var id, out _));
        Assert.Equal(row.Id, id);
    }

    [Fact]
    public async Task SubscribeAsync_AskedAgainBeforeTheMailWentOut_OneMail()
    {
        await Service.SubscribeAsync("ann@example.org", "", Cancel);
        await Service.SubscribeAsync("ANN@example.org", "", Cancel);
        await Service.SubscribeAsync("ann@example.org", "", Cancel);

        Assert.Equal(1, _harness.Queue.Count);
        await SubscribersHarness.SendQueuedAsync(_harness.Queue, Service);
        Assert.Single(_harness.Transport.Messages);
    }

    [Fact]
    public async Task SubscribeAsync_QueuedMailLostBeforeItWasSent_TheNextRequestQueuesItAgainAtOnce()
    {
        // The process stops with the mail still queued: nothing was claimed, so the person is not kept waiting an hour.
        await Service.SubscribeAsync("ann@example.org", "", Cancel);
        Assert.True(_harness.Queue.TryDequeue(out _));
        _harness.Time.Advance(TimeSpan.FromMinutes(1));

        await _harness.SubscribeAsync("ann@example.org", "");

        Assert.Single(_harness.Transport.Messages);
        Assert.Equal(_harness.Time.GetUtcNow(), (await _harness.RowAsync("ann@example.org")).ConfirmationSentAt);
    }

    [Fact]
    public async Task SendQueuedConfirmationAsync_ConfirmedBeforeTheMailWentOut_NoMail()
    {
        await Service.SubscribeAsync("ann@example.org", "", Cancel);
        await Service.AddAsync("ann@example.org", "", confirmed: true, Cancel);

        await SubscribersHarness.SendQueuedAsync(_harness.Queue, Service);

        Assert.Empty(_harness.Transport.Messages);
        Assert.Equal(SubscriberStatus.Active, (await _harness.RowAsync("ann@example.org")).Status);
    }

    [Fact]
    public async Task SendQueuedConfirmationAsync_MailServerOrFolderFails_Logged3004WithoutAStackTraceAndTheNextRequestSends()
    {
        using var harness = new FailingHarness(new IOException("connection refused"));

        await harness.SubscribeAsync("ann@example.org", "");

        var failed = Assert.Single(harness.Log.Entries, entry => entry.EventId == 3004);
        Assert.Null(failed.Exception);
        Assert.Null((await harness.Inner.RowAsync("ann@example.org")).ConfirmationSentAt);
    }

    [Fact]
    public async Task SendQueuedConfirmationAsync_UnexpectedFailure_Logged3004WithTheException()
    {
        using var harness = new FailingHarness(new InvalidOperationException("template broken"));

        await harness.SubscribeAsync("ann@example.org", "");

        var failed = Assert.Single(harness.Log.Entries, entry => entry.EventId == 3004);
        Assert.IsType<InvalidOperationException>(failed.Exception);
    }

    private static string TokenOf(string url) => url[(url.LastIndexOf('/') + 1)..];

    /// <summary>A harness whose transport throws, as an SMTP server that is down would.</summary>
    private sealed class FailingHarness : IDisposable
    {
        public FailingHarness(Exception? failure = null)
        {
            Inner = new SubscribersHarness();
            var site = Microsoft.Extensions.Options.Options.Create(new Syndicate.Site.SiteOptions { Title = "T", BaseUrl = "https://blog.example.org/" });
            var mail = Microsoft.Extensions.Options.Options.Create(new Syndicate.Mail.MailOptions());
            var mailer = new ConfirmationMailer(
                Templates.TemplateFolders.ShippedSet(), new Syndicate.Mail.MailComposer(mail, Inner.Time),
                new ThrowingTransport(failure ?? new IOException("connection refused")), site);
            Service = new SubscriptionService(
                Inner.Store, Inner.Tokens, mailer, Queue, new Syndicate.Site.SiteUrls(site), Microsoft.Extensions.Options.Options.Create(Inner.Options), Inner.Time, Log);
        }

        public SubscribersHarness Inner { get; }

        public SubscriptionService Service { get; }

        public ConfirmationQueue Queue { get; } = new();

        public RecordingLogger Log { get; } = new();

        public async Task<SubscribeOutcome> SubscribeAsync(string? email, string? name)
        {
            var outcome = await Service.SubscribeAsync(email, name, Cancel);
            await SubscribersHarness.SendQueuedAsync(Queue, Service);
            return outcome;
        }

        public void Dispose() => Inner.Dispose();
    }

    private sealed class ThrowingTransport(Exception failure) : Syndicate.Mail.IMailTransport
    {
        public Task SendAsync(MimeMessage message, CancellationToken cancellationToken) => Task.FromException(failure);
    }

    /// <summary>Every log line: its event id and the exception logged with it.</summary>
    private sealed class RecordingLogger : Microsoft.Extensions.Logging.ILogger<SubscriptionService>
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(int EventId, Exception? Exception)> _entries = new();

        public IReadOnlyList<(int EventId, Exception? Exception)> Entries => _entries.ToArray();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) => _entries.Enqueue((eventId.Id, exception));
    }
}
