using System.Text;
using Omni.Core.Contacts;
using Omni.Core.Content;
using Omni.Core.Messages;
using Omni.Core.Routing;
using Omni.Functions.Http;

namespace Omni.Functions.Templates;

/// <summary>
/// Message templates (functions Templates and TemplatePreview): create/replace, read, list, delete, and a preview that
/// renders a template for chosen channels exactly as a send would (docs/templates.md). Writes are conditional where the
/// client asks (If-Match / If-None-Match); every error is problem+json. Preview data and rendered text are never logged.
/// </summary>
public static class TemplatesApi
{
    /// <summary>A template body may be at most this large (all locales and parts together).</summary>
    public const int MaxBodyBytes = 256 * 1024;

    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;

    /// <summary>The configuration section of the brand variables (<c>Brand__Name</c>, <c>Brand__SupportUrl</c>, ...).</summary>
    public const string BrandSection = "Brand";

    public static void MapTemplatesApi(this WebApplication app)
    {
        var templates = app.MapGroup("/api/templates").WithTags("Templates");

        templates.MapGet("/", ListAsync).WithName("ListTemplates").RequireAuthorization(CallerRoles.TemplatesRead)
            .WithSummary("Lists templates in id order, a page at a time (?pageSize=1..100, ?continuation= from the previous page).")
            .Produces<TemplateList>().ProducesValidationProblem();
        templates.MapGet("/{id}", GetAsync).WithName("GetTemplate").RequireAuthorization(CallerRoles.TemplatesRead)
            .WithSummary("Gets a template; the ETag header is its version for If-Match.")
            .Produces<TemplateResource>().ProducesProblem(404);
        templates.MapPut("/{id}", PutAsync).WithName("PutTemplate").RequireAuthorization(CallerRoles.TemplatesWrite)
            .WithSummary("Creates or replaces a template (every part must compile; 422 beyond the rendering limits). If-Match: only that version; If-None-Match: * only if new.")
            .Accepts<TemplateInput>("application/json")
            .Produces<TemplateResource>(200).Produces<TemplateResource>(201)
            .ProducesValidationProblem().ProducesValidationProblem(422).ProducesProblem(412).ProducesProblem(413).ProducesProblem(415);
        templates.MapDelete("/{id}", DeleteAsync).WithName("DeleteTemplate").RequireAuthorization(CallerRoles.TemplatesWrite)
            .WithSummary("Deletes a template. Messages that name it afterwards fail with 'template not found'.")
            .Produces(204).ProducesProblem(404).ProducesProblem(412);
        templates.MapPost("/{id}/preview", PreviewAsync).WithName("PreviewTemplate").RequireAuthorization(CallerRoles.TemplatesRead)
            .WithSummary("Renders the template with sample data for some channels: the locale used, the content, the SMS segments.")
            .Accepts<PreviewInput>("application/json")
            .Produces<PreviewResult>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(413).ProducesProblem(415);
    }

    /// <summary>
    /// Registers <see cref="BrandVariables"/> (from the <c>Brand</c> configuration section) and <see cref="ContentComposer"/>
    /// as singletons, for the outbound pipeline.
    /// </summary>
    public static IServiceCollection AddContentComposer(this IServiceCollection services)
    {
        services.AddSingleton(sp => BrandFrom(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton(sp => new ContentComposer(sp.GetRequiredService<BrandVariables>()));
        return services;
    }

    /// <summary>The brand variables: every <c>Brand__*</c> setting, keys relative to the section.</summary>
    public static BrandVariables BrandFrom(IConfiguration configuration) =>
        new(configuration.GetSection(BrandSection).AsEnumerable(makePathsRelative: true));

    internal static async Task<IResult> ListAsync(int? pageSize, string? continuation, ITemplateStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (pageSize is < 1 or > MaxPageSize)
        {
            errors.Add("pageSize", $"1 to {MaxPageSize}.");
        }
        string? token = null;
        if (continuation is not null && !TryDecodeToken(continuation, out token))
        {
            errors.Add("continuation", "Not a continuation from a previous page.");
        }
        if (!errors.IsValid)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        TemplatePage page;
        try
        {
            page = await store.ListAsync(pageSize ?? DefaultPageSize, token, cancellationToken);
        }
        catch (ArgumentException)
        {
            errors.Add("continuation", "Not a continuation from a previous page.");
            return Problems.Validation(errors.ToDictionary());
        }
        return TypedResults.Ok(new TemplateList(
            page.Items.Select(s => TemplateResource.From(s.Template)).ToList(),
            page.ContinuationToken is null ? null : EncodeToken(page.ContinuationToken)));
    }

    internal static async Task<IResult> GetAsync(string id, HttpContext context, ITemplateStore store, CancellationToken cancellationToken)
    {
        if (InvalidId(id) is { } invalid)
        {
            return invalid;
        }
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            return Problems.NotFound("No template has this id.");
        }
        context.Response.Headers.ETag = stored.ETag;
        return TypedResults.Ok(TemplateResource.From(stored.Template));
    }

    internal static async Task<IResult> PutAsync(string id, HttpContext context, ITemplateStore store, CancellationToken cancellationToken)
    {
        if (InvalidId(id) is { } invalid)
        {
            return invalid;
        }
        var body = await JsonBody.ReadAsync<TemplateInput>(context.Request, MaxBodyBytes, "a template (see docs/templates.md)", cancellationToken);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        var errors = new ValidationErrors();
        var limits = new ValidationErrors();
        var template = body.Value!.ToTemplate(id, errors, limits);
        if (template is null)
        {
            // Well-formed but beyond what Omni renders (loops over loops): 422, so a client tells it from a typo.
            return errors.IsValid
                ? Problems.Unprocessable(limits.ToDictionary(), "The template is beyond the rendering limits (see docs/templates.md#limits); simplify the parts named.")
                : Problems.Validation(errors.ToDictionary());
        }
        var headers = context.Request.Headers;
        var result = await store.PutAsync(template, NullIfEmpty(headers.IfMatch.ToString()), NullIfEmpty(headers.IfNoneMatch.ToString()), cancellationToken);
        switch (result.Outcome)
        {
            case StoreOutcome.Created:
                context.Response.Headers.ETag = result.Stored!.ETag;
                return TypedResults.Created($"/api/templates/{Uri.EscapeDataString(id)}", TemplateResource.From(result.Stored.Template));
            case StoreOutcome.Replaced:
                context.Response.Headers.ETag = result.Stored!.ETag;
                return TypedResults.Ok(TemplateResource.From(result.Stored.Template));
            case StoreOutcome.PreconditionFailed:
                return Problems.PreconditionFailed("The template changed since the version in If-Match (or exists despite If-None-Match: *). Get it again and retry.");
            default:
                throw new InvalidOperationException($"Unexpected outcome {result.Outcome} of a write.");
        }
    }

    internal static async Task<IResult> DeleteAsync(string id, HttpContext context, ITemplateStore store, CancellationToken cancellationToken)
    {
        if (InvalidId(id) is { } invalid)
        {
            return invalid;
        }
        var result = await store.DeleteAsync(id, NullIfEmpty(context.Request.Headers.IfMatch.ToString()), cancellationToken);
        return result.Outcome switch
        {
            StoreOutcome.Deleted => TypedResults.NoContent(),
            StoreOutcome.NotFound => Problems.NotFound("No template has this id."),
            StoreOutcome.PreconditionFailed => Problems.PreconditionFailed("The template changed since the version in If-Match."),
            _ => throw new InvalidOperationException($"Unexpected outcome {result.Outcome} of a delete."),
        };
    }

    internal static async Task<IResult> PreviewAsync(string id, HttpContext context, ITemplateStore store, IConfiguration configuration, CancellationToken cancellationToken)
    {
        if (InvalidId(id) is { } invalid)
        {
            return invalid;
        }
        var body = await JsonBody.ReadAsync<PreviewInput>(context.Request, MessageRequestValidator.MaxTemplateDataBytes + 4096, "a preview request (see docs/templates.md)", cancellationToken);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        var input = body.Value!;
        var errors = new ValidationErrors();
        var channels = input.Validate(errors);
        if (channels is null)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            return Problems.NotFound("No template has this id.");
        }

        var composer = context.RequestServices.GetService<ContentComposer>() ?? new ContentComposer(BrandFrom(configuration));
        var content = new MessageContentRequest { Template = new TemplateReference { Id = id, Data = input.Data, Locale = input.Locale } };
        var composed = composer.Compose(content, stored.Template, input.ContactLocale, channels, new ComposeOptions { SmsSegmentBudget = input.SmsSegmentBudget ?? 0 });

        var rendered = composed.Channels.ToDictionary(
            c => c.Key.Name(),
            c => new PreviewChannel(c.Value.Text, c.Value.Subject, c.Value.Html, c.Key == Channel.Sms && composed.Sms is { } sms
                ? new PreviewSms(sms.Measured.Encoding == SmsEncoding.Gsm7 ? "gsm7" : "ucs2", sms.Measured.Segments, sms.Measured.Units, sms.OriginalSegments, sms.Shortened)
                : null));
        var unusable = composed.Unusable.ToDictionary(
            u => u.Key.Name(),
            u => new PreviewProblem(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(u.Value.Reason.ToString()), u.Value.Detail));
        if (composed.Channels.Count == 0 && composed.Unusable.Count == 0 && composed.Failure is { } failure)
        {
            // A failure for the whole message (a stored template without any usable locale): say so on every channel.
            foreach (var channel in channels)
            {
                unusable[channel.Name()] = new PreviewProblem(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(failure.Reason.ToString()), failure.Detail);
            }
        }
        return TypedResults.Ok(new PreviewResult(id, composed.Locale, rendered, unusable));
    }

    // Table continuation tokens contain a space and characters that need escaping: hand them out as base64url.
    private static string EncodeToken(string token) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(token)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecodeToken(string value, out string? token)
    {
        token = null;
        if (value.Length is 0 or > 2048)
        {
            return false;
        }
        var base64 = value.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
        var buffer = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, buffer, out var written))
        {
            return false;
        }
        try
        {
            token = new UTF8Encoding(false, true).GetString(buffer, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        return token.Length > 0 && !token.Any(char.IsControl);
    }

    private static IResult? InvalidId(string id)
    {
        if (MessageRequestValidator.IsValidId(id))
        {
            return null;
        }
        var errors = new ValidationErrors();
        errors.Add("id", $"1–{MessageRequestValidator.MaxIdLength} characters of A-Z, a-z, 0-9, '_', '.', '-'.");
        return Problems.Validation(errors.ToDictionary());
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrEmpty(value) ? null : value;
}
