namespace Omni.Functions.Http;

/// <summary>The API's error answers, all <c>application/problem+json</c> (RFC 9457) with a sentence that says what is wrong.</summary>
public static class Problems
{
    public static IResult BadRequest(string detail) => Problem(400, "Invalid request", detail);

    public static IResult Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request has invalid fields");

    public static IResult NotFound(string detail) => Problem(404, "Not found", detail);

    public static IResult Conflict(string detail) => Problem(409, "Conflict", detail);

    public static IResult PreconditionFailed(string detail) => Problem(412, "Precondition failed", detail);

    public static IResult TooLarge(int maxBytes) => Problem(413, "Body too large", $"The body may be at most {maxBytes} bytes.");

    public static IResult UnsupportedMediaType(string detail) => Problem(415, "Unsupported media type", detail);

    private static IResult Problem(int status, string title, string detail) => TypedResults.Problem(detail, statusCode: status, title: title);
}
