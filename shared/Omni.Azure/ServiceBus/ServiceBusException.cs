namespace Omni.Azure.ServiceBus;

/// <summary>
/// A failure detected on the client before anything was sent (such as a batch that is too large).
/// Failures reported by the service surface as <see cref="global::Azure.RequestFailedException"/>.
/// </summary>
public class ServiceBusException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ServiceBusException(string message, ServiceBusFailureReason reason, string? entityPath = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
        EntityPath = entityPath;
    }

    /// <summary>Why it failed.</summary>
    public ServiceBusFailureReason Reason { get; }

    /// <summary>The queue or topic involved.</summary>
    public string? EntityPath { get; }

    /// <summary>Always false: retrying the same call cannot succeed.</summary>
    public bool IsTransient => false;
}
