using System.Text;
using System.Text.Json.Nodes;
using Omni.Functions.Operations;

namespace Omni.Functions.Tests.Operations;

public sealed class DeadLetterBodyMaskTests
{
    private static JsonNode? Mask(string body) => DeadLetterBodyMask.Mask(Encoding.UTF8.GetBytes(body));

    [Fact]
    public void Mask_NestedInboundEvent_KeepsIdsAndShortValues_MasksAddressesAndText()
    {
        var masked = Mask("""
            {"eventId":"ev-123456","type":"message.received","from":{"address":"alice@example.com","channel":"email"},
             "texts":["Hello there","ok"],"contactId":"c-42","isTest":false,"count":3,"note":null}
            """);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"eventId":"ev-123456","type":"message.received","from":{"address":"***(17)","channel":"email"},
             "texts":["***(11)","ok"],"contactId":"c-42","isTest":false,"count":3,"note":null}
            """), masked), masked?.ToJsonString());
    }

    [Fact]
    public void Mask_LongNumbers_MaskedUnlessAnIdKey()
    {
        var masked = Mask("""{"phone":4425555012,"messageId":12345678901,"amount":1.5}""")!;

        Assert.Equal("***(10 digits)", masked["phone"]!.GetValue<string>());
        Assert.Equal(12345678901L, masked["messageId"]!.GetValue<long>());
        Assert.Equal(1.5, masked["amount"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json +14255550123")]
    [InlineData("{\"unterminated\":")]
    public void Mask_EmptyOrNotJson_NothingShown(string body)
    {
        Assert.Null(Mask(body));
    }

    [Fact]
    public void Mask_TooLarge_NothingShown()
    {
        Assert.Null(Mask("\"" + new string('a', DeadLetterBodyMask.MaxBytes) + "\""));
    }

    [Fact]
    public void Mask_TopLevelString_Masked()
    {
        Assert.Equal("***(12)", Mask("\"+14255550123\"")!.GetValue<string>());
    }
}
