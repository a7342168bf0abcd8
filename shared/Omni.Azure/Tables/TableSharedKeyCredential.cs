using System.Security.Cryptography;
using System.Text;

namespace Omni.Azure.Tables;

/// <summary>A storage account name and key, used to sign Table requests with Shared Key.</summary>
public class TableSharedKeyCredential
{
    private byte[] _key;

    /// <summary>Creates the credential.</summary>
    /// <param name="accountName">The storage account name.</param>
    /// <param name="accountKey">The account key, base64 as shown in the portal.</param>
    public TableSharedKeyCredential(string accountName, string accountKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountName);
        AccountName = accountName;
        _key = DecodeKey(accountKey);
    }

    /// <summary>The storage account name.</summary>
    public string AccountName { get; }

    /// <summary>Replaces the account key (after a key rotation); requests signed afterwards use the new key.</summary>
    public void SetAccountKey(string accountKey) => Volatile.Write(ref _key, DecodeKey(accountKey));

    /// <summary>Base64(HMAC-SHA256(key, UTF-8(stringToSign))).</summary>
    internal string ComputeSignature(string stringToSign)
    {
        var key = Volatile.Read(ref _key);
        var message = Encoding.UTF8.GetBytes(stringToSign);
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, message, hash);
        return Convert.ToBase64String(hash);
    }

    private static byte[] DecodeKey(string accountKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountKey);
        try
        {
            return Convert.FromBase64String(accountKey);
        }
        catch (FormatException e)
        {
            throw new ArgumentException("The account key must be base64, as shown in the storage account's access keys.", nameof(accountKey), e);
        }
    }
}
