// Storage account for the function host (AzureWebJobsStorage), the deployment package,
// map assets (icons, basemap, images) and the payment-events queue.
//
// Shared key access is off: every client (the app, azd, the deploy script, ops staff) uses
// Entra ID. Blob static website hosting ($web, serving web/) is enabled by the deploy script
// after provisioning (`az storage blob service-properties update --static-website --auth-mode login`);
// it is a data-plane setting that Bicep cannot set.
param name string
param location string = resourceGroup().location
param tags object = {}

param mapAssetsContainerName string
param deploymentContainerName string
param paymentQueueName string

@description('Extra origins (besides the static website) allowed to fetch map assets from the browser.')
param corsAllowedOrigins array = []
@description('Origin of the donor portal (Static Web Apps), allowed to read map assets with fetch().')
param portalOrigin string = ''

@description('Days deleted blobs and containers can be restored, and earlier versions of a blob are kept.')
@minValue(1)
@maxValue(365)
param deleteRetentionDays int = 30

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  #checkov:skip=CKV_AZURE_35:No VNet in this deployment (Flex Consumption without VNet integration, browsers fetch assets via SAS); access is Entra ID only, shared keys disabled.
  #checkov:skip=CKV_AZURE_59:Public endpoint needed: the donor portal is served from the static website and browsers fetch map assets via user-delegation SAS.
  #checkov:skip=CKV_AZURE_206:Locally redundant storage is enough for a small nonprofit; stories live in Cosmos DB and assets can be re-uploaded from the authoring source.
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    dnsEndpointType: 'Standard'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
        queue: {
          enabled: true
          keyType: 'Account'
        }
        table: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}


resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    // The portal fetches the basemap (GeoJSON) with fetch(): allow its origin, read-only.
    cors: {
      corsRules: [
        {
          allowedOrigins: union(empty(portalOrigin) ? [] : [portalOrigin], corsAllowedOrigins)
          allowedMethods: [
            'GET'
            'HEAD'
          ]
          allowedHeaders: [
            '*'
          ]
          exposedHeaders: [
            'ETag'
          ]
          maxAgeInSeconds: 3600
        }
      ]
    }
    // Every overwrite keeps the earlier version (map assets re-uploaded by a deploy, a story image
    // replaced): restorable for deleteRetentionDays, then removed by the lifecycle rule below.
    isVersioningEnabled: true
    deleteRetentionPolicy: {
      enabled: true
      days: deleteRetentionDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: deleteRetentionDays
    }
  }
}

// Private containers: assets are read through short-lived user-delegation SAS URLs.
resource mapAssetsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: mapAssetsContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Earlier versions cost storage: delete them once they are deleteRetentionDays old.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-06-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'expire-earlier-versions'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
            }
            actions: {
              version: {
                delete: {
                  daysAfterCreationGreaterThan: deleteRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource paymentQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: paymentQueueName
}

// The Functions host moves a message here after maxDequeueCount failures; created up front so
// the ops CLI (replay) can read it before the first failure happens.
resource paymentPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: '${paymentQueueName}-poison'
}

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output webEndpoint string = storage.properties.primaryEndpoints.web
