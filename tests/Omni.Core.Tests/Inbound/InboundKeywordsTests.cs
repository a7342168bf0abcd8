using Omni.Core.Inbound;
using Omni.Core.Routing;

namespace Omni.Core.Tests.Inbound;

public class InboundKeywordsTests
{
    [Theory]
    [InlineData("STOP", KeywordKind.OptOut, "STOP")]
    [InlineData("stop", KeywordKind.OptOut, "STOP")]
    [InlineData("  Stop!  ", KeywordKind.OptOut, "STOP")]
    [InlineData("Stop.", KeywordKind.OptOut, "STOP")]
    [InlineData("STOP ALL", KeywordKind.OptOut, "STOPALL")]
    [InlineData("stopall", KeywordKind.OptOut, "STOPALL")]
    [InlineData("Unsubscribe", KeywordKind.OptOut, "UNSUBSCRIBE")]
    [InlineData("cancel", KeywordKind.OptOut, "CANCEL")]
    [InlineData("End", KeywordKind.OptOut, "END")]
    [InlineData("QUIT", KeywordKind.OptOut, "QUIT")]
    [InlineData("revoke", KeywordKind.OptOut, "REVOKE")]
    [InlineData("opt-out", KeywordKind.OptOut, "OPTOUT")]
    [InlineData("Opt out", KeywordKind.OptOut, "OPTOUT")]
    [InlineData("ARRÊT", KeywordKind.OptOut, "ARRET")]
    [InlineData("arret", KeywordKind.OptOut, "ARRET")]
    [InlineData("Arrêt !", KeywordKind.OptOut, "ARRET")]
    [InlineData("baja", KeywordKind.OptOut, "BAJA")]
    [InlineData("¡Alto!", KeywordKind.OptOut, "ALTO")]
    [InlineData("PARAR", KeywordKind.OptOut, "PARAR")]
    [InlineData("START", KeywordKind.OptIn, "START")]
    [InlineData("unstop", KeywordKind.OptIn, "UNSTOP")]
    [InlineData("Yes", KeywordKind.OptIn, "YES")]
    [InlineData("subscribe", KeywordKind.OptIn, "SUBSCRIBE")]
    [InlineData("opt-in", KeywordKind.OptIn, "OPTIN")]
    [InlineData("Reprendre", KeywordKind.OptIn, "REPRENDRE")]
    [InlineData("démarrer", KeywordKind.OptIn, "DEMARRER")]
    [InlineData("ALTA", KeywordKind.OptIn, "ALTA")]
    [InlineData("help", KeywordKind.Help, "HELP")]
    [InlineData("HELP?", KeywordKind.Help, "HELP")]
    [InlineData("info", KeywordKind.Help, "INFO")]
    [InlineData("Aide", KeywordKind.Help, "AIDE")]
    [InlineData("¿Ayuda?", KeywordKind.Help, "AYUDA")]
    public void Classify_Keyword_ReturnsItsKind(string text, KeywordKind kind, string keyword)
    {
        var match = InboundKeywords.Classify(text);

        Assert.Equal(kind, match.Kind);
        Assert.Equal(keyword, match.Keyword);
    }

    [Theory]
    [InlineData("Please stop texting me")]
    [InlineData("stop it")]
    [InlineData("yes please")]
    [InlineData("Thanks, see you at 5")]
    [InlineData("STOP 🙏")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("!!!")]
    [InlineData(null)]
    public void Classify_NotTheWholeMessage_IsNone(string? text)
    {
        Assert.Equal(KeywordMatch.None, InboundKeywords.Classify(text));
    }

    [Fact]
    public void Classify_TextLongerThanAnyKeyword_IsNoneWithoutNormalising()
    {
        Assert.Equal(KeywordKind.None, InboundKeywords.Classify(new string(' ', 50) + "STOP").Kind);
    }

    [Fact]
    public void Classify_ExtraKeywordsOfTheProfile_Count()
    {
        var profile = new KeywordBook(defaults: new KeywordSettings { ExtraOptOut = "halt, Détente ", ExtraOptIn = "back" }).For(null);

        Assert.Equal(new KeywordMatch(KeywordKind.OptOut, "HALT"), InboundKeywords.Classify("Halt", profile));
        Assert.Equal(new KeywordMatch(KeywordKind.OptOut, "DETENTE"), InboundKeywords.Classify("detente", profile));
        Assert.Equal(new KeywordMatch(KeywordKind.OptIn, "BACK"), InboundKeywords.Classify("BACK!", profile));
        Assert.Equal(KeywordKind.None, InboundKeywords.Classify("halt", null).Kind);
    }

    [Fact]
    public void Classify_WordInBothLists_OptOutWins()
    {
        var profile = new KeywordBook(defaults: new KeywordSettings { ExtraOptIn = "stop,pause", ExtraOptOut = "pause" }).For(null);

        Assert.Equal(KeywordKind.OptOut, InboundKeywords.Classify("stop", profile).Kind);
        Assert.Equal(KeywordKind.OptOut, InboundKeywords.Classify("pause", profile).Kind);
    }
}

public class KeywordBookTests
{
    [Fact]
    public void For_NothingConfigured_BuiltInTextsWithoutBrand_OneGsm7Segment()
    {
        var profile = new KeywordBook().For("+15550100");

        Assert.Equal(KeywordBook.BuiltInOptOut, profile.OptOutConfirmation);
        Assert.Equal(KeywordBook.BuiltInOptIn, profile.OptInConfirmation);
        Assert.Equal(KeywordBook.BuiltInHelp, profile.HelpText);
        foreach (var text in new[] { profile.OptOutConfirmation, profile.OptInConfirmation, profile.HelpText })
        {
            var measured = SmsSegmenter.Measure(text);
            Assert.Equal(SmsEncoding.Gsm7, measured.Encoding);
            Assert.Equal(1, measured.Segments);
        }
    }

    [Fact]
    public void For_Brand_PrefixesTheBuiltInTexts_AndStaysOneSegment()
    {
        var profile = new KeywordBook("Acme Bank").For(null);

        Assert.Equal("Acme Bank: " + KeywordBook.BuiltInOptOut, profile.OptOutConfirmation);
        Assert.StartsWith("Acme Bank: ", profile.HelpText, StringComparison.Ordinal);
        Assert.StartsWith("Acme Bank: ", profile.OptInConfirmation, StringComparison.Ordinal);
        Assert.Equal(1, SmsSegmenter.Measure(profile.HelpText).Segments);
    }

    [Fact]
    public void For_SenderSettings_OverrideTheDefaultsFieldByField()
    {
        var book = new KeywordBook("Acme",
            new KeywordSettings { HelpText = "Default help", ExtraOptOut = "halt" },
            new Dictionary<string, KeywordSettings>
            {
                ["447400123456"] = new() { HelpText = "UK help", OptOutConfirmation = "UK bye" },
            });

        var uk = book.For("+44 7400 123456");
        var other = book.For("+15550100");

        Assert.Equal("UK help", uk.HelpText);
        Assert.Equal("UK bye", uk.OptOutConfirmation);
        Assert.Equal("Acme: " + KeywordBook.BuiltInOptIn, uk.OptInConfirmation);
        Assert.Contains("HALT", uk.ExtraOptOut);
        Assert.Equal("Default help", other.HelpText);
        Assert.Equal("Acme: " + KeywordBook.BuiltInOptOut, other.OptOutConfirmation);
    }

    [Theory]
    [InlineData("+44 7400 123456", "447400123456")]
    [InlineData("+1 (555) 010-0000", "15550100000")]
    [InlineData("4d2a7C1e-0000-4f00-9e00-000000000001", "4d2a7c1e00004f009e00000000000001")]
    [InlineData(null, "")]
    public void SenderKey_DigitsOfAPhone_LettersAndDigitsOtherwise(string? sender, string key)
    {
        Assert.Equal(key, KeywordBook.SenderKey(sender));
    }

    [Theory]
    [InlineData(KeywordKind.OptOut, "bye")]
    [InlineData(KeywordKind.OptIn, "hi")]
    [InlineData(KeywordKind.Help, "help")]
    [InlineData(KeywordKind.None, null)]
    public void ReplyFor_EachKind_ItsText(KeywordKind kind, string? text)
    {
        var profile = new KeywordProfile { OptOutConfirmation = "bye", OptInConfirmation = "hi", HelpText = "help" };

        Assert.Equal(text, profile.ReplyFor(kind));
    }
}
