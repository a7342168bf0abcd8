namespace Omni.Azure.ServiceBus;

/// <summary>Why a <see cref="ServiceBusException"/> was thrown (values mirror the official enum).</summary>
public enum ServiceBusFailureReason
{
    /// <summary>Anything not listed below.</summary>
    GeneralError = 0,

    /// <summary>A message or batch is larger than <see cref="ServiceBusClientOptions.MaxMessageSizeInBytes"/>.</summary>
    MessageSizeExceeded = 4,
}
