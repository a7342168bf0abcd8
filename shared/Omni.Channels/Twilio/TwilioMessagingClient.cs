using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Omni.Channels.Twilio;

/// <summary>
/// The one Twilio call Omni makes: create a message,
/// <c>POST {BaseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json</c>, form-encoded <c>To</c>, <c>From</c> or
/// <c>MessagingServiceSid</c>, <c>Body</c> and (optionally) <c>StatusCallback</c>, with HTTP Basic auth
/// <c>AccountSid:AuthToken</c>. Returns every HTTP answer as a <see cref="TwilioResponse"/>; transport failures
/// (DNS, connection, timeout) surface as exceptions for the caller to classify. Twilio has no idempotency key for this
/// call: the caller decides whether a retry is safe.
/// </summary>
public class TwilioMessagingClient
{
    private readonly HttpClient _httpClient = null!;
    private readonly TwilioOptions _options = null!;

    /// <summary>Creates a client over <paramref name="httpClient"/> (whose handler owns connections and TLS).</summary>
    /// <exception cref="ArgumentException">The options lack the account, token or a sender.</exception>
    public TwilioMessagingClient(TwilioOptions options, HttpClient httpClient)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClient);
        if (!options.IsConfigured)
        {
            throw new ArgumentException("Twilio AccountSid, AuthToken and From or MessagingServiceSid are required.", nameof(options));
        }

        _options = options;
        _httpClient = httpClient;
    }

    /// <summary>For mocking.</summary>
    protected TwilioMessagingClient()
    {
    }

    /// <summary>Creates a message to <paramref name="to"/>, with the plain <see cref="TwilioOptions.StatusCallbackUrl"/> (no Omni hints).</summary>
    /// <exception cref="HttpRequestException">The connection failed (inspect <see cref="HttpRequestException.HttpRequestError"/>).</exception>
    /// <exception cref="TaskCanceledException">The call timed out after <see cref="TwilioOptions.Timeout"/>, or was cancelled.</exception>
    public virtual Task<TwilioResponse> CreateMessageAsync(string to, string body, CancellationToken cancellationToken = default) =>
        SendAsync(to, body, _options.StatusCallbackUrl, cancellationToken);

    /// <summary>
    /// Creates a message to <paramref name="to"/> for step <paramref name="step"/> of Omni message
    /// <paramref name="messageId"/>: the status callback is <see cref="TwilioOptions.StatusCallbackUrlFor"/>, so a callback
    /// names the Omni message and step even when this call's answer is lost.
    /// </summary>
    /// <exception cref="HttpRequestException">The connection failed (inspect <see cref="HttpRequestException.HttpRequestError"/>).</exception>
    /// <exception cref="TaskCanceledException">The call timed out after <see cref="TwilioOptions.Timeout"/>, or was cancelled.</exception>
    public virtual Task<TwilioResponse> CreateMessageAsync(string to, string body, string messageId, int step, CancellationToken cancellationToken = default) =>
        SendAsync(to, body, _options.StatusCallbackUrlFor(messageId, step), cancellationToken);

    private async Task<TwilioResponse> SendAsync(string to, string body, string? statusCallback, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(to);
        ArgumentNullException.ThrowIfNull(body);

        var fields = new List<KeyValuePair<string, string>> { new("To", to) };
        if (!string.IsNullOrWhiteSpace(_options.MessagingServiceSid))
        {
            fields.Add(new("MessagingServiceSid", _options.MessagingServiceSid));
        }
        else
        {
            fields.Add(new("From", _options.From!));
        }

        fields.Add(new("Body", body));
        if (statusCallback is { } callback)
        {
            fields.Add(new("StatusCallback", callback));
        }

        string url = _options.BaseUrl.AbsoluteUri.TrimEnd('/') +
            $"/2010-04-01/Accounts/{Uri.EscapeDataString(_options.AccountSid!)}/Messages.json";
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_options.AccountSid}:{_options.AuthToken}")));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        using HttpResponseMessage response = await _httpClient.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token)
            .ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        return TwilioResponse.Parse(response, text);
    }
}

/// <summary>Twilio's answer to a create-message call: the message resource on 2xx, the error document otherwise.</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Message">The message resource (2xx with a JSON body).</param>
/// <param name="Error">Twilio's error document (<c>code</c>, <c>message</c>, <c>more_info</c>, <c>status</c>), when present.</param>
/// <param name="RetryAfterHeader">The raw <c>Retry-After</c> header, when present.</param>
public sealed record TwilioResponse(HttpStatusCode StatusCode, TwilioMessage? Message, TwilioError? Error, string? RetryAfterHeader)
{
    /// <summary>True for 2xx.</summary>
    public bool IsSuccess => (int)StatusCode is >= 200 and < 300;

    internal static TwilioResponse Parse(HttpResponseMessage response, string body)
    {
        string? retryAfter = response.Headers.TryGetValues("Retry-After", out IEnumerable<string>? values) ? values.FirstOrDefault() : null;
        TwilioMessage? message = null;
        TwilioError? error = null;
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(body);
                JsonElement root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    if (response.IsSuccessStatusCode)
                    {
                        message = TwilioMessage.From(root);
                    }
                    else
                    {
                        error = TwilioError.From(root);
                    }
                }
            }
            catch (JsonException)
            {
                // A proxy's HTML error page: the status code alone decides.
            }
        }

        return new TwilioResponse(response.StatusCode, message, error, retryAfter);
    }
}

/// <summary>The fields of Twilio's Message resource Omni reads.</summary>
/// <param name="Sid">The message SID (<c>SM…</c>/<c>MM…</c>), matched by status callbacks.</param>
/// <param name="Status"><c>queued</c>, <c>accepted</c>, <c>sending</c>, <c>sent</c>, <c>failed</c>, …</param>
/// <param name="NumSegments">Segments (Twilio sends it as a string).</param>
/// <param name="Price">Twilio's price, negative for charges (usually null until sent).</param>
/// <param name="PriceUnit">ISO 4217 currency of <paramref name="Price"/>.</param>
public sealed record TwilioMessage(string? Sid, string? Status, int? NumSegments, decimal? Price, string? PriceUnit, int? ErrorCode, string? ErrorMessage)
{
    internal static TwilioMessage From(JsonElement root) => new(
        Text(root, "sid"),
        Text(root, "status"),
        Int(root, "num_segments"),
        Decimal(root, "price"),
        Text(root, "price_unit"),
        Int(root, "error_code"),
        Text(root, "error_message"));

    internal static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    internal static int? Int(JsonElement root, string name) =>
        int.TryParse(Text(root, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) ? parsed : null;

    internal static decimal? Decimal(JsonElement root, string name) =>
        decimal.TryParse(Text(root, name), NumberStyles.Float, CultureInfo.InvariantCulture, out decimal parsed) ? parsed : null;
}

/// <summary>Twilio's error document: <c>{"code":21211,"message":"…","more_info":"https://www.twilio.com/docs/errors/21211","status":400}</c>.</summary>
/// <param name="Message">Twilio's text; may echo the recipient's number, so sanitise before logging or storing it.</param>
public sealed record TwilioError(int? Code, string? Message, string? MoreInfo, int? Status)
{
    internal static TwilioError From(JsonElement root) => new(
        TwilioMessage.Int(root, "code"),
        TwilioMessage.Text(root, "message"),
        TwilioMessage.Text(root, "more_info"),
        TwilioMessage.Int(root, "status"));
}
