using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Omni.Core.Consent;
using Omni.Core.Contacts;
using Omni.Core.Content;
using Omni.Core.Messages;
using Omni.Storage.Contacts;
using Omni.Storage.Messages;
using Omni.Storage.Templates;

namespace Omni.Storage.Tests.Json;

/// <summary>
/// The stored JSON (message records, contacts, consent, templates) is written and read through source-generated metadata
/// only, and the bytes are the ones the reflection resolver wrote with the same options (stored data stays readable).
/// </summary>
public class StorageJsonSourceGenerationTests
{
    public static TheoryData<string> Holders() => ["MessageRecordJson", "ContactJson", "TemplateJson"];

    [Theory]
    [MemberData(nameof(Holders))]
    public void OptionHolder_ResolvesItsDocumentsFromAGeneratedContext(string name)
    {
        var (options, types) = name switch
        {
            "MessageRecordJson" => (MessageRecordJson.Options, new[] { typeof(MessageRecord) }),
            "ContactJson" => (ContactJson.Options, ContactJson.DocumentTypes),
            "TemplateJson" => (TemplateJson.Options, TemplateJson.DocumentTypes),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

        Assert.IsAssignableFrom<JsonSerializerContext>(options.TypeInfoResolver);
        options.MakeReadOnly(); // as on first use: type infos are then the cached, configured ones
        Assert.NotEmpty(types);
        foreach (var type in types)
        {
            Assert.IsAssignableFrom<JsonSerializerContext>(options.GetTypeInfo(type).OriginatingResolver);
        }
        Assert.Throws<NotSupportedException>(() => JsonSerializer.Serialize(new Uri("https://example.com"), options));
    }

    [Fact]
    public void MessageRecord_SameStoredJsonAsReflection_HtmlNotEscaped()
    {
        var at = DateTimeOffset.Parse("2025-02-03T04:05:06.789+00:00");
        var record = new MessageRecord
        {
            Id = "m-1",
            Request = new MessageRequest { ContactId = "c-1", Content = new MessageContentRequest { Subject = "Grüße", Html = "<p class=\"x\">Tom & Jerry</p>" } },
            Status = MessageStatus.Delivered,
            AcceptedAt = at,
            UpdatedAt = at,
            Content = new Dictionary<Channel, RenderedContent> { [Channel.Email] = new("t", "Grüße", "<p>é</p>"), [Channel.InApp] = new("t") },
            Attempts = [new MessageAttempt { Step = 0, Channel = Channel.Email, Status = AttemptStatus.Delivered, Cost = 0.00025m, StartedAt = at }],
        };
        var reflected = new JsonSerializerOptions(MessageRecordJson.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

        var json = MessageRecordJson.Serialize(record);

        Assert.Equal(JsonSerializer.Serialize(record, reflected), json);
        Assert.Contains("<p class=\\\"x\\\">Tom & Jerry</p>", json);
        Assert.Contains("\"inapp\":", json); // enum-keyed map: the wire name
        Assert.Equal(json, MessageRecordJson.Serialize(MessageRecordJson.Deserialize(json)));
    }

    [Fact]
    public void Contact_AndConsent_RoundTripThroughTheGeneratedDocuments()
    {
        var at = DateTimeOffset.Parse("2025-02-03T04:05:06+02:00");
        var contact = new Contact
        {
            Id = "c-1", DisplayName = "Zoë <Admin>", Locale = "de-DE", TimeZone = "Europe/Berlin",
            QuietHours = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 30)),
            PreferredChannels = [Channel.WhatsApp, Channel.Sms], Tags = ["vip"],
            Addresses = new Dictionary<Channel, ContactAddress>
            {
                [Channel.Sms] = new("+447400123456", new AddressSuppression("STOP", at)),
                [Channel.Email] = new("zoe@example.com", null),
            },
            CreatedAt = at, UpdatedAt = at.AddHours(1),
        };

        var json = ContactJson.SerializeContact(contact);
        var back = ContactJson.DeserializeContact(json);

        Assert.Equal(json, ContactJson.SerializeContact(back));
        // Default escaping (non-ASCII and HTML characters), as stored before source generation.
        Assert.StartsWith("""{"id":"c-1","displayName":"Zo\u00EB \u003CAdmin\u003E","locale":"de-DE","timeZone":"Europe/Berlin","quietHours":{"start":"22:00","end":"07:30"},"preferredChannels":["whatsapp","sms"]""", json);
        Assert.DoesNotContain("\"suppression\":null", json);

        var consent = new ConsentEvent
        {
            Id = "e-1", Channel = Channel.Sms, Category = "marketing", State = ConsentState.OptedOut, Source = ConsentSource.Keyword,
            ByContact = true, Evidence = "STOP", Actor = "contact", At = at,
        };
        var consentJson = ContactJson.SerializeConsent(consent);
        Assert.Equal(consent, ContactJson.DeserializeConsent(consentJson, "e-1"));
        Assert.Contains("\"state\":", consentJson);
    }

    [Fact]
    public void Template_RoundTripsWithHtmlUnescaped()
    {
        var at = DateTimeOffset.Parse("2025-02-03T04:05:06Z");
        var template = new Template
        {
            Id = "welcome", DefaultLocale = "en", Description = null, CreatedAt = at, UpdatedAt = at,
            Locales = new Dictionary<string, IReadOnlyDictionary<string, TemplatePart>>
            {
                ["en"] = new Dictionary<string, TemplatePart> { ["email"] = new("Hi {{name}}", "Welcome", "<h1>Hi & welcome</h1>") },
            },
        };

        var json = TemplateJson.Serialize(template);
        var text = Encoding.UTF8.GetString(json);

        Assert.Contains("<h1>Hi & welcome</h1>", text);
        Assert.DoesNotContain("\"description\"", text);
        Assert.Equal(text, Encoding.UTF8.GetString(TemplateJson.Serialize(TemplateJson.Deserialize(json))));
    }
}
