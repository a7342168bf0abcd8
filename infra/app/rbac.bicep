// Every role the app's managed identity holds, from ONE role map. Each entry names the resource it is scoped to,
// so every grant stays on the single resource it is for (never the resource group or subscription).
// One loop per scope is needed only because a role assignment's `scope` must be a resource symbol.
// guid(scope, principal, role) names make redeployments idempotent. Each description is '<role name>: <why>', which
// the tests hold against Microsoft's built-in roles table. Why each role: docs/deploy.md, "Roles".
param principalId string
param storageAccountName string
param serviceBusNamespaceName string
param keyVaultName string
param applicationInsightsName string
param communicationServiceName string

var roleMap = [
  {
    role: 'Storage Blob Data Owner'
    id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
    scope: 'storage'
    purpose: 'the Functions host\'s blobs (keys, leases) and the Flex deployment package container'
  }
  {
    role: 'Storage Table Data Contributor'
    id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
    scope: 'storage'
    purpose: 'Omni\'s tables (contacts, messages, indexes, idempotency keys, stats, templates)'
  }
  {
    role: 'Azure Service Bus Data Sender'
    id: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
    scope: 'serviceBus'
    purpose: 'Omni\'s REST sender: outbound, send-<channel>, inbound, app-events and scheduled messages'
  }
  {
    role: 'Azure Service Bus Data Receiver'
    id: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
    scope: 'serviceBus'
    purpose: 'the Service Bus triggers receive and settle messages, and the dead-letter API reads them'
  }
  {
    role: 'Azure Service Bus Data Owner'
    id: '090c5cfd-751d-490a-894a-3ce6f1109419'
    scope: 'serviceBus'
    purpose: 'the Service Bus trigger\'s documented second role: target-based scaling reads queue runtime properties (message counts)'
  }
  {
    role: 'Key Vault Secrets User'
    id: '4633458b-17de-408a-b874-0445c86b69e6'
    scope: 'keyVault'
    purpose: 'Key Vault references in app settings (provider secrets)'
  }
  {
    role: 'Monitoring Metrics Publisher'
    id: '3913510d-42f4-4e42-8a64-420c390055eb'
    scope: 'applicationInsights'
    purpose: 'Entra-authenticated telemetry ingestion (the component has local auth disabled)'
  }
  {
    role: 'Communication and Email Service Owner'
    id: '09976791-48a7-449e-bb21-39d1a415f350'
    scope: 'communication'
    purpose: 'Entra ID (token) calls to ACS SMS, Email and Advanced Messaging; the narrowest built-in role holding the CommunicationServices read/write and EmailServices write actions ACS checks for them'
  }
]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: serviceBusNamespaceName
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: communicationServiceName
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in filter(roleMap, r => r.scope == 'storage'): {
  name: guid(storage.id, principalId, role.id)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: '${role.role}: ${role.purpose}'
  }
}]

resource serviceBusRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in filter(roleMap, r => r.scope == 'serviceBus'): {
  name: guid(serviceBus.id, principalId, role.id)
  scope: serviceBus
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: '${role.role}: ${role.purpose}'
  }
}]

resource keyVaultRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in filter(roleMap, r => r.scope == 'keyVault'): {
  name: guid(keyVault.id, principalId, role.id)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: '${role.role}: ${role.purpose}'
  }
}]

resource applicationInsightsRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in filter(roleMap, r => r.scope == 'applicationInsights'): {
  name: guid(applicationInsights.id, principalId, role.id)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: '${role.role}: ${role.purpose}'
  }
}]

resource communicationRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in filter(roleMap, r => r.scope == 'communication'): {
  name: guid(communicationService.id, principalId, role.id)
  scope: communicationService
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: '${role.role}: ${role.purpose}'
  }
}]

output roles array = [for role in roleMap: '${role.role} on ${role.scope}']
