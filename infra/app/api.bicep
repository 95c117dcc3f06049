// The Second Chance API: the function app and every setting it reads (see shared/ settings and
// local.settings.json.example). Identity-based connections only; secrets come from Key Vault
// references, never from values in this file.
param name string
param planName string
param location string = resourceGroup().location
param tags object = {}

param identityId string
param identityClientId string
param applicationInsightsName string
param storageAccountName string
param deploymentContainerName string
param mapAssetsContainerName string
param cosmosEndpoint string
param cosmosDatabaseName string
param cosmosContainerName string

@description('Key Vault URI, with its trailing slash.')
param keyVaultUri string
param stripeSecretKeySecretName string
param stripeWebhookSecretsSecretName string
param clientHashKeySecretName string
param challengeHmacKeySecretName string
param guardContainerName string

@minLength(1)
param stripePublishableKey string
param corsAllowedOrigins string = ''
@description('Origin of the donor portal (Static Web Apps): the default for CORS_ALLOWED_ORIGINS.')
param portalOrigin string = ''
param assetBaseUrl string = ''
param assetSasMinutes int = 60
param donationCurrencies string = 'USD,THB'
param storyListCacheSeconds int = 10
param healthTimeoutSeconds int = 3

param serviceName string = 'api'

@description('Client id of the Entra ID app registration for staff sign-in (Easy Auth); empty: no staff sign-in.')
param entraClientId string = ''

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}


var appSettings = [
  // Host storage (triggers, leases) over managed identity.
  {
    name: 'AzureWebJobsStorage__accountName'
    value: storage.name
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identityClientId
  }
  {
    name: 'AzureWebJobsStorage__blobServiceUri'
    value: storage.properties.primaryEndpoints.blob
  }
  {
    name: 'AzureWebJobsStorage__queueServiceUri'
    value: storage.properties.primaryEndpoints.queue
  }
  // DefaultAzureCredential (Cosmos, blob SAS delegation key) picks the user-assigned identity.
  {
    name: 'AZURE_CLIENT_ID'
    value: identityClientId
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: applicationInsights.properties.ConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'ClientId=${identityClientId};Authorization=AAD'
  }
  {
    name: 'COSMOS_ENDPOINT'
    value: cosmosEndpoint
  }
  {
    name: 'COSMOS_DATABASE'
    value: cosmosDatabaseName
  }
  {
    name: 'COSMOS_CONTAINER'
    value: cosmosContainerName
  }
  {
    name: 'MAP_ASSETS_CONTAINER'
    value: mapAssetsContainerName
  }
  {
    name: 'ASSET_SAS_MINUTES'
    value: string(assetSasMinutes)
  }
  {
    name: 'ASSET_BASE_URL'
    value: assetBaseUrl
  }
  {
    name: 'STRIPE_SECRET_KEY'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${stripeSecretKeySecretName})'
  }
  {
    name: 'STRIPE_WEBHOOK_SECRETS'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${stripeWebhookSecretsSecretName})'
  }
  {
    name: 'CLIENT_HASH_KEY'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${clientHashKeySecretName})'
  }
  {
    name: 'CHALLENGE_HMAC_KEY'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${challengeHmacKeySecretName})'
  }
  {
    name: 'GUARD_CONTAINER'
    value: guardContainerName
  }
  {
    name: 'STRIPE_PUBLISHABLE_KEY'
    value: stripePublishableKey
  }
  {
    name: 'STRIPE_JS_URL'
    value: 'https://js.stripe.com/v3/'
  }
  {
    name: 'DONATION_CURRENCIES'
    value: donationCurrencies
  }
  // Who strips and sets X-MS-CLIENT-PRINCIPAL: Easy Auth when it is configured (auth.bicep); otherwise
  // nobody does, and the staff routes refuse every request.
  {
    name: 'STAFF_SIGN_IN'
    value: !empty(entraClientId) ? 'easyauth' : 'off'
  }
  // The app answers CORS itself; no platform CORS is configured (it would override the app's headers).
  {
    name: 'CORS_ALLOWED_ORIGINS'
    value: !empty(corsAllowedOrigins) ? corsAllowedOrigins : portalOrigin
  }
  {
    name: 'STORY_LIST_CACHE_SECONDS'
    value: string(storyListCacheSeconds)
  }
  {
    name: 'HEALTH_TIMEOUT_SECONDS'
    value: string(healthTimeoutSeconds)
  }
]

module functionApp '../core/host/functions-flexconsumption.bicep' = {
  name: '${serviceName}-functions'
  params: {
    name: name
    planName: planName
    location: location
    tags: union(tags, {
      'azd-service-name': serviceName
    })
    identityId: identityId
    storageAccountName: storageAccountName
    deploymentContainerName: deploymentContainerName
    runtimeName: 'python'
    runtimeVersion: '3.11'
    appSettings: appSettings
  }
}

// Staff sign-in in front of the app (see auth.bicep); the public routes stay anonymous.
module staffAuth 'auth.bicep' = if (!empty(entraClientId)) {
  name: '${serviceName}-staff-auth'
  params: {
    functionAppName: functionApp.outputs.name
    entraClientId: entraClientId
    allowedExternalRedirectUrls: [
      staticWebsiteOrigin
    ]
  }
}

output name string = functionApp.outputs.name
output uri string = functionApp.outputs.uri
