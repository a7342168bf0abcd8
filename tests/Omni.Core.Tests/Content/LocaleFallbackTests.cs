using Omni.Core.Content;

namespace Omni.Core.Tests.Content;

public sealed class LocaleFallbackTests
{
    [Theory]
    [InlineData("fr-CA", "en-GB", "en", "fr-CA,fr,en-GB,en")]
    [InlineData(null, "pt-BR", "en", "pt-BR,pt,en")]
    [InlineData("de", null, "en", "de,en")]
    [InlineData(null, null, "en", "en")]
    [InlineData("EN-gb", "en-GB", "en", "EN-gb,EN")]
    [InlineData("zh-Hant-TW", null, "en", "zh-Hant-TW,zh-Hant,zh,en")]
    [InlineData("en-x-acme", null, "fr", "en-x-acme,en,fr")]
    [InlineData("sl-rozaj-biske", null, "en", "sl-rozaj-biske,sl-rozaj,sl,en")]
    public void Chain_TriesRequestThenContactEachWithParentsThenTheDefault(string? request, string? contact, string? fallback, string expected)
    {
        Assert.Equal(expected.Split(','), LocaleFallback.Chain(request, contact, fallback));
    }
}
