using Omni.Core.Consent;
using Omni.Core.Contacts;

namespace Omni.Core.Tests.Consent;

public class ConsentValidationTests
{
    private static readonly ConsentEvent Valid = new()
    {
        Channel = Channel.Sms,
        Category = ConsentCategories.Marketing,
        State = ConsentState.OptedIn,
        Source = ConsentSource.Form,
        ByContact = true,
        Evidence = "Signup form v3: 'Text me offers' ticked",
        Actor = "app-web",
        At = new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero),
    };

    private static IDictionary<string, string[]> Errors(ConsentEvent candidate)
    {
        var errors = new ValidationErrors();
        ConsentLedger.Validate(candidate, errors);
        return errors.ToDictionary();
    }

    [Fact]
    public void Validate_WellFormedEvent_NoErrors()
    {
        Assert.Empty(Errors(Valid));
        Assert.Empty(Errors(Valid with { Channel = null, Category = null, State = ConsentState.OptedOut, Source = ConsentSource.Keyword }));
        Assert.Empty(Errors(Valid with { Source = ConsentSource.Import, ByContact = false }));
        Assert.Empty(Errors(Valid with { Source = ConsentSource.Api, ByContact = false }));
        Assert.Empty(Errors(Valid with { Category = "order-updates" }));
    }

    [Theory]
    [InlineData("Marketing")]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("order_updates")]
    public void Validate_BadCategory_KeyedCategory(string category)
    {
        Assert.Equal(["category"], Errors(Valid with { Category = category }).Keys);
    }

    [Fact]
    public void Validate_UnknownState_KeyedState()
    {
        Assert.Equal(["state"], Errors(Valid with { State = ConsentState.Unknown }).Keys);
        Assert.Equal(["state"], Errors(Valid with { State = (ConsentState)7 }).Keys);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Validate_MissingEvidence_KeyedEvidence(string evidence)
    {
        Assert.Equal(["evidence"], Errors(Valid with { Evidence = evidence }).Keys);
    }

    [Fact]
    public void Validate_EvidenceLength_2000AcceptedAnd2001Rejected()
    {
        Assert.Empty(Errors(Valid with { Evidence = new string('e', 2000) }));
        var errors = Errors(Valid with { Evidence = new string('e', 2001) });
        Assert.Equal(["evidence"], errors.Keys);
        Assert.Contains("2000", errors["evidence"][0]);
    }

    [Fact]
    public void Validate_ActorLength_128AcceptedAnd129Rejected()
    {
        Assert.Empty(Errors(Valid with { Actor = new string('a', 128) }));
        Assert.Equal(["actor"], Errors(Valid with { Actor = new string('a', 129) }).Keys);
        Assert.Equal(["actor"], Errors(Valid with { Actor = "" }).Keys);
        Assert.Equal(["actor"], Errors(Valid with { Actor = "app\n1" }).Keys);
    }

    [Theory]
    [InlineData(ConsentSource.Keyword)]
    [InlineData(ConsentSource.Form)]
    public void Validate_ContactSourceNotByContact_KeyedByContact(ConsentSource source)
    {
        var errors = Errors(Valid with { Source = source, ByContact = false });
        Assert.Equal(["byContact"], errors.Keys);
        Assert.Contains("must be true", errors["byContact"][0]);
    }

    [Fact]
    public void Validate_ImportByContact_KeyedByContact()
    {
        var errors = Errors(Valid with { Source = ConsentSource.Import, ByContact = true });
        Assert.Equal(["byContact"], errors.Keys);
        Assert.Contains("must be false", errors["byContact"][0]);
    }

    [Fact]
    public void Validate_UndefinedChannelOrSource_KeyedByTheirFields()
    {
        Assert.Equal(["channel"], Errors(Valid with { Channel = (Channel)42 }).Keys);
        Assert.Equal(["source"], Errors(Valid with { Source = (ConsentSource)42 }).Keys);
    }

    [Fact]
    public void Validate_SeveralProblems_AllReported()
    {
        var errors = Errors(Valid with { Category = "BAD", State = ConsentState.Unknown, Evidence = "", Actor = "", Source = ConsentSource.Import, ByContact = true });
        Assert.Equal(["actor", "byContact", "category", "evidence", "state"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validate_AppendsToExistingErrors()
    {
        var errors = new ValidationErrors();
        errors.Add("other", "already there");
        ConsentLedger.Validate(Valid with { State = ConsentState.Unknown }, errors);
        Assert.Equal(["other", "state"], errors.ToDictionary().Keys.Order(StringComparer.Ordinal));
    }
}
