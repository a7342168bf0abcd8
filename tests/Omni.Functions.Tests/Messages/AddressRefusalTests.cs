using Omni.Channels;
using Omni.Core.Consent;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Functions.Tests.Messages;

/// <summary>What a provider's permanent refusal of a number does to the contact's address, and to the next message's routing.</summary>
public sealed class AddressRefusalTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private static MessageRequest Text(string contactId) => new()
    {
        ContactId = contactId,
        Category = "transactional",
        Urgency = "high",
        Strategy = "first",
        Content = new MessageContentRequest { Text = "Your code is 123456", Subject = "Your code" },
    };

    internal static SendResult Refused(AddressRefusal refusal) => new(SendOutcome.Permanent, refusal.Provider, null, AttemptStatus.Failed, 1,
        null, null, $"{refusal.Provider} {refusal.Code}: {refusal.Description}", null, [new ProviderTry(refusal.Provider, "permanent", DateTimeOffset.UnixEpoch)], refusal);

    [Fact]
    public async Task SendStep_NotAMobileNumber_SuppressesTheAddress_AndTheNextMessageSkipsSms()
    {
        var h = new PipelineHarness(storage);
        var contact = await h.CreateContactAsync();
        var phone = contact.Addresses[Channel.Sms].Value;
        h.Sms.Then(_ => Refused(AddressRefusals.ForTwilio(21614)!));

        var first = await h.AcceptAsync(Text(contact.Id));
        await h.RunQueuesAsync();
        var second = await h.AcceptAsync(Text(contact.Id));
        await h.RunQueuesAsync();

        var stored = await h.Contacts.GetAsync(contact.Id, CancellationToken.None);
        Assert.Equal(new AddressSuppression("not a mobile number", h.Clock.GetUtcNow(), "twilio", "21614"), stored!.Contact.Addresses[Channel.Sms].Suppression);
        Assert.Contains((await h.GetAsync(first)).Trace, line => line.EndsWith(
            "The contact's sms address is now suppressed (provider twilio 21614: not a mobile number).", StringComparison.Ordinal));
        var next = await h.GetAsync(second);
        Assert.Equal([Channel.Email], next.Plan.Select(p => p.Channel));
        Assert.Contains(next.Trace, line => line.StartsWith("sms: the contact's sms address is suppressed since ", StringComparison.Ordinal) &&
            line.EndsWith(" (provider twilio 21614: not a mobile number).", StringComparison.Ordinal));
        Assert.Single(h.Sms.Calls);
        Assert.DoesNotContain(next.Trace, line => line.Contains(phone[3..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendStep_CarrierStop_IsTheContactsSmsOptOut_AndTheNextMessageSkipsSms()
    {
        var h = new PipelineHarness(storage);
        var contact = await h.CreateContactAsync();
        h.Sms.Then(_ => Refused(AddressRefusals.TwilioUnsubscribed));

        var first = await h.AcceptAsync(Text(contact.Id));
        await h.RunQueuesAsync();
        var second = await h.AcceptAsync(Text(contact.Id));
        await h.RunQueuesAsync();

        var optOut = Assert.Single(await h.Contacts.GetConsentHistoryAsync(contact.Id, CancellationToken.None) ?? []);
        Assert.Equal((Channel.Sms, (string?)null, ConsentState.OptedOut, ConsentSource.Keyword, true, "provider:twilio"),
            (optOut.Channel, optOut.Category, optOut.State, optOut.Source, optOut.ByContact, optOut.Actor));
        Assert.Equal($"provider:twilio 21610 (message {first}, step 0)", optOut.Evidence);
        Assert.False((await h.Contacts.GetAsync(contact.Id, CancellationToken.None))!.Contact.Addresses[Channel.Sms].IsSuppressed);
        Assert.Equal([Channel.Email], (await h.GetAsync(second)).Plan.Select(p => p.Channel));
        Assert.Single(h.Sms.Calls);
    }

    [Fact]
    public async Task SendStep_PermanentFailureThatSaysNothingAboutTheNumber_LeavesTheAddressAlone()
    {
        var h = new PipelineHarness(storage);
        var contact = await h.CreateContactAsync();
        h.Sms.Then(SendOutcome.Permanent, "twilio 21606: the From number is not SMS-capable");

        await h.AcceptAsync(Text(contact.Id));
        await h.RunQueuesAsync();

        Assert.False((await h.Contacts.GetAsync(contact.Id, CancellationToken.None))!.Contact.Addresses[Channel.Sms].IsSuppressed);
        Assert.Empty(await h.Contacts.GetConsentHistoryAsync(contact.Id, CancellationToken.None) ?? []);
    }
}
