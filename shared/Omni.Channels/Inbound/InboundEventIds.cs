using System.Security.Cryptography;
using System.Text;

namespace Omni.Channels.Inbound;

/// <summary>Builds <see cref="Omni.Core.Messages.InboundEvent.Id"/> values that are valid Service Bus MessageIds.</summary>
public static class InboundEventIds
{
    /// <summary>Service Bus refuses a MessageId longer than this.</summary>
    public const int MaxLength = 128;

    /// <summary>
    /// "{provider}:{part}:{part}…". An id over <see cref="MaxLength"/> characters becomes "{provider}:h:{SHA-256 hex of the
    /// full id}": still stable across the provider's retries, so duplicate detection keeps working.
    /// </summary>
    public static string Create(string provider, params string[] parts)
    {
        var id = provider + ":" + string.Join(':', parts);
        return id.Length <= MaxLength
            ? id
            : provider + ":h:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
    }
}
