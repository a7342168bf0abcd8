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

    public static IReadOnlyList<string> BuiltIn { get; } = Array.AsReadOnly([Transactional, Marketing, Security, Support]);

    /// <summary>True for the categories a contact's relationship implies consent to when nothing is recorded.</summary>
    internal static bool IsImpliedByRelationship(string category) =>
        string.Equals(category, Transactional, StringComparison.OrdinalIgnoreCase)
        || string.Equals(category, Security, StringComparison.OrdinalIgnoreCase)
        || string.Equals(category, Support, StringComparison.OrdinalIgnoreCase);
}
