namespace Omni.Storage.Contacts;

/// <summary>Settings of <see cref="TableContactStore"/>.</summary>
public sealed class TableContactStoreOptions
{
    /// <summary>The table holding profiles and consent rows (PartitionKey = contact id).</summary>
    public string ContactsTableName { get; init; } = "contacts";

    /// <summary>The table mapping (channel, address hash) to the contact id.</summary>
    public string AddressIndexTableName { get; init; } = "addressindex";

    /// <summary>
    /// How long a fresh address claim protects a writer that has claimed the address but not yet written its profile.
    /// An index entry whose contact does not (yet) hold the address is only taken over once it is older than this.
    /// </summary>
    public TimeSpan AddressClaimLease { get; init; } = TimeSpan.FromMinutes(2);
}
