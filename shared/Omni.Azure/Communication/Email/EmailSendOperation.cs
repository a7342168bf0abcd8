using Azure;

namespace Omni.Azure.Communication.Email;

/// <summary>
/// A send accepted by ACS and processed in the background. Poll it with <see cref="UpdateStatusAsync"/> (mind the
/// status rate limits and <see cref="RetryAfter"/>), or rely on the <c>EmailDeliveryReportReceived</c> event instead.
/// </summary>
public class EmailSendOperation
{
    private readonly EmailClient _client = null!;
    private Response? _rawResponse;

    /// <summary>Re-attaches to an operation started earlier (e.g. by id stored in the message log); call <see cref="UpdateStatusAsync"/> to learn its state.</summary>
    public EmailSendOperation(string id, EmailClient client)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(client);
        Id = id;
        _client = client;
    }

    internal EmailSendOperation(EmailClient client, EmailSendResult result, Response response, Uri? operationLocation, TimeSpan? retryAfter)
    {
        _client = client;
        Id = result.Id;
        Value = result;
        OperationLocation = operationLocation;
        RetryAfter = retryAfter;
        _rawResponse = response;
    }

    /// <summary>For mocking.</summary>
    protected EmailSendOperation()
    {
        Id = string.Empty;
    }

    /// <summary>The operation id (the <c>Operation-Id</c> sent, or the one ACS assigned).</summary>
    public virtual string Id { get; }

    /// <summary>The latest known result; null for a re-attached operation until <see cref="UpdateStatusAsync"/> is called.</summary>
    public virtual EmailSendResult? Value { get; private set; }

    /// <summary>The latest known status (<see cref="EmailSendStatus.NotStarted"/> when nothing is known yet).</summary>
    public virtual EmailSendStatus Status => Value?.Status ?? EmailSendStatus.NotStarted;

    /// <summary>Whether the operation reached Succeeded, Failed or Canceled.</summary>
    public virtual bool HasCompleted => Status.IsTerminal;

    /// <summary>The polling URL ACS returned in <c>Operation-Location</c>.</summary>
    public virtual Uri? OperationLocation { get; }

    /// <summary>How long ACS asked callers to wait before polling (from <c>retry-after</c>).</summary>
    public virtual TimeSpan? RetryAfter { get; private set; }

    /// <summary>The last HTTP response (null for a re-attached operation never polled).</summary>
    public virtual Response? GetRawResponse() => _rawResponse;

    /// <summary>Polls <c>GET {endpoint}/emails/operations/{id}</c> once and updates this operation.</summary>
    /// <exception cref="RequestFailedException">ACS refused the request or it kept failing.</exception>
    public virtual async Task<Response<EmailSendResult>> UpdateStatusAsync(CancellationToken cancellationToken = default)
    {
        Response<EmailSendResult> response = await _client.GetSendStatusAsync(Id, cancellationToken).ConfigureAwait(false);
        Value = response.Value;
        _rawResponse = response.GetRawResponse();
        RetryAfter = EmailClient.ReadRetryAfter(_rawResponse);
        return response;
    }
}
