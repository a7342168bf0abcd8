using Omni.Core.Contacts;

namespace Omni.Core.Tests.Contacts;

public sealed class ContactIdsTests
{
    [Theory]
    [InlineData("ada@example.org", true)]
    [InlineData("+447700900123", true)]
    [InlineData("07700 900123", true)]
    [InlineData("(555) 123-4567", true)]
    [InlineData("c-0123456789ab", false)]
    [InlineData("anon-4f1c0e", false)]
    [InlineData("123456", false)]
    [InlineData("order-1234567", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void LooksPersonal_EmailsAndPhoneNumbers(string? id, bool personal) => Assert.Equal(personal, ContactIds.LooksPersonal(id));

    [Fact]
    public void Redact_IsStableOpaqueAndLeavesOrdinaryIdsAlone()
    {
        var redacted = ContactIds.Redact("ada@example.org")!;

        Assert.Matches("^~[0-9a-f]{16}$", redacted);
        Assert.Equal(redacted, ContactIds.Redact("ada@example.org"));
        Assert.NotEqual(redacted, ContactIds.Redact("bob@example.org"));
        Assert.Equal("c-0123456789ab", ContactIds.Redact("c-0123456789ab"));
        Assert.Null(ContactIds.Redact(null));
    }

    [Fact]
    public void RedactPath_RedactsPersonalSegments_EscapedOrNot()
    {
        var expected = "/api/contacts/" + ContactIds.Redact("ada@example.org") + "/consent";

        Assert.Equal(expected, ContactIds.RedactPath("/api/contacts/ada@example.org/consent"));
        Assert.Equal(expected, ContactIds.RedactPath("/api/contacts/ada%40example.org/consent"));
        Assert.Equal("/api/contacts/c-42/consent", ContactIds.RedactPath("/api/contacts/c-42/consent"));
    }
}
