namespace Omni.Azure.Communication.Email;

/// <summary>An email address with an optional display name.</summary>
public class EmailAddress
{
    /// <summary>Creates an address.</summary>
    public EmailAddress(string address, string? displayName = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        Address = address;
        DisplayName = displayName;
    }

    /// <summary>The address, e.g. <c>jane@contoso.com</c>.</summary>
    public string Address { get; }

    /// <summary>The name shown to recipients.</summary>
    public string? DisplayName { get; }
}
