using System.Text;
using System.Text.Json;
using Omni.Channels;
using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Functions.Operations;

namespace Omni.Functions.Tests.Messages;

/// <summary>
/// An app may use an e-mail address (or a phone number) as the contact id: it must not show in clear outside the
/// contact's own data — the pipeline's logs on the send and failure paths, the dead-letter view of queue bodies.
/// </summary>
public sealed class ContactIdPrivacyTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private const string AdaId = "ada@example.org";

    [Fact]
    public async Task ContactIdIsAnEmail_SendRefusalAndFallback_LogNoClearId_AndTheDeadLetterViewMasksIt()
    {
        var h = new PipelineHarness(storage);
        var contact = await h.CreateContactAsync(c => c with { Id = AdaId });
        h.Sms.Then(_ => AddressRefusalTests.Refused(AddressRefusals.ForTwilio(21614)!)); // the failure path: the number is suppressed
        var id = await h.AcceptAsync(new MessageRequest
        {
            ContactId = contact.Id, Category = "transactional", Urgency = "high", Strategy = "first", Content = new MessageContentRequest { Text = "Your code is 1234", Subject = "Code" },
        });
        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Equal(MessageStatus.Sent, record.Status); // fell back to e-mail
        Assert.Contains(h.Logs.Entries, e => e.Message.Contains("address suppressed", StringComparison.Ordinal));
        Assert.DoesNotContain(h.Logs.Entries, e => e.Message.Contains(AdaId, StringComparison.OrdinalIgnoreCase)
            || e.Scopes.SelectMany(s => s).Any(p => Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture)!.Contains(AdaId, StringComparison.OrdinalIgnoreCase)));

        // The same message as it would sit dead-lettered on the outbound queue, shown by GET /api/ops/deadletters/outbound.
        var body = JsonSerializer.SerializeToUtf8Bytes(record.Request, JsonSerializerOptions.Web);
        Assert.Contains(AdaId, Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        var shown = DeadLetterBodyMask.Mask(body)!.ToJsonString();
        Assert.DoesNotContain(AdaId, shown, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"\"contactId\":\"{ContactIds.Redact(AdaId)}\"", shown, StringComparison.Ordinal);
        Assert.Contains($"\"id\":\"{id}\"", shown, StringComparison.Ordinal); // ordinary ids stay readable
    }
}
