using System.Data.Common;
using Omni.DevHost.Storage;

namespace Omni.DevHost;

/// <summary>
/// The block the command prints at start: what runs where (DevHost, handler, Azurite ports), which Azurite and where its
/// tables live, how the sandbox delivers ACS events, and the function keys in force (a key set by hand is named, never shown).
/// </summary>
internal static class DevHostBanner
{
    public static IReadOnlyList<string> Lines(DevHostServer server)
    {
        var acs = server.Sandbox.Options;
        return
        [
            "Omni DevHost",
            $"  devhost  {server.BaseAddress} (functions at /api, Service Bus, /_devhost, /_sandbox)",
            $"  amqp     {server.Amqp.ConnectionString} (Service Bus SDKs)",
            $"  handler  port {server.Handler.Port?.ToString() ?? "(starting)"} (a free port, new on each restart)",
            $"  storage  {Storage(server.Storage, server.StorageConnectionString)}",
            acs.AcsEventsQueue is { } queue ? $"  sandbox  ACS events on queue {queue.Name}, as Event Grid delivers them in Azure (--acs-events queue)"
                : acs.AcsEventsUrl is { } url ? $"  sandbox  ACS events posted to {url.AbsolutePath} (--acs-events webhook)"
                : "  sandbox  no ACS events: the queues file has no acs-events queue (add it, or pass --acs-events webhook)",
            $"  keys     {server.Keys.Describe()}",
        ];
    }

    private static string Storage(Azurite? azurite, string connectionString)
    {
        if (azurite is null)
        {
            // Only the account name: the rest of a connection string may be a key.
            var builder = new DbConnectionStringBuilder();
            try
            {
                builder.ConnectionString = connectionString;
            }
            catch (ArgumentException)
            {
            }
            var account = builder.TryGetValue("AccountName", out var name) ? $"account {name}" : "development storage";
            return $"--storage connection string ({account}); no Azurite";
        }
        var version = azurite.Version is { } v ? $"Azurite {v}" : "Azurite";
        return (azurite.Owned, azurite.Location) switch
        {
            (false, _) => $"{version} already running on port {azurite.TablePort}, used as is (its data is wherever that Azurite keeps it)",
            (true, null) => $"{version} started by the DevHost on port {azurite.TablePort}, in memory (tables are lost at exit)",
            (true, { } location) => $"{version} started by the DevHost on port {azurite.TablePort}, tables in {Path.GetFullPath(location)}",
        };
    }
}
