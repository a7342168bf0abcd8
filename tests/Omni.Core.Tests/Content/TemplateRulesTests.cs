using Omni.Core.Contacts;
using Omni.Core.Content;

namespace Omni.Core.Tests.Content;

public sealed class TemplateRulesTests
{
    private static Template With(string locale, string key, TemplatePart part, string defaultLocale = "en", string id = "welcome") => new()
    {
        Id = id,
        DefaultLocale = defaultLocale,
        Locales = new Dictionary<string, IReadOnlyDictionary<string, TemplatePart>>
        {
            [locale] = new Dictionary<string, TemplatePart> { [key] = part },
        },
    };

    private static IDictionary<string, string[]> Errors(Template template)
    {
        var errors = new ValidationErrors();
        TemplateRules.Validate(template, errors);
        return errors.ToDictionary();
    }

    [Fact]
    public void Validate_GoodTemplate_HasNoErrors()
    {
        var template = With("en", "default", new TemplatePart("Hi {{name}} from {{brand.name}}", "Welcome", "<p>{{#if name}}Hi {{name}}{{/if}}</p>"));

        Assert.Empty(Errors(template));
    }

    public static TheoryData<Template, string> Invalid => new()
    {
        { With("en", "default", new TemplatePart("Hi {{name")), "locales.en.default.text" },
        { With("en", "email", new TemplatePart(Html: "{{#each items}}<li>")), "locales.en.email.html" },
        { With("en", "sms", new TemplatePart("{{shout name}}")), "locales.en.sms.text" },
        { With("en", "sms", new TemplatePart("{{> footer}}")), "locales.en.sms.text" },
        { With("en", "email", new TemplatePart(Subject: "Line\nbreak")), "locales.en.email.subject" },
        { With("en", "email", new TemplatePart(Subject: new string('s', 501))), "locales.en.email.subject" },
        { With("en", "sms", new TemplatePart(new string('t', 10_001))), "locales.en.sms.text" },
        { With("en", "sms", new TemplatePart()), "locales.en.sms" },
        { With("en", "fax", new TemplatePart("x")), "locales.en.fax" },
        { With("en", "SMS", new TemplatePart("x")), "locales.en.SMS" },
        { With("en_GB", "default", new TemplatePart("x"), "en_GB"), "locales.en_GB" },
        { With("fr", "default", new TemplatePart("x")), "defaultLocale" },
        { With("en", "default", new TemplatePart("x"), id: "bad id"), "id" },
        { With("en", "default", new TemplatePart("x")) with { Description = new string('d', 1001) }, "description" },
        { With("en", "default", new TemplatePart("x")) with { Locales = new Dictionary<string, IReadOnlyDictionary<string, TemplatePart>>() }, "locales" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_InvalidTemplate_NamesTheField(Template template, string field)
    {
        var errors = Errors(template);

        Assert.True(errors.ContainsKey(field), $"expected an error for {field}, got: {string.Join(", ", errors.Keys)}");
    }

    [Fact]
    public void Validate_SameLocaleInTwoCases_IsRefused()
    {
        var template = new Template
        {
            Id = "t",
            DefaultLocale = "en",
            Locales = new Dictionary<string, IReadOnlyDictionary<string, TemplatePart>>
            {
                ["en"] = new Dictionary<string, TemplatePart> { ["default"] = new("a") },
                ["EN"] = new Dictionary<string, TemplatePart> { ["default"] = new("b") },
            },
        };

        Assert.True(Errors(template).ContainsKey("locales.EN"));
    }
}
