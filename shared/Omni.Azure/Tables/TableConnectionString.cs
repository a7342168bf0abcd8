namespace Omni.Azure.Tables;

/// <summary>
/// A parsed storage connection string: the Table endpoint and either an account key or a SAS.
/// Accepts the account-key form (with <c>TableEndpoint</c> or <c>EndpointSuffix</c>), <c>UseDevelopmentStorage=true</c>
/// and the SAS form (<c>TableEndpoint=...;SharedAccessSignature=...</c>).
/// </summary>
internal sealed class TableConnectionString
{
    /// <summary>Azurite's well-known development account (public by design, from Azurite's README).</summary>
    internal const string DevelopmentAccountName = "devstoreaccount1";
    internal const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    internal static readonly Uri DevelopmentTableEndpoint = new("http://127.0.0.1:10002/devstoreaccount1");

    private TableConnectionString(Uri tableEndpoint, string? accountName, TableSharedKeyCredential? sharedKey, string? sas)
    {
        TableEndpoint = tableEndpoint;
        AccountName = accountName;
        SharedKey = sharedKey;
        SharedAccessSignature = sas;
    }

    public Uri TableEndpoint { get; }

    public string? AccountName { get; }

    /// <summary>Set for the account-key and development forms.</summary>
    public TableSharedKeyCredential? SharedKey { get; }

    /// <summary>Set for the SAS form, without a leading '?'.</summary>
    public string? SharedAccessSignature { get; }

    public static TableConnectionString Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var segments = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var equals = segment.IndexOf('=');
            if (equals <= 0)
            {
                // Never echo the segment: it may hold a key.
                throw Invalid($"segment {i + 1} is not Name=Value");
            }
            var name = segment[..equals].Trim();
            // A SAS and a base64 key contain '=' themselves: only the first one separates name and value.
            var value = segment[(equals + 1)..].Trim();
            if (!settings.TryAdd(name, value))
            {
                throw Invalid($"'{name}' appears more than once");
            }
        }

        if (settings.TryGetValue("UseDevelopmentStorage", out var development) &&
            string.Equals(development, "true", StringComparison.OrdinalIgnoreCase))
        {
            if (settings.ContainsKey("DevelopmentStorageProxyUri"))
            {
                throw Invalid("DevelopmentStorageProxyUri is not supported");
            }
            return new TableConnectionString(
                DevelopmentTableEndpoint,
                DevelopmentAccountName,
                new TableSharedKeyCredential(DevelopmentAccountName, DevelopmentAccountKey),
                sas: null);
        }

        settings.TryGetValue("AccountName", out var accountName);
        settings.TryGetValue("AccountKey", out var accountKey);
        settings.TryGetValue("SharedAccessSignature", out var sas);
        var endpoint = ResolveEndpoint(settings, accountName);

        if (!string.IsNullOrEmpty(accountKey))
        {
            if (string.IsNullOrEmpty(accountName))
            {
                throw Invalid("AccountKey requires AccountName");
            }
            TableSharedKeyCredential credential;
            try
            {
                credential = new TableSharedKeyCredential(accountName, accountKey);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException("The connection string's AccountKey is not valid base64.", nameof(connectionString), e);
            }
            return new TableConnectionString(endpoint, accountName, credential, sas: null);
        }
        if (!string.IsNullOrEmpty(sas))
        {
            return new TableConnectionString(endpoint, accountName, sharedKey: null, sas.TrimStart('?'));
        }
        throw Invalid("it has neither AccountKey nor SharedAccessSignature");
    }

    private static Uri ResolveEndpoint(Dictionary<string, string> settings, string? accountName)
    {
        if (settings.TryGetValue("TableEndpoint", out var tableEndpoint) && !string.IsNullOrEmpty(tableEndpoint))
        {
            if (!Uri.TryCreate(tableEndpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw Invalid("TableEndpoint is not an absolute http(s) URI");
            }
            return uri;
        }
        if (string.IsNullOrEmpty(accountName))
        {
            throw Invalid("it needs TableEndpoint, or AccountName (with an optional EndpointSuffix)");
        }
        var protocol = settings.TryGetValue("DefaultEndpointsProtocol", out var p) && !string.IsNullOrEmpty(p) ? p.ToLowerInvariant() : "https";
        if (protocol != Uri.UriSchemeHttp && protocol != Uri.UriSchemeHttps)
        {
            throw Invalid("DefaultEndpointsProtocol must be http or https");
        }
        var suffix = settings.TryGetValue("EndpointSuffix", out var s) && !string.IsNullOrEmpty(s) ? s : "core.windows.net";
        if (!Uri.TryCreate($"{protocol}://{accountName}.table.{suffix}", UriKind.Absolute, out var built))
        {
            throw Invalid("AccountName and EndpointSuffix do not form a valid host name");
        }
        return built;
    }

    private static ArgumentException Invalid(string reason) =>
        new($"The storage connection string is not valid: {reason}.", "connectionString");
}
