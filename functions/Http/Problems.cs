namespace Omni.Functions.Http;

/// <summary>The API's error answers, all <c>application/problem+json</c> (RFC 9457) with a sentence that says what is wrong.</summary>
public static class Problems
{
    public const string MergePatchMediaType = "application/merge-patch+json";

    private const int MaxQuotedMediaType = 100;

    public static IResult BadRequest(string detail) => Problem(400, "Invalid request", detail);

    public static IResult Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request has invalid fields");

    /// <summary>422: the fields are well-formed but ask for what Omni will not do; <paramref name="errors"/> says which and what is allowed.</summary>
    public static IResult Unprocessable(IDictionary<string, string[]> errors, string detail) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors) { Status = 422, Title = "The request cannot be processed", Detail = detail });

    public static IResult NotFound(string detail) => Problem(404, "Not found", detail);

    public static IResult Conflict(string detail) => Problem(409, "Conflict", detail);

    public static IResult PreconditionFailed(string detail) => Problem(412, "Precondition failed", detail);

    public static IResult TooLarge(int maxBytes) => Problem(413, "Body too large",
        $"The body may be at most {maxBytes} bytes ({maxBytes / 1024} KiB); send a smaller one.");

    public static IResult UnsupportedMediaType(string detail) => Problem(415, "Unsupported media type", detail);

    /// <summary>The 415 sentence: the Content-Type that came (if any) and the one(s) to send instead.</summary>
    public static string SendAs(IReadOnlyCollection<string> mediaTypes, string? given)
    {
        var sent = string.IsNullOrWhiteSpace(given) ? "The request has no Content-Type"
            : $"The body was sent as '{(given.Length > MaxQuotedMediaType ? given[..MaxQuotedMediaType] + "…" : given)}'";
        var send = mediaTypes.Count == 0 ? "application/json" : string.Join(" or ", mediaTypes);
        var why = mediaTypes.Contains(MergePatchMediaType, StringComparer.OrdinalIgnoreCase)
            ? " (JSON Merge Patch, RFC 7396: only the fields to change; null removes one)"
            : "";
        return $"{sent}; send it with Content-Type: {send}{why}.";
    }

    private static IResult Problem(int status, string title, string detail) => TypedResults.Problem(detail, statusCode: status, title: title);
}
