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
@description('Kind of principalId (azd sets AZURE_PRINCIPAL_TYPE): User for a person running azd, ServicePrincipal for a pipeline.')
param principalType string = 'User'

@description('Where Azure Communication Services keeps data at rest ("United States", "Europe", "UK", ...). Fixed once created.')
param acsDataLocation string = 'United States'

@description('Key Vault purge protection. Off by default so that `azd down --purge` frees the vault name for the next `azd up` of the same environment; turn it on for production (it cannot be turned off again on that vault).')
param keyVaultPurgeProtection bool = false

// Settings that are not secrets, from the azd environment (`azd env set OMNI_SMS_FROM +15550100`, see
// main.parameters.json). Bicep owns the app settings: a value set by hand in the portal is gone after the next
// provision, these stay. Empty means unset.
@description('ACS SMS sender number in E.164 (AcsSms__From). SMS over ACS stays off without it.')
param smsFrom string = ''

@description('SMS provider order (Sms__Providers), e.g. "acs,twilio".')
param smsProviders string = ''

@description('Twilio account SID (Twilio__AccountSid); not a secret, the auth token is.')
param twilioAccountSid string = ''

@description('Twilio sender number in E.164 (Twilio__From).')
param twilioFrom string = ''

@description('Twilio Messaging Service SID (Twilio__MessagingServiceSid), instead of a sender number.')
param twilioMessagingServiceSid string = ''

@description('ACS Advanced Messaging channel registration id for WhatsApp (AcsWhatsApp__ChannelRegistrationId).')
param whatsAppChannelRegistrationId string = ''

@description('Brand name used in templates and keyword replies (Brand__Name).')
param brandName string = ''

@description('Public base URL of the app when it is served on a custom domain (Omni__PublicBaseUrl); empty: the default host name.')
param publicBaseUrl string = ''

@description('URL that receives Omni\'s signed app events (AppEvents__Url).')
param appEventsUrl string = ''

@description('URL of the app\'s in-app message endpoint (InApp__Endpoint).')
param inAppEndpoint string = ''

// Who may call the API (SECURITY.md, "Who can call what"; docs/deploy.md, "Entra ID mode"). ./omni publish reads the
// same OMNI_AUTH_MODE: EntraId publishes the caller-facing functions anonymous, for App Service authentication.
@allowed([ 'FunctionKeys', 'EntraId' ])
@description('Auth__Mode: FunctionKeys (the host checks function and master keys) or EntraId (App Service authentication validates Entra ID tokens; the app checks app roles per endpoint).')
param authMode string = 'FunctionKeys'

@description('EntraId mode: application (client) id of Omni\'s app registration, which defines the app roles callers hold.')
param entraClientId string = ''

@description('EntraId mode: tenant of that app registration; empty: the tenant of this deployment.')
param entraTenantId string = ''

@description('EntraId mode: an extra token audience to accept besides api://<entraClientId> and the client id itself, e.g. a custom application id URI.')
param entraAudience string = ''

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

// Only the settings given a value reach the app.
var parameterSettings = filter([
  { name: 'AcsSms__From', value: smsFrom }
  { name: 'Sms__Providers', value: smsProviders }
  { name: 'Twilio__AccountSid', value: twilioAccountSid }
  { name: 'Twilio__From', value: twilioFrom }
  { name: 'Twilio__MessagingServiceSid', value: twilioMessagingServiceSid }
  { name: 'AcsWhatsApp__ChannelRegistrationId', value: whatsAppChannelRegistrationId }
  { name: 'Brand__Name', value: brandName }
  { name: 'Omni__PublicBaseUrl', value: publicBaseUrl }
  { name: 'AppEvents__Url', value: appEventsUrl }
  { name: 'InApp__Endpoint', value: inAppEndpoint }
], setting => !empty(setting.value))

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
    deployerObjectId: principalId
    deployerKind: principalType
    purgeProtection: keyVaultPurgeProtection
  }
}

module communication 'app/communication.bicep' = {
  name: 'communication'
  scope: rg
  params: {
    communicationServiceName: '${abbrs.communicationServices}${resourceToken}'
    emailServiceName: '${abbrs.communicationEmailServices}${resourceToken}'
    systemTopicName: '${abbrs.eventGridSystemTopics}acs-${resourceToken}'
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
    parameterSettings: parameterSettings
    communicationServiceEndpoint: communication.outputs.endpoint
    emailSenderAddress: communication.outputs.emailSenderAddress
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    authMode: authMode
    entraClientId: entraClientId
    entraTenantId: empty(entraTenantId) ? tenant().tenantId : entraTenantId
    entraAudience: entraAudience
  }
  // The host needs its storage, Service Bus and Key Vault roles the moment it starts.
  dependsOn: [
    rbac
  ]
}

// Event Grid delivers ACS events (SMS received, delivery and engagement reports, WhatsApp) to the acs-events queue
// with the system topic's own identity: no webhook handshake, no secret, wired by the first `azd up`.
module acsEvents 'app/acs-events.bicep' = {
  name: 'acs-events'
  scope: rg
  params: {
    systemTopicName: communication.outputs.systemTopicName
    systemTopicPrincipalId: communication.outputs.systemTopicPrincipalId
    serviceBusNamespaceName: serviceBus.outputs.name
    queueName: 'acs-events'
  }
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
output AZURE_ACS_EVENTS_QUEUE string = acsEvents.outputs.queueName
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
