using System.Globalization;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Omni.Azure.Tables;

/// <summary>
/// Signs each attempt with the Table service's Shared Key scheme. It sits in the per-retry slot so a retried
/// request gets a fresh <c>x-ms-date</c> and signature.
/// </summary>
/// <remarks>
/// Table Shared Key (unlike Blob/Queue) signs no canonicalized x-ms- headers:
/// VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedResource.
/// Only <c>x-ms-date</c> is sent (never <c>Date</c>): the docs let x-ms-date win when both are present but Azurite
/// prefers Date, so sending one removes the ambiguity.
/// </remarks>
internal sealed class TableSharedKeyPipelinePolicy : HttpPipelineSynchronousPolicy
{
    private readonly TableSharedKeyCredential _credential;
    private readonly TimeProvider _time;

    public TableSharedKeyPipelinePolicy(TableSharedKeyCredential credential, TimeProvider? time = null)
    {
        _credential = credential;
        _time = time ?? TimeProvider.System;
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        var date = _time.GetUtcNow().ToString("r", CultureInfo.InvariantCulture);
        request.Headers.SetValue("x-ms-date", date);
        request.Headers.TryGetValue("Content-MD5", out var contentMd5);
        request.Headers.TryGetValue("Content-Type", out var contentType);
        var stringToSign = BuildSharedKeyStringToSign(
            request.Method.Method, contentMd5, contentType, date, _credential.AccountName, request.Uri.ToUri());
        request.Headers.SetValue("Authorization", $"SharedKey {_credential.AccountName}:{_credential.ComputeSignature(stringToSign)}");
    }

    internal static string BuildSharedKeyStringToSign(
        string method, string? contentMd5, string? contentType, string date, string accountName, Uri uri) =>
        string.Concat(
            method.ToUpperInvariant(), "\n",
            contentMd5, "\n",
            contentType, "\n",
            date, "\n",
            BuildCanonicalizedResource(accountName, uri));

    /// <summary>The Shared Key Lite form (what the official .NET SDK sends); kept for tests and diagnostics.</summary>
    internal static string BuildSharedKeyLiteStringToSign(string date, string accountName, Uri uri) =>
        date + "\n" + BuildCanonicalizedResource(accountName, uri);

    /// <summary>"/" + account + the URI path exactly as encoded on the wire, plus "?comp=..." when present.</summary>
    internal static string BuildCanonicalizedResource(string accountName, Uri uri)
    {
        var path = uri.AbsolutePath;
        var builder = new StringBuilder(accountName.Length + path.Length + 16)
            .Append('/').Append(accountName)
            .Append(path.Length > 0 ? path : "/");
        var comp = FindQueryParameter(uri.Query, "comp");
        if (comp is not null)
        {
            builder.Append("?comp=").Append(comp);
        }
        return builder.ToString();
    }

    private static string? FindQueryParameter(string query, string name)
    {
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var key = equals < 0 ? pair : pair[..equals];
            if (string.Equals(Uri.UnescapeDataString(key), name, StringComparison.OrdinalIgnoreCase))
            {
                return equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            }
        }
        return null;
    }
}

/// <summary>
/// Appends a shared access signature to the query of each attempt. Tracks what it appended so a retry (or a rotated
/// <see cref="global::Azure.AzureSasCredential"/>) replaces the old signature instead of appending a second one.
/// </summary>
internal sealed class TableSasPipelinePolicy : HttpPipelineSynchronousPolicy
{
    private const string AppendedProperty = "Omni.Tables.AppendedSas";
    private readonly global::Azure.AzureSasCredential _credential;

    public TableSasPipelinePolicy(global::Azure.AzureSasCredential credential) => _credential = credential;

    public override void OnSendingRequest(HttpMessage message)
    {
        var sas = _credential.Signature.TrimStart('?');
        var query = message.Request.Uri.Query;
        if (message.TryGetProperty(AppendedProperty, out var previous) && previous is string appended && appended.Length > 0)
        {
            var index = query.IndexOf(appended, StringComparison.Ordinal);
            if (index >= 0)
            {
                query = query.Remove(index, appended.Length).Insert(index, sas);
                message.Request.Uri.Query = query;
                message.SetProperty(AppendedProperty, sas);
                return;
            }
        }
        message.Request.Uri.Query = query.Length > 1 ? query + "&" + sas : "?" + sas;
        message.SetProperty(AppendedProperty, sas);
    }
}
