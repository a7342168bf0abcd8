namespace Omni.Azure.Communication.Email;

/// <summary>
/// The state of an email send operation: <see cref="NotStarted"/>, <see cref="Running"/>, <see cref="Succeeded"/>,
/// <see cref="Failed"/> or <see cref="Canceled"/>. Extensible: unknown values from the service are kept; comparison
/// ignores case.
/// </summary>
public readonly struct EmailSendStatus : IEquatable<EmailSendStatus>
{
    private readonly string? _value;

    /// <summary>Wraps a status string.</summary>
    public EmailSendStatus(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <summary>Queued, not yet processed.</summary>
    public static EmailSendStatus NotStarted { get; } = new("NotStarted");

    /// <summary>Being processed.</summary>
    public static EmailSendStatus Running { get; } = new("Running");

    /// <summary>Handed to the mail system (delivery is reported separately via Event Grid).</summary>
    public static EmailSendStatus Succeeded { get; } = new("Succeeded");

    /// <summary>Failed; see <see cref="EmailSendResult.Error"/>.</summary>
    public static EmailSendStatus Failed { get; } = new("Failed");

    /// <summary>Canceled.</summary>
    public static EmailSendStatus Canceled { get; } = new("Canceled");

    /// <summary>Whether no further change is expected.</summary>
    public bool IsTerminal => this == Succeeded || this == Failed || this == Canceled;

    /// <summary>Compares ignoring case.</summary>
    public static bool operator ==(EmailSendStatus left, EmailSendStatus right) => left.Equals(right);

    /// <summary>Compares ignoring case.</summary>
    public static bool operator !=(EmailSendStatus left, EmailSendStatus right) => !left.Equals(right);

    /// <summary>Wraps a status string.</summary>
    public static implicit operator EmailSendStatus(string value) => new(value);

    /// <inheritdoc />
    public bool Equals(EmailSendStatus other) => string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is EmailSendStatus other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_value);

    /// <inheritdoc />
    public override string ToString() => _value ?? string.Empty;
}
