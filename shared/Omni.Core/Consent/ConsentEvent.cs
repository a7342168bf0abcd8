using System.Text.Json.Serialization;
using Omni.Core.Contacts;

namespace Omni.Core.Consent;

[JsonConverter(typeof(JsonStringEnumConverter<ConsentState>))]
public enum ConsentState
{
    [JsonStringEnumMemberName("unknown")] Unknown,
    [JsonStringEnumMemberName("opted-in")] OptedIn,
    [JsonStringEnumMemberName("opted-out")] OptedOut,
}

/// <summary>Where a consent change came from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConsentSource>))]
public enum ConsentSource
{
    /// <summary>An app called the API (on the contact's behalf only when <see cref="ConsentEvent.ByContact"/>).</summary>
    [JsonStringEnumMemberName("api")] Api,
    /// <summary>The contact sent STOP/START/... on a channel.</summary>
    [JsonStringEnumMemberName("keyword")] Keyword,
    /// <summary>The contact submitted a form.</summary>
    [JsonStringEnumMemberName("form")] Form,
    /// <summary>A bulk import of existing records.</summary>
    [JsonStringEnumMemberName("import")] Import,
}

/// <summary>
/// One entry of the append-only consent history. <see cref="Channel"/> null means every channel, <see cref="Category"/>
/// null every category: a STOP on SMS is (sms, all categories); an unsubscribe link is (email, marketing).
/// </summary>
public sealed record ConsentEvent
{
    /// <summary>Unique and ordered with <see cref="At"/>; assigned by the store.</summary>
    public string Id { get; init; } = "";

    public Channel? Channel { get; init; }

    /// <summary>"transactional", "marketing", "security", "support" or a custom lower-case category.</summary>
    public string? Category { get; init; }

    /// <summary>OptedIn or OptedOut (Unknown is never recorded).</summary>
    public required ConsentState State { get; init; }

    public required ConsentSource Source { get; init; }

    /// <summary>True when the contact themself expressed it (keyword, form, or an app attesting the contact's own action).</summary>
    public bool ByContact { get; init; }

    /// <summary>What proves it: the keyword message, the form and its wording, the import batch.</summary>
    public required string Evidence { get; init; }

    /// <summary>Who recorded it: an app id, "contact", "import:batch-7".</summary>
    public required string Actor { get; init; }

    public required DateTimeOffset At { get; init; }
}
