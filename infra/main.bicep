// Omni on Azure: `azd up` provisions this (subscription scope: it creates the resource group) and deploys the
// custom-handler package to the Flex Consumption app. Modules live in app/; data lists in *.json beside this file.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Primary location for all resources (one that offers Flex Consumption).')
param location string

@description('Object id of the user or pipeline running the deployment (azd sets AZURE_PRINCIPAL_ID). Gets Key Vault Secrets Officer to store provider secrets. Empty: no assignment.')
param principalId string = ''

@allowed([ 'User', 'ServicePrincipal', 'Group' ])
@description('Kind of principalId: User for a person running azd, ServicePrincipal for a pipeline.')
param principalType string = 'User'

@description('Where Azure Communication Services keeps data at rest ("United States", "Europe", "UK", ...). Fixed once created.')
param acsDataLocation string = 'United States'

@description('Create the Event Grid subscription that delivers ACS events to the AcsEvents function. Leave false until the code (with AcsEvents) is deployed: Event Grid validates the webhook when the subscription is created.')
param deployAcsEventSubscription bool = false

@minValue(40)
@maxValue(1000)
@description('Flex Consumption: most instances the app scales out to.')
param maximumInstanceCount int = 100

@allowed([ 512, 2048, 4096 ])
@description('Flex Consumption: memory per instance.')
param instanceMemoryMB int = 2048

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

// The single sources of truth, shared with the DevHost and the tests: each queue is its defaults overlaid by
// its own settings (ISO 8601 durations), each table and each secret-backed setting a list entry.
var queueFile = loadJsonContent('queues.json')
var queues = map(queueFile.queues, queue => union(queueFile.defaults, queue))
var tables = loadJsonContent('tables.json').tables
var appSecrets = loadJsonContent('appsecrets.json').secrets

var functionAppName = '${abbrs.webSitesFunctions}${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    tables: tables
  }
}

module serviceBus 'app/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: '${abbrs.serviceBusNamespaces}${resourceToken}'
    location: location
    tags: tags
    queues: queues
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    secretsOfficerPrincipalId: principalId
    secretsOfficerPrincipalType: principalType
  }
}

module communication 'app/communication.bicep' = {
  name: 'communication'
  scope: rg
  params: {
    communicationServiceName: '${abbrs.communicationServices}${resourceToken}'
    emailServiceName: '${abbrs.communicationEmailServices}${resourceToken}'
    systemTopicName: '${abbrs.eventGridSystemTopics}acs-${resourceToken}'
    location: location
    tags: tags
    dataLocation: acsDataLocation
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    communicationServiceName: communication.outputs.name
  }
}

module functionApp 'app/function.bicep' = {
  name: 'function'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    keyVaultUri: keyVault.outputs.uri
    appSecrets: appSecrets
    communicationServiceEndpoint: communication.outputs.endpoint
    emailSenderAddress: communication.outputs.emailSenderAddress
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
  // The host needs its storage, Service Bus and Key Vault roles the moment it starts.
  dependsOn: [
    rbac
  ]
}

// The vault by name (computable at the start of the deployment, as getSecret needs): the event subscription's URL
// carries the AcsEvents secret, read here and passed as a secure parameter, never output.
resource vaultForSecrets 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: '${abbrs.keyVaultVaults}${resourceToken}'
  scope: rg
}

module acsEvents 'app/acs-events.bicep' = if (deployAcsEventSubscription) {
  name: 'acs-events'
  scope: rg
  params: {
    systemTopicName: communication.outputs.systemTopicName
    functionAppName: functionApp.outputs.name
    acsEventsSecret: vaultForSecrets.getSecret('acs-events-secret')
  }
  dependsOn: [
    keyVault
  ]
}

// azd stores these in .azure/<env>/.env; ops read them with `azd env get-values`.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = functionApp.outputs.url
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output AZURE_STORAGE_TABLES array = storage.outputs.tables
output AZURE_SERVICEBUS_NAMESPACE string = serviceBus.outputs.name
output AZURE_SERVICEBUS_FULLY_QUALIFIED_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output AZURE_SERVICEBUS_QUEUES array = serviceBus.outputs.queueNames
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output AZURE_ACS_NAME string = communication.outputs.name
output AZURE_ACS_ENDPOINT string = communication.outputs.endpoint
output AZURE_ACS_EMAIL_SENDER string = communication.outputs.emailSenderAddress
output AZURE_ACS_EVENTGRID_SYSTEM_TOPIC string = communication.outputs.systemTopicName
output AZURE_ACS_EVENTS_WEBHOOK string = '${functionApp.outputs.url}/api/webhooks/acs'
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
