using System.Net;
using Omni.Channels.Outbound;
using Omni.Core.Consent;
using Omni.Core.Contacts;

namespace Omni.Functions.Messages;

/// <summary>
/// Function Unsubscribe (<c>/api/unsubscribe/{token}</c>, anonymous: the signed token is the credential), the target of
/// the <c>List-Unsubscribe</c> header in marketing email. <c>POST</c> (RFC 8058 one-click: the mail client posts
/// <c>List-Unsubscribe=One-Click</c>, or the confirmation page's form) records the contact's opt-out of that category on
/// email. <c>GET</c> only shows a confirmation page with a button: mail scanners fetch links, and a fetch must not
/// unsubscribe anybody. An invalid token gets 400; an erased contact gets the same success page (no oracle).
/// </summary>
public static class UnsubscribeApi
{
    public const string SecretKey = "Omni:UnsubscribeSecret";

    public static void MapUnsubscribeApi(this WebApplication app)
    {
        app.MapGet("/api/unsubscribe/{token}", Confirm).ExcludeFromDescription();
        app.MapPost("/api/unsubscribe/{token}", UnsubscribeAsync).ExcludeFromDescription();
    }

    internal static IResult Confirm(string token, IConfiguration configuration)
    {
        if (Verify(token, configuration) is not { } verified)
        {
            return Page(StatusCodes.Status400BadRequest, "This unsubscribe link is not valid", "The link may be incomplete. Copy the whole link from the email, or reply to the email to be removed.");
        }
        var action = "/api/unsubscribe/" + WebUtility.HtmlEncode(Uri.EscapeDataString(token));
        return Page(StatusCodes.Status200OK, $"Unsubscribe from {verified.Category} email?",
            $"""<form method="post" action="{action}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>""",
            rawBody: true);
    }

    internal static async Task<IResult> UnsubscribeAsync(string token, HttpRequest request, IConfiguration configuration, IContactStore contacts,
        TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (Verify(token, configuration) is not { } verified)
        {
            return Page(StatusCodes.Status400BadRequest, "This unsubscribe link is not valid", "Nothing was changed.");
        }
        var history = await contacts.GetConsentHistoryAsync(verified.ContactId, cancellationToken);
        if (history is not null && new ConsentLedger(history).Current(verified.Channel, verified.Category).State != ConsentState.OptedOut)
        {
            var oneClick = request.HasFormContentType && (await request.ReadFormAsync(cancellationToken))["List-Unsubscribe"] == "One-Click";
            await contacts.AppendConsentAsync(verified.ContactId, new ConsentEvent
            {
                Channel = verified.Channel,
                Category = verified.Category,
                State = ConsentState.OptedOut,
                Source = ConsentSource.Form,
                ByContact = true,
                Evidence = oneClick ? "RFC 8058 one-click unsubscribe (List-Unsubscribe-Post)" : "unsubscribe link in an email",
                Actor = "contact",
                At = clock.GetUtcNow(),
            }, cancellationToken);
            loggers.CreateLogger("Omni.Functions.Unsubscribe").LogInformation("Unsubscribe recorded for category {Category} on {Channel}.", verified.Category, verified.Channel.Name());
        }
        return Page(StatusCodes.Status200OK, "You are unsubscribed", $"You will no longer receive {verified.Category} email from us.");
    }

    private sealed record Verified(string ContactId, Channel Channel, string Category);

    private static Verified? Verify(string token, IConfiguration configuration)
    {
        if (configuration[SecretKey] is not { Length: >= 16 } secret)
        {
            return null;
        }
        return new UnsubscribeToken(secret).TryVerify(token, out var contactId, out var channel, out var category)
            ? new Verified(contactId, channel, category)
            : null;
    }

    private static IResult Page(int status, string title, string body, bool rawBody = false)
    {
        var html = $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{WebUtility.HtmlEncode(title)}</title></head>
            <body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">
            <h1 style="font-size:1.4rem">{WebUtility.HtmlEncode(title)}</h1>
            {(rawBody ? body : "<p>" + WebUtility.HtmlEncode(body) + "</p>")}
            </body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
