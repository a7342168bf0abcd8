// The function app: Flex Consumption (Linux), the custom-handler runtime, the user-assigned identity for every
// outbound call, the package deployed from a blob container, HTTPS/TLS 1.2 only, no basic-auth publishing.
// Flex Consumption rejects the settings and site properties of the older plans (FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE, ftpsState, ...): the runtime comes from functionAppConfig, and
// Flex has no FTP at all. tests/Omni.Infra.Tests checks the compiled template for them.
param name string
param planName string
param location string
param tags object = {}
@description('The azd service name (azure.yaml) that deploys to this app.')
param serviceName string = 'api'
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerUrl string
param serviceBusFullyQualifiedNamespace string
param applicationInsightsConnectionString string
param keyVaultUri string
@description('infra/appsecrets.json secrets: app setting name + Key Vault secret name.')
param appSecrets array
@description('Non-secret settings from the azd environment ({ name, value }), already without the empty ones.')
param parameterSettings array = []
param communicationServiceEndpoint string
param emailSenderAddress string
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100
@allowed([ 512, 2048, 4096 ])
param instanceMemoryMB int = 2048

@allowed([ 'FunctionKeys', 'EntraId' ])
param authMode string = 'FunctionKeys'
param entraClientId string = ''
param entraTenantId string = ''
param entraAudience string = ''

// Routes every caller reaches without an Entra ID token in EntraId mode: provider webhooks and unsubscribe links
// verify their own signatures, health and the OpenAPI document are public (the anonymous functions' routes).
var publicPaths = [
  '/api/health'
  '/api/openapi.json'
  '/api/webhooks/*'
  '/api/unsubscribe/*'
]

// Settings the Functions host and Omni read (see docs/deploy.md, "App settings"). Identity-based connections:
// <connection>__credential = managedidentity + __clientId selects the user-assigned identity.
var connectionSettings = [
  { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
  { name: 'ServiceBusConnection__fullyQualifiedNamespace', value: serviceBusFullyQualifiedNamespace }
  { name: 'ServiceBusConnection__credential', value: 'managedidentity' }
  { name: 'ServiceBusConnection__clientId', value: identityClientId }
  { name: 'AcsConnection__endpoint', value: communicationServiceEndpoint }
  { name: 'AcsConnection__credential', value: 'managedidentity' }
  { name: 'AcsConnection__clientId', value: identityClientId }
  { name: 'AcsEmail__senderAddress', value: emailSenderAddress }
  { name: 'AZURE_CLIENT_ID', value: identityClientId }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
  { name: 'Auth__Mode', value: authMode }
]

// Provider secrets as Key Vault references (no version: the latest secret version is used and rotations are
// picked up). Resolved by the platform with keyVaultReferenceIdentity, i.e. the app's user-assigned identity.
var secretSettings = [for secret in appSecrets: {
  name: secret.setting
  value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secret.secretName}/)'
}]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'custom'
        version: '1.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      appSettings: concat(connectionSettings, secretSettings, parameterSettings)
    }
  }
}

// EntraId mode: App Service authentication validates callers' Entra ID tokens (client credentials, app roles) and
// forwards the caller in X-MS-CLIENT-PRINCIPAL, which it strips from incoming requests; no token, no entry (401).
// The platform sets WEBSITE_AUTH_ENABLED=True, without which the app refuses every caller-facing request.
resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = if (authMode == 'EntraId') {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: publicPaths
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${entraTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: concat([ 'api://${entraClientId}', entraClientId ], empty(entraAudience) ? [] : [ entraAudience ])
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

// Basic-auth (publishing profile) deployment off: deployments authenticate with Entra ID only.
resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = functionApp.name
output id string = functionApp.id
output defaultHostName string = functionApp.properties.defaultHostName
output url string = 'https://${functionApp.properties.defaultHostName}'
