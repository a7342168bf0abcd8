using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Omni.Azure.Core;

namespace Omni.Azure.Communication;

/// <summary>How an ACS client authenticates: an access key (HMAC) or an Entra ID token.</summary>
internal sealed class CommunicationCredential
{
    /// <summary>
    /// The endpoint without a trailing slash on a non-root path, so that appending "/sms" to an endpoint with a path prefix
    /// (a gateway or the DevHost sandbox: "http://127.0.0.1:7071/_sandbox/acs/") gives one slash, not two.
    /// </summary>
    public static Uri NormalizeEndpoint(Uri endpoint) =>
        endpoint.AbsolutePath.Length > 1 && endpoint.AbsolutePath.EndsWith('/')
            ? new UriBuilder(endpoint) { Path = endpoint.AbsolutePath.TrimEnd('/') }.Uri
            : endpoint;

    /// <summary>
    /// The scope the official ACS SDKs request. The double slash is deliberate: the SDKs append <c>/.default</c>
    /// to the resource <c>https://communication.azure.com/</c>, and that is the string the service is known to accept.
    /// </summary>
    public const string EntraScope = "https://communication.azure.com//.default";

    private readonly AzureKeyCredential? _key;
    private readonly TokenCredential? _token;

    private CommunicationCredential(AzureKeyCredential? key, TokenCredential? token)
    {
        _key = key;
        _token = token;
    }

    public static CommunicationCredential From(AzureKeyCredential key) =>
        new(key ?? throw new ArgumentNullException(nameof(key)), null);

    public static CommunicationCredential From(TokenCredential token) =>
        new(null, token ?? throw new ArgumentNullException(nameof(token)));

    /// <summary>Parses <c>endpoint=https://{resource}.communication.azure.com/;accesskey={base64}</c>.</summary>
    /// <exception cref="FormatException">The string is malformed or lacks endpoint/accesskey.</exception>
    public static CommunicationCredential FromConnectionString(string connectionString, out Uri endpoint)
    {
        Dictionary<string, string> values = ConnectionStringParser.Parse(connectionString);
        string endpointText = ConnectionStringParser.GetRequired(values, "endpoint");
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out Uri? parsed) ||
            (parsed.Scheme != Uri.UriSchemeHttps && parsed.Scheme != Uri.UriSchemeHttp))
        {
            throw new FormatException("The connection string's endpoint is not an absolute http(s) URI.");
        }

        endpoint = parsed;
        return From(new AzureKeyCredential(ConnectionStringParser.GetRequired(values, "accesskey")));
    }

    /// <summary>The pipeline for a client: the options' transport, retries and diagnostics, authentication per retry.</summary>
    public HttpPipeline BuildPipeline(ClientOptions options, TimeProvider timeProvider)
    {
        HttpPipelinePolicy authentication = _key is not null
            ? new HmacAuthenticationPolicy(_key, timeProvider)
            : new BearerTokenAuthenticationPolicy(_token!, EntraScope);
        return HttpPipelineBuilder.Build(new HttpPipelineOptions(options) { PerRetryPolicies = { authentication } });
    }
}
