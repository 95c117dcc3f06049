// Key Vault for the Stripe secrets, RBAC authorization only.
//
// The secrets `stripe-secret-key` and `stripe-webhook-secrets` are deliberately NOT created
// here: secret values never pass through templates or deployment history. Ops staff set them
// once after `azd up` (the deploying principal gets Key Vault Secrets Officer); stripe-webhook-secrets
// holds one or more webhook signing secrets, comma-separated (rotation overlap). E.g.
//   az keyvault secret set --vault-name <AZURE_KEY_VAULT_NAME> --name stripe-secret-key --value <sk_...>
// The function app reads them through Key Vault references (versionless, so rotations are
// picked up by the platform).
//
// Purge protection means a deleted vault's name stays reserved for softDeleteRetentionInDays;
// `azd down --purge` cannot purge it. Recreate an environment under a new name, or recover the vault.
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
