using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Omni.Azure.Core;

namespace Omni.Azure.Communication.Email;

/// <summary>
/// Sends email through Azure Communication Services: <c>POST {endpoint}/emails:send</c> (202 + operation) and
/// <c>GET {endpoint}/emails/operations/{id}</c>. Transient failures (408, 429, 5xx, timeouts) are retried with
/// back-off, honouring <c>Retry-After</c>; others throw <see cref="RequestFailedException"/> with ACS's error code.
/// </summary>
public class EmailClient
{
    private readonly HttpPipeline _pipeline = null!;
    private readonly Uri _endpoint = null!;
    private readonly string _apiVersion = null!;

    /// <summary>Creates a client from <c>endpoint=https://...;accesskey=...</c>.</summary>
    public EmailClient(string connectionString)
        : this(connectionString, new EmailClientOptions())
    {
    }

    /// <summary>Creates a client from a connection string and options.</summary>
    /// <exception cref="FormatException">The connection string is malformed or incomplete.</exception>
    public EmailClient(string connectionString, EmailClientOptions? options)
        : this(CommunicationCredential.FromConnectionString(connectionString, out Uri endpoint), endpoint, options)
    {
    }

    /// <summary>Creates a client signing requests with an access key.</summary>
    public EmailClient(Uri endpoint, AzureKeyCredential keyCredential, EmailClientOptions? options = null)
        : this(CommunicationCredential.From(keyCredential), endpoint, options)
    {
    }

    /// <summary>Creates a client authenticating with Entra ID.</summary>
    public EmailClient(Uri endpoint, TokenCredential tokenCredential, EmailClientOptions? options = null)
        : this(CommunicationCredential.From(tokenCredential), endpoint, options)
    {
    }

    /// <summary>For mocking.</summary>
    protected EmailClient()
    {
    }

    private EmailClient(CommunicationCredential credential, Uri endpoint, EmailClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        options ??= new EmailClientOptions();
        _endpoint = CommunicationCredential.NormalizeEndpoint(endpoint);
        _apiVersion = options.ApiVersion;
        _pipeline = credential.BuildPipeline(options, options.TimeProvider);
    }

    /// <summary>
    /// Starts sending <paramref name="message"/>. <paramref name="operationId"/> goes out as <c>Operation-Id</c> and is
    /// the idempotency key: pass one derived from a stable message id so a redelivered queue message does not send twice.
    /// When omitted a new one is generated (and reused by the pipeline's own retries).
    /// </summary>
    /// <exception cref="RequestFailedException">ACS refused the request or it kept failing.</exception>
    public virtual async Task<EmailSendOperation> SendAsync(EmailMessage message, Guid? operationId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Recipients.To.Count == 0)
        {
            throw new ArgumentException("At least one To recipient is required.", nameof(message));
        }

        string id = (operationId ?? Guid.NewGuid()).ToString("D");
        byte[] body = JsonContent.Write(writer => WriteMessage(writer, message));

        using HttpMessage httpMessage = _pipeline.CreateMessage();
        Request request = httpMessage.Request;
        request.Method = RequestMethod.Post;
        request.Uri.Reset(_endpoint);
        request.Uri.AppendPath("/emails:send", false);
        request.Uri.AppendQuery("api-version", _apiVersion, true);
        request.Headers.SetValue("Operation-Id", id);
        request.Headers.SetValue("Accept", "application/json");
        request.SetJsonContent(body);

        await _pipeline.SendAsync(httpMessage, cancellationToken).ConfigureAwait(false);
        Response response = httpMessage.Response;
        if (response.Status != 202)
        {
            throw ResponseErrors.Create(response);
        }

        EmailSendResult result = ParseResult(response, fallbackId: id);
        Uri? location = response.Headers.TryGetValue("Operation-Location", out string? locationText) &&
            Uri.TryCreate(locationText, UriKind.Absolute, out Uri? parsed) ? parsed : null;
        return new EmailSendOperation(this, result, response, location, ReadRetryAfter(response));
    }

    /// <summary>The state of a send operation: <c>GET {endpoint}/emails/operations/{id}</c>.</summary>
    /// <exception cref="RequestFailedException">ACS refused the request (404 for an unknown id) or it kept failing.</exception>
    public virtual async Task<Response<EmailSendResult>> GetSendStatusAsync(string operationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operationId);

        using HttpMessage httpMessage = _pipeline.CreateMessage();
        Request request = httpMessage.Request;
        request.Method = RequestMethod.Get;
        request.Uri.Reset(_endpoint);
        request.Uri.AppendPath("/emails/operations/", false);
        request.Uri.AppendPath(operationId, true);
        request.Uri.AppendQuery("api-version", _apiVersion, true);
        request.Headers.SetValue("Accept", "application/json");

        await _pipeline.SendAsync(httpMessage, cancellationToken).ConfigureAwait(false);
        Response response = httpMessage.Response;
        if (response.Status != 200)
        {
            throw ResponseErrors.Create(response);
        }

        return Response.FromValue(ParseResult(response, fallbackId: operationId), response);
    }

    /// <summary>The poll delay ACS suggests in <c>retry-after</c> (seconds).</summary>
    internal static TimeSpan? ReadRetryAfter(Response response) =>
        response.Headers.TryGetValue("retry-after", out string? text) &&
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;

    private static void WriteMessage(Utf8JsonWriter writer, EmailMessage message)
    {
        writer.WriteStartObject();
        writer.WriteString("senderAddress", message.SenderAddress);

        writer.WriteStartObject("content");
        writer.WriteString("subject", message.Content.Subject);
        if (message.Content.PlainText is not null)
        {
            writer.WriteString("plainText", message.Content.PlainText);
        }

        if (message.Content.Html is not null)
        {
            writer.WriteString("html", message.Content.Html);
        }

        writer.WriteEndObject();

        writer.WriteStartObject("recipients");
        WriteAddresses(writer, "to", message.Recipients.To, always: true);
        WriteAddresses(writer, "cc", message.Recipients.CC, always: false);
        WriteAddresses(writer, "bcc", message.Recipients.BCC, always: false);
        writer.WriteEndObject();

        WriteAddresses(writer, "replyTo", message.ReplyTo, always: false);
        if (message.Headers.Count > 0)
        {
            writer.WriteStartObject("headers");
            foreach ((string name, string value) in message.Headers)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        writer.WriteBoolean("userEngagementTrackingDisabled", message.UserEngagementTrackingDisabled);
        writer.WriteEndObject();
    }

    private static void WriteAddresses(Utf8JsonWriter writer, string name, IList<EmailAddress> addresses, bool always)
    {
        if (addresses.Count == 0 && !always)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (EmailAddress address in addresses)
        {
            writer.WriteStartObject();
            writer.WriteString("address", address.Address);
            if (address.DisplayName is not null)
            {
                writer.WriteString("displayName", address.DisplayName);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static EmailSendResult ParseResult(Response response, string fallbackId)
    {
        BinaryData content = response.Content;
        if (content.ToMemory().IsEmpty)
        {
            return new EmailSendResult(fallbackId, EmailSendStatus.NotStarted);
        }

        using JsonDocument document = JsonDocument.Parse(content);
        JsonElement root = document.RootElement;
        string id = root.GetStringOrNull("id") ?? fallbackId;
        string? status = root.GetStringOrNull("status");
        ResponseError? error = null;
        if (root.TryGetPropertyIgnoreCase("error", out JsonElement errorElement) && errorElement.ValueKind == JsonValueKind.Object)
        {
            error = new ResponseError(errorElement.GetStringOrNull("code"), errorElement.GetStringOrNull("message"));
        }

        return new EmailSendResult(id, status is null ? EmailSendStatus.NotStarted : new EmailSendStatus(status), error);
    }
}
