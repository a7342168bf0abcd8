using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Omni.Azure.Core;

namespace Omni.Azure.Communication.Messages;

/// <summary>
/// Sends WhatsApp notifications through ACS Advanced Messaging: <c>POST {endpoint}/messages/notifications:send</c>.
/// Every send carries <c>Repeatability-Request-ID</c>/<c>Repeatability-First-Sent</c> so retries execute at most
/// once. Transient failures (408, 429, 5xx, timeouts) are retried with back-off, honouring <c>Retry-After</c>;
/// others throw <see cref="RequestFailedException"/> with ACS's error code.
/// </summary>
public class NotificationMessagesClient
{
    private readonly HttpPipeline _pipeline = null!;
    private readonly Uri _endpoint = null!;
    private readonly string _apiVersion = null!;
    private readonly TimeProvider _timeProvider = null!;

    /// <summary>Creates a client from <c>endpoint=https://...;accesskey=...</c>.</summary>
    public NotificationMessagesClient(string connectionString)
        : this(connectionString, new CommunicationMessagesClientOptions())
    {
    }

    /// <summary>Creates a client from a connection string and options.</summary>
    /// <exception cref="FormatException">The connection string is malformed or incomplete.</exception>
    public NotificationMessagesClient(string connectionString, CommunicationMessagesClientOptions? options)
        : this(CommunicationCredential.FromConnectionString(connectionString, out Uri endpoint), endpoint, options)
    {
    }

    /// <summary>Creates a client signing requests with an access key.</summary>
    public NotificationMessagesClient(Uri endpoint, AzureKeyCredential keyCredential, CommunicationMessagesClientOptions? options = null)
        : this(CommunicationCredential.From(keyCredential), endpoint, options)
    {
    }

    /// <summary>Creates a client authenticating with Entra ID.</summary>
    public NotificationMessagesClient(Uri endpoint, TokenCredential tokenCredential, CommunicationMessagesClientOptions? options = null)
        : this(CommunicationCredential.From(tokenCredential), endpoint, options)
    {
    }

    /// <summary>For mocking.</summary>
    protected NotificationMessagesClient()
    {
    }

    private NotificationMessagesClient(CommunicationCredential credential, Uri endpoint, CommunicationMessagesClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        options ??= new CommunicationMessagesClientOptions();
        _endpoint = CommunicationCredential.NormalizeEndpoint(endpoint);
        _apiVersion = options.ApiVersion;
        _timeProvider = options.TimeProvider;
        _pipeline = credential.BuildPipeline(options, options.TimeProvider);
    }

    /// <summary>Sends a notification with a fresh repeatability id.</summary>
    /// <exception cref="RequestFailedException">ACS refused the request or it kept failing.</exception>
    public virtual Task<Response<SendMessageResult>> SendAsync(NotificationContent content, CancellationToken cancellationToken = default) =>
        SendAsync(content, RepeatableRequest.CreateNew(_timeProvider), cancellationToken);

    /// <summary>
    /// Sends a notification under the given repeatability id: pass the same one when the same logical send is
    /// attempted again (e.g. a redelivered queue message) so that it is executed at most once.
    /// </summary>
    /// <exception cref="RequestFailedException">ACS refused the request or it kept failing.</exception>
    public virtual async Task<Response<SendMessageResult>> SendAsync(NotificationContent content, RepeatableRequest repeatability,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(repeatability);
        byte[] body = JsonContent.Write(content.Write);

        using HttpMessage httpMessage = _pipeline.CreateMessage();
        Request request = httpMessage.Request;
        request.Method = RequestMethod.Post;
        request.Uri.Reset(_endpoint);
        request.Uri.AppendPath("/messages/notifications:send", false);
        request.Uri.AppendQuery("api-version", _apiVersion, true);
        request.Headers.SetValue("Repeatability-Request-ID", repeatability.RequestId.ToString("D"));
        request.Headers.SetValue("Repeatability-First-Sent", HttpDate.Format(repeatability.FirstSent));
        request.Headers.SetValue("Accept", "application/json");
        request.SetJsonContent(body);

        await _pipeline.SendAsync(httpMessage, cancellationToken).ConfigureAwait(false);
        Response response = httpMessage.Response;
        if (response.Status != 202)
        {
            throw ResponseErrors.Create(response);
        }

        return Response.FromValue(ParseResult(response), response);
    }

    private static SendMessageResult ParseResult(Response response)
    {
        using JsonDocument document = JsonDocument.Parse(response.Content);
        var receipts = new List<MessageReceipt>();
        if (document.RootElement.TryGetPropertyIgnoreCase("receipts", out JsonElement items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in items.EnumerateArray())
            {
                receipts.Add(new MessageReceipt(item.GetStringOrNull("messageId") ?? string.Empty, item.GetStringOrNull("to") ?? string.Empty));
            }
        }

        return new SendMessageResult(receipts);
    }
}
