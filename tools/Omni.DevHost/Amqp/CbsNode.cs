using System.Runtime.CompilerServices;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Amqp;

/// <summary>
/// The <c>$cbs</c> node: a client puts a SAS token for an audience (<c>put-token</c>), checked as the REST side checks
/// its Authorization header; a link may then attach on that connection to any entity the audience covers until the
/// token expires. Answers 202 on success, 401 with the reason otherwise, 400 for a malformed request.
/// </summary>
internal sealed class CbsNode(SharedAccessSignatureValidator validator, TimeProvider tokenTime) : IRequestProcessor
{
    public const string Address = "$cbs";

    private readonly ConditionalWeakTable<Connection, Grants> _grants = new();

    public int Credit => 100;

    public void Process(RequestContext context)
    {
        var request = context.Message;
        var properties = request.ApplicationProperties?.Map;
        var operation = properties?["operation"] as string;
        var type = properties?["type"] as string;
        var name = properties?["name"] as string;
        if (operation != "put-token")
        {
            Reply(context, 400, $"The $cbs node supports only put-token, not '{operation}'.");
            return;
        }
        if (type is not ("servicebus.windows.net:sastoken" or "jwt") || name is null || request.Body is not string token)
        {
            Reply(context, 400, "put-token needs application properties type (servicebus.windows.net:sastoken) and name (the audience), and the token as a string body.");
            return;
        }
        if (type == "jwt")
        {
            Reply(context, 401, "Only SharedAccessSignature tokens are accepted by the DevHost (Entra tokens cannot be checked locally).");
            return;
        }
        if (!Uri.TryCreate(name, UriKind.Absolute, out var audience))
        {
            Reply(context, 400, $"The audience '{name}' is not an absolute URI.");
            return;
        }
        if (validator.Validate(token, audience) is { } denied)
        {
            Reply(context, 401, denied);
            return;
        }
        var expires = ExpiryOf(token);
        _grants.GetOrCreateValue(context.Link.Session.Connection).Add(EntityPath(audience), expires);
        Reply(context, 202, "Accepted");
    }

    /// <summary>Null when a token put on <paramref name="connection"/> covers <paramref name="entityPath"/> now; otherwise why not.</summary>
    public string? Authorize(Connection connection, string entityPath)
    {
        if (connection is ListenerConnection { Principal.Identity.IsAuthenticated: true })
        {
            return null; // signed in with SASL PLAIN: the key name and key
        }
        if (!_grants.TryGetValue(connection, out var grants))
        {
            return $"No token was put on the $cbs node for '{entityPath}' on this connection.";
        }
        return grants.Covers(entityPath, tokenTime.GetUtcNow())
            ? null
            : $"No unexpired token put on the $cbs node covers '{entityPath}'.";
    }

    /// <summary>The audience's path without slashes at either end: "outbound", "outbound/$DeadLetterQueue", "" for the namespace.</summary>
    public static string EntityPath(Uri audience) => Uri.UnescapeDataString(audience.AbsolutePath).Trim('/');

    private static DateTimeOffset ExpiryOf(string token)
    {
        foreach (var part in token.Split(' ', 2)[^1].Split('&'))
        {
            if (part.StartsWith("se=", StringComparison.Ordinal) && long.TryParse(part[3..], out var seconds))
            {
                return DateTimeOffset.FromUnixTimeSeconds(seconds);
            }
        }
        return DateTimeOffset.MinValue;
    }

    private static void Reply(RequestContext context, int status, string description)
    {
        var response = new Message
        {
            ApplicationProperties = new ApplicationProperties
            {
                ["status-code"] = status,
                ["status-description"] = description,
            },
        };
        context.Complete(response);
    }

    private sealed class Grants
    {
        private readonly Dictionary<string, DateTimeOffset> _byPath = new(StringComparer.OrdinalIgnoreCase);

        public void Add(string path, DateTimeOffset expires)
        {
            lock (_byPath)
            {
                _byPath[path] = _byPath.TryGetValue(path, out var known) && known > expires ? known : expires;
            }
        }

        public bool Covers(string path, DateTimeOffset now)
        {
            lock (_byPath)
            {
                return _byPath.Any(g => g.Value > now &&
                                        (g.Key.Length == 0 || string.Equals(g.Key, path, StringComparison.OrdinalIgnoreCase) ||
                                         path.StartsWith(g.Key + "/", StringComparison.OrdinalIgnoreCase)));
            }
        }
    }
}
