namespace Omni.Core.Consent;

/// <summary>
/// The built-in consent categories. Without any recorded consent, transactional, security and support messages are implied by
/// the relationship with the contact; marketing and every custom category need an opt-in.
/// </summary>
public static class ConsentCategories
{
    public const string Transactional = "transactional";
    public const string Marketing = "marketing";
    public const string Security = "security";
    public const string Support = "support";

    /// <summary>
    /// Reserved: the legally required answers Omni itself sends to a keyword (STOP/START confirmation, HELP text), on the
    /// channel the contact wrote on. Apps may not use it (the API and the outbound queue refuse it); routing lets it through
    /// consent only on the forced channel, never caps it and ignores quiet hours (docs/inbound.md).
    /// </summary>
    public const string Compliance = "compliance";

    public static IReadOnlyList<string> BuiltIn { get; } = Array.AsReadOnly([Transactional, Marketing, Security, Support]);

    /// <summary>True for categories only Omni itself may use (<see cref="Compliance"/>).</summary>
    public static bool IsReserved(string? category) => string.Equals(category, Compliance, StringComparison.OrdinalIgnoreCase);

    /// <summary>True for the categories a contact's relationship implies consent to when nothing is recorded.</summary>
    internal static bool IsImpliedByRelationship(string category) =>
        string.Equals(category, Transactional, StringComparison.OrdinalIgnoreCase)
        || string.Equals(category, Security, StringComparison.OrdinalIgnoreCase)
        || string.Equals(category, Support, StringComparison.OrdinalIgnoreCase);
}
