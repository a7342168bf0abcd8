using System.Text.Json;
using Omni.Core.Contacts;
using Omni.Core.Content;
using Omni.Core.Messages;
using Omni.Core.Routing;

namespace Omni.Core.Tests.Content;

public sealed class ContentComposerTests
{
    private static readonly BrandVariables Brand = new(new Dictionary<string, string?>
    {
        ["Name"] = "Acme & Sons",
        ["SupportUrl"] = "https://help.example.com/?a=1&b=2",
        ["SupportEmail"] = "help@example.com",
        ["LogoUrl"] = "https://cdn.example.com/logo.png",
        ["Social:Twitter"] = "@acme",
    });

    private static readonly ContentComposer Composer = new(Brand);

    private static readonly Channel[] AllChannels = [Channel.Sms, Channel.Email, Channel.WhatsApp, Channel.InApp, Channel.Webhook, Channel.Push];

    private static Template OrderShipped() => new()
    {
        Id = "order-shipped",
        DefaultLocale = "en",
        Locales = new Dictionary<string, IReadOnlyDictionary<string, TemplatePart>>
        {
            ["en"] = new Dictionary<string, TemplatePart>
            {
                ["default"] = new(Text: "Hi {{firstName}}, order {{orderId}} has shipped. {{brand.name}}", Subject: "Order {{orderId}} shipped"),
                ["email"] = new(Html: "<p>Hi {{firstName}}, order <b>{{orderId}}</b> has shipped.</p><p>{{brand.name}}</p>"),
                ["sms"] = new(Text: "{{brand.name}}: order {{orderId}} shipped. Help: {{brand.supportUrl}}"),
            },
            ["fr"] = new Dictionary<string, TemplatePart>
            {
                ["default"] = new(Text: "Bonjour {{firstName}}, la commande {{orderId}} est partie.", Subject: "Commande {{orderId}} expédiée"),
            },
            ["fr-CA"] = new Dictionary<string, TemplatePart>
            {
                ["default"] = new(Text: "Allô {{firstName}}, ta commande {{orderId}} est en route.", Subject: "Commande {{orderId}} en route"),
            },
            ["pt-BR"] = new Dictionary<string, TemplatePart>
            {
                ["default"] = new(Text: "Olá {{firstName}}, o pedido {{orderId}} foi enviado.", Subject: "Pedido {{orderId}} enviado"),
            },
        },
    };

    private static MessageContentRequest ByTemplate(string id, string? locale = null, string data = """{"firstName":"Zoë","orderId":"A-17"}""") => new()
    {
        Template = new TemplateReference { Id = id, Locale = locale, Data = JsonDocument.Parse(data).RootElement.Clone() },
    };

    // ------------------------------------------------------------------ inline

    public static TheoryData<string, Channel, string?, string?, string?> InlineCases => new()
    {
        // content JSON, channel, expected text, subject, html
        { """{"text":"Hello","subject":"Hi","html":"<p>Hello</p>"}""", Channel.Email, "Hello", "Hi", "<p>Hello</p>" },
        { """{"text":"Hello","subject":"Hi","html":"<p>Hello</p>"}""", Channel.Sms, "Hello", null, null },
        { """{"text":"Hello","subject":"Hi","html":"<p>Hello</p>"}""", Channel.Push, "Hello", "Hi", null },
        { """{"text":"Hello","subject":"Hi","html":"<p>Hello</p>"}""", Channel.InApp, "Hello", "Hi", "<p>Hello</p>" },
        // The override wins field by field; missing fields come from the top level.
        { """{"text":"Long","subject":"Hi","channels":{"sms":{"text":"Short"}}}""", Channel.Sms, "Short", null, null },
        { """{"text":"Long","subject":"Hi","channels":{"email":{"subject":"Other"}}}""", Channel.Email, "Long", "Other", null },
        { """{"text":"Long","subject":"Hi","channels":{"SMS":{"text":"Short"}}}""", Channel.Sms, "Short", null, null },
        // Inline content is literal: no templating, no escaping.
        { """{"text":"{{brand.name}} <b>&","subject":"S"}""", Channel.Email, "{{brand.name}} <b>&", "S", null },
    };

    [Theory]
    [MemberData(nameof(InlineCases))]
    public void Compose_Inline_OverridesWinFieldByField(string json, Channel channel, string? text, string? subject, string? html)
    {
        var content = JsonSerializer.Deserialize<MessageContentRequest>(json, StrictJson.Options)!;

        var result = Composer.Compose(content, null, null, [channel]);

        Assert.True(result.Succeeded, result.Failure?.Detail);
        Assert.Equal(new RenderedContent(text, subject, html), result.Channels[channel]);
        Assert.Null(result.Locale);
    }

    [Fact]
    public void Compose_InlineEmailWithoutSubject_DerivesOneFromTheBrandAndTheText()
    {
        var content = new MessageContentRequest { Text = "Your parcel arrives today.\nTrack it in the app." };

        var result = Composer.Compose(content, null, null, [Channel.Email, Channel.Sms]);

        Assert.True(result.Succeeded);
        Assert.Empty(result.Unusable);
        Assert.Equal(new RenderedContent("Your parcel arrives today.\nTrack it in the app.", "Acme & Sons: Your parcel arrives today.", null), result.Channels[Channel.Email]);
        Assert.Equal(new SubjectOrigin(null), result.DerivedSubjects[Channel.Email]);
        Assert.False(result.DerivedSubjects.ContainsKey(Channel.Sms));
    }

    [Fact]
    public void Compose_SecurityEmailWithoutSubject_KeepsTheCodeOutOfTheSubject()
    {
        var content = new MessageContentRequest { Text = "Your code is 482913" };

        var result = Composer.Compose(content, null, null, [Channel.Email], new ComposeOptions { WithholdBodyFromSubject = true });

        Assert.Equal("Acme & Sons: security message", result.Channels[Channel.Email].Subject);
        Assert.Equal("Your code is 482913", result.Channels[Channel.Email].Text);
    }

    [Fact]
    public void Compose_InlineHtmlEmailWithoutSubject_DerivesItFromTheReadableText()
    {
        var content = new MessageContentRequest { Html = "<style>p{color:red}</style><p>Your invoice&nbsp;is <b>ready</b>.</p>" };

        var result = Composer.Compose(content, null, null, [Channel.Email]);

        Assert.Equal("Acme & Sons: Your invoice is ready.", result.Channels[Channel.Email].Subject);
    }

    [Fact]
    public void Compose_EmailWithoutSubjectBrandOrText_IsMissingSubject()
    {
        var composer = new ContentComposer(BrandVariables.Empty);

        var result = composer.Compose(new MessageContentRequest { Html = "<img src=\"https://cdn.example.com/a.png\">" }, null, null, [Channel.Email]);

        Assert.Equal(ContentFailureReason.MissingSubject, result.Failure!.Reason);
    }

    [Fact]
    public void Compose_InlineHtmlOnly_IsUnusableForTextOnlyChannels_SayingWhy()
    {
        var content = new MessageContentRequest { Html = "<p>Hi</p>", Subject = "Hi" };

        var result = Composer.Compose(content, null, null, AllChannels);

        Assert.Equal([Channel.Email, Channel.InApp, Channel.Webhook], result.Channels.Keys.Order());
        Assert.All([Channel.Sms, Channel.WhatsApp, Channel.Push], c => Assert.Equal(ContentFailureReason.MissingBody, result.Unusable[c].Reason));
        Assert.Equal("sms carries text only and the content has only html.", result.Unusable[Channel.Sms].Detail);
    }

    [Fact]
    public void Compose_TemplateWithOnlyHtml_IsUnusableForSms_SayingWhy()
    {
        var template = new Template
        {
            Id = "t",
            DefaultLocale = "en",
            Locales = new Dictionary<string, IReadOnlyDictionary<string, TemplatePart>>
            {
                ["en"] = new Dictionary<string, TemplatePart> { ["default"] = new(Html: "<p>Hi</p>", Subject: "Hi") },
            },
        };

        var result = Composer.Compose(ByTemplate("t"), template, null, [Channel.Sms, Channel.Email]);

        Assert.Equal("sms carries text only and the template has only html for it.", result.Unusable[Channel.Sms].Detail);
        Assert.True(result.Channels.ContainsKey(Channel.Email));
    }

    [Fact]
    public void Compose_TemplateWithoutAnEmailSubject_UsesAnotherPartsSubject()
    {
        var template = new Template
        {
            Id = "t",
            DefaultLocale = "en",
            Locales = new Dictionary<string, IReadOnlyDictionary<string, TemplatePart>>
            {
                ["en"] = new Dictionary<string, TemplatePart>
                {
                    ["default"] = new(Text: "Order {{orderId}} has shipped."),
                    ["push"] = new(Subject: "Order {{orderId}} shipped"),
                },
            },
        };

        var result = Composer.Compose(ByTemplate("t"), template, null, [Channel.Email]);

        Assert.Equal("Order A-17 shipped", result.Channels[Channel.Email].Subject);
        Assert.Equal(new SubjectOrigin("push"), result.DerivedSubjects[Channel.Email]);
    }

    [Fact]
    public void Compose_EmailWithoutHtml_IsTextOnly()
    {
        var result = Composer.Compose(new MessageContentRequest { Text = "Body", Subject = "S" }, null, null, [Channel.Email]);

        Assert.Equal(new RenderedContent("Body", "S", null), result.Channels[Channel.Email]);
    }

    // ------------------------------------------------------------------ templates: locales

    [Theory]
    [InlineData("fr-CA", "en-GB", "fr-CA", "Allô Zoë, ta commande A-17 est en route.")]
    [InlineData("fr-BE", "en-GB", "fr", "Bonjour Zoë, la commande A-17 est partie.")]
    [InlineData(null, "pt-BR", "pt-BR", "Olá Zoë, o pedido A-17 foi enviado.")]
    [InlineData(null, "pt-PT", "en", "Hi Zoë, order A-17 has shipped. Acme & Sons")]
    [InlineData("de-DE", "fr-CA", "fr-CA", "Allô Zoë, ta commande A-17 est en route.")]
    [InlineData("FR-ca", null, "fr-CA", "Allô Zoë, ta commande A-17 est en route.")]
    [InlineData(null, null, "en", "Hi Zoë, order A-17 has shipped. Acme & Sons")]
    [InlineData("ja", "ko", "en", "Hi Zoë, order A-17 has shipped. Acme & Sons")]
    public void Compose_Template_PicksTheFirstLocaleOfTheChain(string? requestLocale, string? contactLocale, string expectedLocale, string expectedText)
    {
        var result = Composer.Compose(ByTemplate("order-shipped", requestLocale), OrderShipped(), contactLocale, [Channel.WhatsApp]);

        Assert.True(result.Succeeded, result.Failure?.Detail);
        Assert.Equal(expectedLocale, result.Locale);
        Assert.Equal(expectedText, result.Channels[Channel.WhatsApp].Text);
    }

    [Fact]
    public void Compose_TemplateWithoutAnyLocaleOfTheChain_FailsWithNoMatchingLocale()
    {
        // Only reachable with a template that breaks the rules (its default locale missing), e.g. edited in storage.
        var broken = OrderShipped() with { DefaultLocale = "de" };

        var result = Composer.Compose(ByTemplate("order-shipped", "ja"), broken with { Locales = new Dictionary<string, IReadOnlyDictionary<string, TemplatePart>> { ["it"] = OrderShipped().Locales["fr"] } }, "ko", [Channel.Sms]);

        Assert.False(result.Succeeded);
        Assert.Equal(ContentFailureReason.NoMatchingLocale, result.Failure!.Reason);
        Assert.Contains("ja → ko → de", result.Failure.Detail);
    }

    [Fact]
    public void Compose_MissingTemplate_FailsWithTemplateNotFound()
    {
        var result = Composer.Compose(ByTemplate("nope"), null, "en", [Channel.Sms, Channel.Email]);

        Assert.False(result.Succeeded);
        Assert.Equal(ContentFailureReason.TemplateNotFound, result.Failure!.Reason);
        Assert.Empty(result.Channels);
    }

    // ------------------------------------------------------------------ templates: parts, brand, escaping

    [Fact]
    public void Compose_Template_ChannelPartsWinAndFallBackToDefaultFieldByField()
    {
        var result = Composer.Compose(ByTemplate("order-shipped", "en"), OrderShipped(), null, [Channel.Email, Channel.Sms, Channel.Push]);

        var email = result.Channels[Channel.Email];
        Assert.Equal("Hi Zoë, order A-17 has shipped. Acme & Sons", email.Text);   // from default, not escaped
        Assert.Equal("Order A-17 shipped", email.Subject);                           // from default
        Assert.Equal("<p>Hi Zoë, order <b>A-17</b> has shipped.</p><p>Acme &amp; Sons</p>", email.Html); // own part, escaped
        Assert.Equal("Acme & Sons: order A-17 shipped. Help: https://help.example.com/?a=1&b=2", result.Channels[Channel.Sms].Text);
        Assert.Equal(new RenderedContent("Hi Zoë, order A-17 has shipped. Acme & Sons", "Order A-17 shipped"), result.Channels[Channel.Push]);
    }

    public static TheoryData<string, string, string, string> EscapingCases => new()
    {
        // source, data JSON, expected text rendering, expected html rendering
        { "{{v}}", """{"v":"<script>alert('x')</script>"}""", "<script>alert('x')</script>", "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" },
        { "{{v}}", """{"v":"Tom & \"Jerry\" `=`"}""", "Tom & \"Jerry\" `=`", "Tom &amp; &quot;Jerry&quot; &#x60;&#x3D;&#x60;" },
        { "{{{v}}}", """{"v":"<b>bold</b>"}""", "<b>bold</b>", "<b>bold</b>" },
        { "{{v}}", """{"v":"Zoë 😀 ✓"}""", "Zoë 😀 ✓", "Zoë 😀 ✓" },
        { "[{{missing}}][{{missing.deep}}]", "{}", "[][]", "[][]" },
        { "{{n}} {{d}} {{b}} {{#if zero}}yes{{else}}no{{/if}}", """{"n":42,"d":1.50,"b":true,"zero":0}""", "42 1.50 True no", "42 1.50 True no" },
        { "{{#each items}}{{name}}={{qty}};{{/each}}", """{"items":[{"name":"a","qty":1},{"name":"b","qty":2}]}""", "a=1;b=2;", "a=1;b=2;" }, // literal template text is never escaped
        { "{{brand.name}}|{{brand.Name}}|{{brand.social.twitter}}|{{brand.logoUrl}}", "{}", "Acme & Sons|Acme & Sons|@acme|https://cdn.example.com/logo.png", "Acme &amp; Sons|Acme &amp; Sons|@acme|https://cdn.example.com/logo.png" },
        // Brand wins over a 'brand' property in the data.
        { "{{brand.name}}", """{"brand":{"name":"Spoof"}}""", "Acme & Sons", "Acme &amp; Sons" },
    };

    [Theory]
    [MemberData(nameof(EscapingCases))]
    public void Compose_Template_EscapesHtmlPartsOnly(string source, string data, string expectedText, string expectedHtml)
    {
        var template = new Template
        {
            Id = "t",
            DefaultLocale = "en",
            Locales = new Dictionary<string, IReadOnlyDictionary<string, TemplatePart>>
            {
                ["en"] = new Dictionary<string, TemplatePart> { ["default"] = new(Text: source, Subject: "s", Html: source) },
            },
        };

        var result = Composer.Compose(ByTemplate("t", data: data), template, null, [Channel.Email, Channel.Sms]);

        Assert.True(result.Succeeded, result.Failure?.Detail);
        Assert.Equal(expectedText, result.Channels[Channel.Sms].Text);
        Assert.Equal(expectedText, result.Channels[Channel.Email].Text);
        Assert.Equal(expectedHtml, result.Channels[Channel.Email].Html);
    }

    [Fact]
    public void Compose_SubjectWithLineBreaksFromData_IsOneLine()
    {
        var result = Composer.Compose(ByTemplate("order-shipped", data: """{"orderId":"A\r\nBcc: x@example.com"}"""), OrderShipped(), null, [Channel.Email]);

        Assert.Equal("Order A Bcc: x@example.com shipped", result.Channels[Channel.Email].Subject);
    }

    [Theory]
    [InlineData("{{unknownHelper firstName}}")]
    [InlineData("{{> header}}")]
    [InlineData("{{> (lookup . 'x')}}")]
    [InlineData("{{> ../../../etc/passwd}}")]
    public void Compose_TemplateThatCannotRender_FailsWithRenderErrorWithoutThrowing(string source)
    {
        var template = new Template
        {
            Id = "t",
            DefaultLocale = "en",
            Locales = new Dictionary<string, IReadOnlyDictionary<string, TemplatePart>>
            {
                ["en"] = new Dictionary<string, TemplatePart> { ["sms"] = new(Text: source) },
            },
        };

        var result = Composer.Compose(ByTemplate("t"), template, null, [Channel.Sms]);

        Assert.False(result.Succeeded);
        Assert.Equal(ContentFailureReason.RenderError, result.Failure!.Reason);
        Assert.StartsWith("locales.en.sms.text:", result.Failure.Detail);
    }

    [Fact]
    public void Compose_TemplateRenderingEmptyText_IsUnusableForThatChannel()
    {
        var template = new Template
        {
            Id = "t",
            DefaultLocale = "en",
            Locales = new Dictionary<string, IReadOnlyDictionary<string, TemplatePart>>
            {
                ["en"] = new Dictionary<string, TemplatePart> { ["default"] = new(Text: "{{code}}", Subject: "{{title}}") },
            },
        };

        var result = Composer.Compose(ByTemplate("t", data: "{}"), template, null, [Channel.Sms, Channel.Email]);

        Assert.False(result.Succeeded);
        Assert.Equal(ContentFailureReason.MissingBody, result.Unusable[Channel.Sms].Reason);
        Assert.Equal(ContentFailureReason.MissingBody, result.Unusable[Channel.Email].Reason); // no text: no subject to derive either
        Assert.Equal(ContentFailureReason.MissingBody, result.Failure!.Reason); // the first candidate's reason
    }

    [Fact]
    public void Compose_RenderedTextLongerThanTheContract_FailsWithRenderError()
    {
        var template = new Template
        {
            Id = "t",
            DefaultLocale = "en",
            Locales = new Dictionary<string, IReadOnlyDictionary<string, TemplatePart>>
            {
                ["en"] = new Dictionary<string, TemplatePart> { ["default"] = new(Text: "{{#each items}}{{../filler}}{{/each}}") },
            },
        };
        var data = JsonSerializer.Serialize(new { filler = new string('x', 1000), items = Enumerable.Range(0, 20).ToArray() });

        var result = Composer.Compose(ByTemplate("t", data: data), template, null, [Channel.WhatsApp]);

        Assert.Equal(ContentFailureReason.RenderError, result.Failure!.Reason);
        Assert.Equal($"locales.en.default.text: the template's output passed {MessageRequestValidator.MaxTextLength} characters; rendering stopped.", result.Failure.Detail);
    }

    // ------------------------------------------------------------------ SMS budget

    [Theory]
    [InlineData(0, false)]
    [InlineData(3, true)]
    public void Compose_SmsOverBudget_IsShortenedAndReported(int budget, bool shortened)
    {
        var longText = string.Join(' ', Enumerable.Repeat("Your parcel is on its way.", 40));
        var content = new MessageContentRequest { Text = longText, Subject = "Parcel" };

        var result = Composer.Compose(content, null, null, [Channel.Sms, Channel.Email], new ComposeOptions { SmsSegmentBudget = budget });

        Assert.Equal(shortened, result.Sms!.Shortened);
        Assert.Equal(SmsSegmenter.Measure(longText).Segments, result.Sms.OriginalSegments);
        Assert.Equal(result.Sms.Text, result.Channels[Channel.Sms].Text);
        Assert.Equal(longText, result.Channels[Channel.Email].Text); // the budget is SMS-only
        if (shortened)
        {
            Assert.True(result.Sms.Measured.Segments <= budget);
            var kept = result.Channels[Channel.Sms].Text![..^3];
            Assert.EndsWith("...", result.Channels[Channel.Sms].Text);
            Assert.StartsWith(kept, longText);
            Assert.Equal(' ', longText[kept.Length]); // whole words only
        }
        else
        {
            Assert.Equal(longText, result.Channels[Channel.Sms].Text);
        }
    }

    [Fact]
    public void Compose_NoSmsCandidate_HasNoSmsSize()
    {
        var result = Composer.Compose(new MessageContentRequest { Text = "x", Subject = "y" }, null, null, [Channel.Email]);

        Assert.Null(result.Sms);
    }

    [Fact]
    public void Compose_NoChannels_Fails()
    {
        var result = Composer.Compose(new MessageContentRequest { Text = "x" }, null, null, []);

        Assert.Equal(ContentFailureReason.NoChannels, result.Failure!.Reason);
    }
}
