namespace Omni.Core.Contacts;

/// <summary>
/// Field-level validation messages keyed by JSON path ("addresses.sms.value", "timeZone"), the shape of
/// <c>ValidationProblemDetails.errors</c>. Validation is a value, never an exception.
/// </summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }
        messages.Add(message);
    }

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}
