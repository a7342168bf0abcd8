using System.Security.Cryptography;
using System.Text;

namespace Omni.Azure.Communication;

/// <summary>
/// The HMAC-SHA256 scheme Azure Communication Services uses for access-key authentication
/// (https://learn.microsoft.com/rest/api/communication/authentication):
/// <code>
/// x-ms-content-sha256 = Base64(SHA256(body))
/// StringToSign        = VERB + "\n" + PathAndQuery + "\n" + x-ms-date + ";" + Host + ";" + x-ms-content-sha256
/// Authorization       = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&amp;Signature=" + Base64(HMACSHA256(Base64Decode(accessKey), StringToSign))
/// </code>
/// </summary>
/// <remarks>Public so that a local stand-in for ACS can check signatures with the same code.</remarks>
public static class CommunicationHmacSignature
{
    /// <summary>The value of <c>SignedHeaders</c>, in signing order.</summary>
    public const string SignedHeaders = "x-ms-date;host;x-ms-content-sha256";

    /// <summary>Base64 SHA-256 of the exact request body bytes (an empty body gives <c>47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=</c>).</summary>
    public static string ComputeContentHash(ReadOnlySpan<byte> body) => Convert.ToBase64String(SHA256.HashData(body));

    /// <summary>Base64 HMAC-SHA256 of the UTF-8 <paramref name="value"/> keyed with the base64-decoded <paramref name="accessKey"/>.</summary>
    /// <exception cref="FormatException">The access key is not base64.</exception>
    public static string ComputeHmac(string accessKey, string value)
    {
        ArgumentNullException.ThrowIfNull(accessKey);
        ArgumentNullException.ThrowIfNull(value);
        byte[] key = Convert.FromBase64String(accessKey);
        return Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(value)));
    }

    /// <summary>The string to sign: <c>VERB\nPathAndQuery\nDate;Host;ContentHash</c>.</summary>
    /// <param name="method">HTTP method, upper case (<c>GET</c>, <c>POST</c>).</param>
    /// <param name="pathAndQuery">The percent-encoded path and query exactly as sent, e.g. <c>/sms?api-version=2021-03-07</c>.</param>
    /// <param name="date">The <c>x-ms-date</c> value (RFC 1123).</param>
    /// <param name="host">The URI authority: host, plus <c>:port</c> when not the scheme's default.</param>
    /// <param name="contentHash">The <c>x-ms-content-sha256</c> value.</param>
    public static string BuildStringToSign(string method, string pathAndQuery, string date, string host, string contentHash) =>
        $"{method}\n{pathAndQuery}\n{date};{host};{contentHash}";

    /// <summary>The full <c>Authorization</c> header value for a request to <paramref name="requestUri"/>.</summary>
    public static string CreateAuthorizationHeader(string accessKey, string method, Uri requestUri, string date, string contentHash)
    {
        ArgumentNullException.ThrowIfNull(requestUri);
        string stringToSign = BuildStringToSign(method, requestUri.PathAndQuery, date, requestUri.Authority, contentHash);
        return $"HMAC-SHA256 SignedHeaders={SignedHeaders}&Signature={ComputeHmac(accessKey, stringToSign)}";
    }
}
