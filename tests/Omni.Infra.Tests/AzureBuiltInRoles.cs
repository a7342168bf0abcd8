namespace Omni.Infra.Tests;

/// <summary>
/// The Azure built-in roles Omni's Bicep may grant, id ↔ name as Microsoft publishes them ("Azure built-in roles",
/// learn.microsoft.com/azure/role-based-access-control/built-in-roles; the Communication role from its Communication
/// section). A role id here is a fact to look up, never to invent: a wrong GUID grants some other role.
/// </summary>
internal static class AzureBuiltInRoles
{
    public static IReadOnlyDictionary<string, string> NameById { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = "Storage Blob Data Owner",
        ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = "Storage Table Data Contributor",
        ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = "Storage Queue Data Contributor",
        ["69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"] = "Azure Service Bus Data Sender",
        ["4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"] = "Azure Service Bus Data Receiver",
        ["090c5cfd-751d-490a-894a-3ce6f1109419"] = "Azure Service Bus Data Owner",
        ["4633458b-17de-408a-b874-0445c86b69e6"] = "Key Vault Secrets User",
        ["b86a8fe4-44ce-4948-aee5-eccb2c155cd7"] = "Key Vault Secrets Officer",
        ["3913510d-42f4-4e42-8a64-420c390055eb"] = "Monitoring Metrics Publisher",
        ["b24988ac-6180-42a0-ab88-20f7382dd24c"] = "Contributor",
        ["09976791-48a7-449e-bb21-39d1a415f350"] = "Communication and Email Service Owner",
        ["d5a91429-5739-47e2-a06b-3470a27159e7"] = "EventGrid Data Sender",
    };
}
