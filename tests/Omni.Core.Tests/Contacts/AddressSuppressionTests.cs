using Omni.Core.Contacts;

namespace Omni.Core.Tests.Contacts;

public sealed class AddressSuppressionTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void KnownProviderReason_FromAProviderRefusal_NamesProviderCodeAndOmnisDescription()
    {
        var suppression = AddressSuppression.From(AddressRefusals.ForTwilio(21614)!, At);

        Assert.Equal("provider twilio 21614: not a mobile number", suppression.KnownProviderReason);
    }

    [Theory]
    [InlineData("hard-bounce", null, null)]
    [InlineData("+447400123456 is not a mobile", "twilio", "21614")]
    [InlineData("not a mobile number", "twilio", "99999")]
    public void KnownProviderReason_AnAppsReason_IsNull(string reason, string? provider, string? code)
    {
        // An app's reason is free text that may quote the address: it never reaches the trace.
        Assert.Null(new AddressSuppression(reason, At, provider, code).KnownProviderReason);
    }

    [Fact]
    public void ForTwilio_AnErrorAboutTheSenderOrTheService_IsNull()
    {
        Assert.All(new[] { 20429, 20503, 21606, 30003 }, code => Assert.Null(AddressRefusals.ForTwilio(code)));
    }
}
