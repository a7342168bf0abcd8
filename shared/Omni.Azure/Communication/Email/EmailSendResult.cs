using Azure;

namespace Omni.Azure.Communication.Email;

/// <summary>The state of an email send operation as ACS reports it.</summary>
public class EmailSendResult
{
    /// <summary>Creates a result (for tests and mocks).</summary>
    public EmailSendResult(string id, EmailSendStatus status, ResponseError? error = null)
    {
        Id = id;
        Status = status;
        Error = error;
    }

    /// <summary>The operation id.</summary>
    public string Id { get; }

    /// <summary>The operation's status.</summary>
    public EmailSendStatus Status { get; }

    /// <summary>Why the operation failed, when it did (e.g. code <c>EmailDropped</c>).</summary>
    public ResponseError? Error { get; }
}
