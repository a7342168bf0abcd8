// Key Vault for provider secrets (Twilio, Meta, app webhook secrets). RBAC mode and soft delete: a deleted vault (and
// its secrets) stays recoverable for the retention period. Purge protection is a parameter (docs/deploy.md): with it,
// a deleted vault cannot be purged early, so its name stays taken until the retention period ends.
param name string
param location string
param tags object = {}
@description('Object id of the deploying user or pipeline; gets Key Vault Secrets Officer so it can set the secrets. Empty: none.')
param deployerObjectId string = ''
@allowed([ 'User', 'ServicePrincipal', 'Group' ])
param deployerKind string = 'User'
@description('Purge protection; cannot be switched off again once on.')
param purgeProtection bool = false

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
    // The API refuses false here: off means leaving the property out.
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

// The person or pipeline running `azd up` writes the secrets; the app identity only reads them (rbac.bicep).
resource deployerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerObjectId)) {
  name: guid(vault.id, deployerObjectId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: deployerObjectId
    principalType: deployerKind
    description: 'Key Vault Secrets Officer: the person or pipeline running azd puts the provider secrets into the vault'
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
