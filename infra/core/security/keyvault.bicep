// Key Vault for the app's secrets, RBAC authorization only.
//
// The secrets (stripe-secret-key, stripe-webhook-secrets, client-hash-key, challenge-hmac-key) are
// deliberately NOT created here: secret values never pass through templates or deployment history.
// The postprovision hook (infra/scripts/postprovision.py) writes them with the deploying user's
// sign-in (Key Vault Secrets Officer) and restarts the app. The function app reads them through
// versionless Key Vault references.
//
// Purge protection keeps a deleted vault's name reserved for softDeleteRetentionInDays and nobody
// can purge it sooner, so every deployment gets a random suffix in its names (instanceSuffix in
// main.bicep, replaced by the postdown hook): `azd up` after `azd down` creates a new vault.
param name string
param location string = resourceGroup().location
param tags object = {}

@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  #checkov:skip=CKV_AZURE_109:No VNet in this deployment: Key Vault references from a Flex Consumption app without VNet integration need the public endpoint; access is RBAC only.
  #checkov:skip=CKV_AZURE_189:Public endpoint needed without a VNet (see CKV_AZURE_109).
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
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

output id string = vault.id
output name string = vault.name
// Ends with '/': https://<name>.vault.azure.net/
output uri string = vault.properties.vaultUri
