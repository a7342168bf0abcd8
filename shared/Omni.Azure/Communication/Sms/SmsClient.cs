using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Omni.Azure.Core;

namespace Omni.Azure.Communication.Sms;

/// <summary>
/// Sends SMS through Azure Communication Services: <c>POST {endpoint}/sms?api-version=2021-03-07</c>.
/// Transient failures (408, 429, 5xx, timeouts) are retried with back-off, honouring <c>Retry-After</c>;
/// other failures of the whole request throw <see cref="RequestFailedException"/> with ACS's error code.
/// </summary>
public class SmsClient
{
    private const int MaxRecipients = 100;

    private readonly HttpPipeline _pipeline = null!;
    private readonly Uri _endpoint = null!;
    private readonly string _apiVersion = null!;
    private readonly TimeProvider _timeProvider = null!;

    /// <summary>Creates a client from <c>endpoint=https://...;accesskey=...</c>.</summary>
    public SmsClient(string connectionString)
        : this(connectionString, new SmsClientOptions())
    {
    }

    /// <summary>Creates a client from a connection string and options.</summary>
    /// <exception cref="FormatException">The connection string is malformed or incomplete.</exception>
    public SmsClient(string connectionString, SmsClientOptions? options)
        : this(CommunicationCredential.FromConnectionString(connectionString, out Uri endpoint), endpoint, options)
    {
    }

    /// <summary>Creates a client signing requests with an access key.</summary>
    public SmsClient(Uri endpoint, AzureKeyCredential keyCredential, SmsClientOptions? options = null)
        : this(CommunicationCredential.From(keyCredential), endpoint, options)
    {
    }

    /// <summary>Creates a client authenticating with Entra ID.</summary>
    public SmsClient(Uri endpoint, TokenCredential tokenCredential, SmsClientOptions? options = null)
        : this(CommunicationCredential.From(tokenCredential), endpoint, options)
    {
    }

    /// <summary>For mocking.</summary>
    protected SmsClient()
    {
    }

    private SmsClient(CommunicationCredential credential, Uri endpoint, SmsClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        options ??= new SmsClientOptions();
        _endpoint = CommunicationCredential.NormalizeEndpoint(endpoint);
        _apiVersion = options.ApiVersion;
        _timeProvider = options.TimeProvider;
        _pipeline = credential.BuildPipeline(options, options.TimeProvider);
    }

    /// <summary>Sends <paramref name="message"/> from <paramref name="from"/> to one recipient.</summary>
    /// <exception cref="RequestFailedException">ACS refused the whole request, or it kept failing.</exception>
    public virtual async Task<Response<SmsSendResult>> SendAsync(string from, string to, string message,
        SmsSendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(to);
        Response<IReadOnlyList<SmsSendResult>> response =
            await SendAsync(from, new[] { to }, message, options, cancellationToken).ConfigureAwait(false);
        if (response.Value.Count == 0)
        {
            throw new RequestFailedException(response.GetRawResponse().Status, "ACS accepted the request but returned no per-recipient result.");
        }

        return Response.FromValue(response.Value[0], response.GetRawResponse());
    }

    /// <summary>Sends <paramref name="message"/> to up to 100 recipients in one request; one result per recipient.</summary>
    /// <exception cref="RequestFailedException">ACS refused the whole request, or it kept failing.</exception>
    public virtual async Task<Response<IReadOnlyList<SmsSendResult>>> SendAsync(string from, IEnumerable<string> to, string message,
        SmsSendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(message);
        string[] recipients = to.ToArray();
        if (recipients.Length is 0 or > MaxRecipients)
        {
            throw new ArgumentException($"Between 1 and {MaxRecipients} recipients are required.", nameof(to));
        }

        if (recipients.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Recipients must not be empty.", nameof(to));
        }

        RepeatableRequest repeatability = options?.Repeatability ?? RepeatableRequest.CreateNew(_timeProvider);
        byte[] body = JsonContent.Write(writer => WriteRequest(writer, from, recipients, message, options, repeatability));

        using HttpMessage httpMessage = _pipeline.CreateMessage();
        Request request = httpMessage.Request;
        request.Method = RequestMethod.Post;
        request.Uri.Reset(_endpoint);
        request.Uri.AppendPath("/sms", escape: false);
        request.Uri.AppendQuery("api-version", _apiVersion, true);
        request.Headers.SetValue("Accept", "application/json");
        request.SetJsonContent(body);

        await _pipeline.SendAsync(httpMessage, cancellationToken).ConfigureAwait(false);
        Response response = httpMessage.Response;
        if (response.Status != 202)
        {
            throw ResponseErrors.Create(response);
        }

        return Response.FromValue(ParseResults(response), response);
    }

    /// <summary>
    /// The repeatability id for one recipient: the caller's id for a single recipient; for several, a stable
    /// per-recipient id (a name-based UUID over the caller's id and the number) so that ids never repeat within a request.
    /// </summary>
    internal static Guid RecipientRequestId(Guid requestId, string to, int recipientCount)
    {
        if (recipientCount == 1)
        {
            return requestId;
        }

        Span<byte> input = stackalloc byte[16 + Encoding.UTF8.GetMaxByteCount(to.Length)];
        requestId.TryWriteBytes(input, bigEndian: true, out _);
        int length = 16 + Encoding.UTF8.GetBytes(to, input[16..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input[..length], hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8 (custom, RFC 9562)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(hash[..16], bigEndian: true);
    }

    private static void WriteRequest(Utf8JsonWriter writer, string from, string[] recipients, string message,
        SmsSendOptions? options, RepeatableRequest repeatability)
    {
        writer.WriteStartObject();
        writer.WriteString("from", from);
        writer.WriteStartArray("smsRecipients");
        foreach (string recipient in recipients)
        {
            writer.WriteStartObject();
            writer.WriteString("to", recipient);
            writer.WriteString("repeatabilityRequestId", RecipientRequestId(repeatability.RequestId, recipient, recipients.Length).ToString("D"));
            writer.WriteString("repeatabilityFirstSent", HttpDate.Format(repeatability.FirstSent));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("message", message);
        if (options is not null)
        {
            writer.WriteStartObject("smsSendOptions");
            writer.WriteBoolean("enableDeliveryReport", options.EnableDeliveryReport);
            if (options.Tag is not null)
            {
                writer.WriteString("tag", options.Tag);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static IReadOnlyList<SmsSendResult> ParseResults(Response response)
    {
        using JsonDocument document = JsonDocument.Parse(response.Content);
        if (!document.RootElement.TryGetPropertyIgnoreCase("value", out JsonElement items) || items.ValueKind != JsonValueKind.Array)
        {
            throw new RequestFailedException(response.Status, "The SMS response has no 'value' array.");
        }

        var results = new List<SmsSendResult>(items.GetArrayLength());
        foreach (JsonElement item in items.EnumerateArray())
        {
            int status = item.TryGetPropertyIgnoreCase("httpStatusCode", out JsonElement code) && code.TryGetInt32(out int parsed) ? parsed : 0;
            bool successful = item.TryGetPropertyIgnoreCase("successful", out JsonElement ok) && ok.ValueKind == JsonValueKind.True;
            results.Add(new SmsSendResult(
                item.GetStringOrNull("to") ?? string.Empty,
                item.GetStringOrNull("messageId"),
                status,
                successful,
                item.GetStringOrNull("errorMessage"),
                item.GetStringOrNull("repeatabilityResult")));
        }

        return results;
    }
}
