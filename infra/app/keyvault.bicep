// Key Vault for provider secrets (Twilio, Meta, app webhook secrets). RBAC mode, soft delete and purge protection:
// a deleted vault (and its secrets) stays recoverable for the retention period and cannot be purged early.
param name string
param location string
param tags object = {}
@description('Object id of the deploying user or pipeline; gets Key Vault Secrets Officer so it can set the secrets. Empty: none.')
param secretsOfficerPrincipalId string = ''
@allowed([ 'User', 'ServicePrincipal', 'Group' ])
param secretsOfficerPrincipalType string = 'User'

var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

// The person or pipeline running `azd up` writes the secrets; the app identity only reads them (rbac.bicep).
resource deployerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(secretsOfficerPrincipalId)) {
  name: guid(vault.id, secretsOfficerPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: secretsOfficerPrincipalId
    principalType: secretsOfficerPrincipalType
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
