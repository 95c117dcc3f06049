// The donor portal on Azure Static Web Apps: static files with the headers, routes and 404 page of
// web/staticwebapp.config.json (Blob static website hosting cannot send headers). azd deploys web/
// to it (azure.yaml: service `web`, host staticwebapp), found by its azd-service-name tag.
param name string
@description('Static Web Apps is offered in a few regions only; the content is served from a global edge.')
param location string
param tags object = {}
param serviceName string = 'web'

resource web 'Microsoft.Web/staticSites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    // Content comes from azd (the Static Web Apps CLI), not from a repository build.
    provider: 'None'
    allowConfigFileUpdates: true
    stagingEnvironmentPolicy: 'Disabled'
    publicNetworkAccess: 'Enabled'
  }
}

output name string = web.name
output uri string = 'https://${web.properties.defaultHostname}'
output origin string = 'https://${web.properties.defaultHostname}'
