// Second Chance: everything `azd up` provisions, in one resource group.
//
//   Function app (Flex Consumption FC1, Python 3.11, user-assigned managed identity)
//   Storage account (blob: map-assets + deployment package; queues: payment-events(-poison))
//   Cosmos DB for NoSQL (serverless): database secondchance, container stories (/storyId)
//   Key Vault (RBAC): secrets stripe-secret-key, stripe-webhook-secrets (values set by ops, never here)
//   Log Analytics + Application Insights (Entra ID auth only)
//
// Every connection is identity based: no account keys, connection strings or secret values
// appear in these templates or in the app settings.
//
// Kept to the Bicep subset checkov's parser reads (no @export, import, func, range(), map()).

targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used for the resource group name and a unique token in resource names.')
param environmentName string

@minLength(1)
@description('Primary location for all resources. Must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user or pipeline principal. Gets data-plane roles for ops work (upload assets, run the ops CLI, set Key Vault secrets). Leave empty for none.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
@description('Kind of principal principalId refers to.')
param principalType string = 'User'

@minLength(1)
@description('Stripe publishable key (pk_test_... or pk_live_...). Public by design; served to the browser. Required: Stripe.js cannot start without it. The preprovision hook asks for it once.')
param stripePublishableKey string

@minLength(3)
@description('E-mail address that receives the alerts (payments poisoned, function failures, reconcile not run, Cosmos DB throttled, /api/health unavailable). The preprovision hook asks for it once.')
param alertEmail string

@description('Daily ingestion cap of the Log Analytics workspace, in GB.')
@minValue(1)
param logDailyCapGb int = 1

@description('Comma-separated origins allowed to call the API from a browser. Empty: the storage account static website origin, where the donor portal is published.')
param corsAllowedOrigins string = ''

@description('Public base URL for map assets (e.g. a CDN). Empty: the app hands out short-lived user-delegation SAS URLs to blob storage.')
param assetBaseUrl string = ''

@description('Application (client) id of the Entra ID app registration for staff sign-in (app roles author, reviewer, ops). Empty: no staff sign-in is configured.')
param entraClientId string = ''

@description('Region of the Static Web App resource that serves the donor portal (it offers only a few; content is served from a global edge).')
@allowed([
  'eastasia'
  'eastus2'
  'centralus'
  'westus2'
  'westeurope'
])
param webLocation string = 'eastasia'

@description('Optional override of the generated resource group name.')
param resourceGroupName string = ''

@description('Optional override of the generated function app name (globally unique host name).')
param functionAppName string = ''

@maxLength(12)
@description('Random suffix of this deployment (AZURE_INSTANCE_SUFFIX, set by the preprovision hook, replaced by the postdown hook) so that `azd up` after `azd down` gets new names: a deleted Key Vault keeps its name reserved for 90 days. Empty: the names of deployments made before the suffix existed.')
param instanceSuffix string = ''

var resourceToken = toLower(empty(instanceSuffix) ? uniqueString(subscription().id, environmentName, location) : uniqueString(subscription().id, environmentName, location, instanceSuffix))
var tags = {
  'azd-env-name': environmentName
  application: 'second-chance'
}
var apiName = !empty(functionAppName) ? functionAppName : 'func-api-${resourceToken}'
// Blob container that holds the deployment package (Flex Consumption "one deploy").
var deploymentContainerName = 'app-package-${resourceToken}'
var mapAssetsContainerName = 'map-assets'
var paymentQueueName = 'payment-events'
var cosmosDatabaseName = 'secondchance'
var cosmosContainerName = 'stories'
var guardContainerName = 'guard'
var stripeSecretKeySecretName = 'stripe-secret-key'
var stripeWebhookSecretsSecretName = 'stripe-webhook-secrets'
var clientHashKeySecretName = 'client-hash-key'
var challengeHmacKeySecretName = 'challenge-hmac-key'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

// Identity of the function app. User-assigned so that its role assignments (and the Key Vault
// references that depend on them) can exist before the app first starts.
module apiIdentity 'core/identity/user-assigned-identity.bicep' = {
  name: 'api-identity'
  scope: rg
  params: {
    name: 'id-api-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
    dailyCapGb: logDailyCapGb
  }
}

// The donor portal: Azure Static Web Apps, headers from web/staticwebapp.config.json.
module web 'app/web.bicep' = {
  name: 'web'
  scope: rg
  params: {
    name: 'stapp-${resourceToken}'
    location: webLocation
    tags: tags
  }
}

module storage 'core/storage/storage-account.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    mapAssetsContainerName: mapAssetsContainerName
    deploymentContainerName: deploymentContainerName
    paymentQueueName: paymentQueueName
    corsAllowedOrigins: filter(split(corsAllowedOrigins, ','), origin => !empty(trim(origin)))
    portalOrigin: web.outputs.origin
  }
}

module cosmos 'core/database/cosmos-nosql.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    accountName: 'cosmos-${resourceToken}'
    location: location
    tags: tags
    databaseName: cosmosDatabaseName
    containerName: cosmosContainerName
    guardContainerName: guardContainerName
  }
}

module keyVault 'core/security/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    cosmosAccountName: cosmos.outputs.accountName
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appPrincipalId: apiIdentity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: apiName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: apiIdentity.outputs.id
    identityClientId: apiIdentity.outputs.clientId
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    mapAssetsContainerName: mapAssetsContainerName
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmosDatabaseName
    cosmosContainerName: cosmosContainerName
    keyVaultUri: keyVault.outputs.uri
    stripeSecretKeySecretName: stripeSecretKeySecretName
    stripeWebhookSecretsSecretName: stripeWebhookSecretsSecretName
    clientHashKeySecretName: clientHashKeySecretName
    challengeHmacKeySecretName: challengeHmacKeySecretName
    guardContainerName: guardContainerName
    stripePublishableKey: stripePublishableKey
    corsAllowedOrigins: corsAllowedOrigins
    portalOrigin: web.outputs.origin
    assetBaseUrl: assetBaseUrl
    entraClientId: entraClientId
  }
  // The identity needs its data-plane roles before the host starts (storage, Key Vault references).
  dependsOn: [
    rbac
  ]
}

// Who is told when money is stuck: action group, alerts, availability test of /api/health.
module alerts 'core/monitor/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    namePrefix: resourceToken
    location: location
    tags: tags
    alertEmail: alertEmail
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    cosmosAccountName: cosmos.outputs.accountName
    functionAppUrl: api.outputs.uri
  }
}

// Key Vault, Cosmos DB and Storage logs into Log Analytics (daily cap above).
module diagnostics 'core/monitor/diagnostics.bicep' = {
  name: 'diagnostics'
  scope: rg
  params: {
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsId
    keyVaultName: keyVault.outputs.name
    cosmosAccountName: cosmos.outputs.accountName
    storageAccountName: storage.outputs.name
  }
}

// Outputs azd stores in .azure/<env>/.env (and the deploy / ops scripts read).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_FUNCTION_NAME string = api.outputs.name
output AZURE_FUNCTION_URL string = api.outputs.uri
output AZURE_FUNCTION_IDENTITY_CLIENT_ID string = apiIdentity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output SERVICE_WEB_NAME string = web.outputs.name
output SERVICE_WEB_URI string = web.outputs.uri
output AZURE_STATIC_WEB_APP_URL string = web.outputs.uri
output MAP_ASSETS_CONTAINER string = mapAssetsContainerName
output PAYMENT_EVENTS_QUEUE string = paymentQueueName
output AZURE_COSMOS_ACCOUNT_NAME string = cosmos.outputs.accountName
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmosDatabaseName
output COSMOS_CONTAINER string = cosmosContainerName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output STRIPE_SECRET_KEY_SECRET_NAME string = stripeSecretKeySecretName
output STRIPE_WEBHOOK_SECRETS_SECRET_NAME string = stripeWebhookSecretsSecretName
output CLIENT_HASH_KEY_SECRET_NAME string = clientHashKeySecretName
output CHALLENGE_HMAC_KEY_SECRET_NAME string = challengeHmacKeySecretName
output GUARD_CONTAINER string = guardContainerName
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AZURE_LOG_ANALYTICS_NAME string = monitoring.outputs.logAnalyticsName
output AZURE_ACTION_GROUP_ID string = alerts.outputs.actionGroupId
