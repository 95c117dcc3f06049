// Cosmos DB for NoSQL, serverless, Entra ID (RBAC) data access only.
// One container partitioned by /storyId keeps a story and its funding records in one logical
// partition, so effects touching both can be transactional.
param accountName string
param location string = resourceGroup().location
param tags object = {}

param databaseName string
param containerName string
@description('The card-testing defence\'s counters and markers: partition key /id, TTL set per item.')
param guardContainerName string

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  #checkov:skip=CKV_AZURE_99:No VNet in this deployment: Flex Consumption without VNet integration has no fixed outbound IPs to allow; access is Entra ID only (disableLocalAuth).
  #checkov:skip=CKV_AZURE_101:Public endpoint needed without a VNet (see CKV_AZURE_99); key-based auth is disabled.
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    enableAutomaticFailover: false
    enableMultipleWriteLocations: false
    // Point-in-time restore to any second of the last 7 days (README, runbook "Restoring a deleted story").
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous7Days'
      }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource container 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: containerName
  properties: {
    resource: {
      id: containerName
      partitionKey: {
        paths: [
          '/storyId'
        ]
        kind: 'Hash'
        version: 2
      }
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          {
            path: '/*'
          }
        ]
        excludedPaths: [
          {
            path: '/"_etag"/?'
          }
        ]
      }
    }
  }
}

resource guard 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: guardContainerName
  properties: {
    resource: {
      id: guardContainerName
      partitionKey: {
        paths: [
          '/id'
        ]
        kind: 'Hash'
        version: 2
      }
      defaultTtl: -1 // TTL on; every item says when it expires
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: []
        excludedPaths: [
          {
            path: '/*' // point reads and patches only
          }
        ]
      }
    }
  }
}

output accountName string = account.name
output accountId string = account.id
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
output containerName string = container.name
output guardContainerName string = guard.name
