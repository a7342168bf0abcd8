// Every role the app's managed identity holds, from ONE role map. Each entry names the resource it is scoped to,
// so every grant stays on the single resource it is for (never the resource group or subscription).
// One loop per scope is needed only because a role assignment's `scope` must be a resource symbol.
// guid(scope, principal, role) names make redeployments idempotent. Why each role: docs/deploy.md, "Roles".
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
    purpose: 'Functions host blobs (keys, leases) and the Flex deployment package container'
  }
  {
    role: 'Storage Table Data Contributor'
    id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
    scope: 'storage'
    purpose: 'Omni tables (contacts, messages, indexes, idempotency, stats)'
  }
  {
    role: 'Storage Queue Data Contributor'
    id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
    scope: 'storage'
    purpose: 'Functions host storage queues (AzureWebJobsStorage)'
  }
  {
    role: 'Azure Service Bus Data Sender'
    id: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
    scope: 'serviceBus'
    purpose: 'Omni REST sender: outbound, send-<channel>, inbound and scheduled messages'
  }
  {
    role: 'Azure Service Bus Data Receiver'
    id: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
    scope: 'serviceBus'
    purpose: 'Service Bus triggers receive and settle messages'
  }
  {
    role: 'Azure Service Bus Data Owner'
    id: '090c5cfd-751d-490a-894a-3ce6f1109419'
    scope: 'serviceBus'
    purpose: 'Target-based scaling reads queue runtime properties (message counts); without it Flex falls back to peek-based scaling'
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
    role: 'Contributor'
    id: 'b24988ac-6180-42a0-ab88-20f7382dd24c'
    scope: 'communication'
    purpose: 'Entra ID (token) calls to ACS SMS, Email and Advanced Messaging; no narrower built-in data role exists'
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
    description: role.purpose
  }
}]

resource serviceBusRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in filter(roleMap, r => r.scope == 'serviceBus'): {
  name: guid(serviceBus.id, principalId, role.id)
  scope: serviceBus
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: role.purpose
  }
}]

resource keyVaultRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in filter(roleMap, r => r.scope == 'keyVault'): {
  name: guid(keyVault.id, principalId, role.id)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: role.purpose
  }
}]

resource applicationInsightsRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in filter(roleMap, r => r.scope == 'applicationInsights'): {
  name: guid(applicationInsights.id, principalId, role.id)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: role.purpose
  }
}]

resource communicationRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in filter(roleMap, r => r.scope == 'communication'): {
  name: guid(communicationService.id, principalId, role.id)
  scope: communicationService
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: role.purpose
  }
}]

output roles array = [for role in roleMap: '${role.role} on ${role.scope}']
