// Who is told when money is stuck, and when.
//
//   action group (e-mail)                       every alert below goes there
//   payment events poisoned                     any message waiting in payment-events-poison (measured
//                                               every 5 minutes by the measure_poison_queue timer)
//   function failures                           failed invocations (client errors, 4xx, excluded)
//   reconcile not run                           no daily_reconcile run for 26 hours
//   Cosmos DB throttled                         requests answered 429
//   health availability                         /api/health checked from 3 regions every 5 minutes
//
// Log alerts query Application Insights: the app's telemetry lines carry `metric`, `value` and ids in
// customDimensions (shared/telemetry.py).
param namePrefix string
param location string = resourceGroup().location
param tags object = {}

@description('Where alerts are e-mailed.')
param alertEmail string
param applicationInsightsName string
param cosmosAccountName string

@description('The function app\'s base URL (https://...), for the availability test of /api/health.')
param functionAppUrl string

@description('Failed invocations in 15 minutes that raise the failures alert.')
@minValue(1)
param failureThreshold int = 3

@description('Throttled (429) Cosmos DB requests in 15 minutes that raise the throttling alert.')
@minValue(1)
param throttledThreshold int = 10

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' existing = {
  name: cosmosAccountName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${namePrefix}'
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'secondchance'
    enabled: true
    emailReceivers: [
      {
        name: 'ops'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource poisonAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${namePrefix}-payments-poisoned'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Payment events poisoned'
    description: 'Messages wait in payment-events-poison: payments are not applied. README, runbook "Payments stuck".' // bicep-check: ignore (a real property: the checker's bundle drops every key named description)
    severity: 1
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'traces | where tostring(customDimensions["metric"]) == "payment_events_poison" | extend waiting = toint(customDimensions["value"]) | project timestamp, waiting'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'waiting'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

resource failuresAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${namePrefix}-function-failures'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Function failures'
    description: 'Function invocations failed (HTTP 4xx answers to callers are not failures). README, runbook.' // bicep-check: ignore (a real property: the checker's bundle drops every key named description)
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'requests | where success == false | where isnull(toint(resultCode)) or toint(resultCode) !between (400 .. 499) | project timestamp, name'
          timeAggregation: 'Count'
          operator: 'GreaterThanOrEqual'
          threshold: failureThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

// Fires when the app has been running for more than 26 hours and no reconcile run was recorded in
// that time (the timer runs daily at 03:30 UTC). Not in the first 26 hours of a new deployment.
resource reconcileAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${namePrefix}-reconcile-missing'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Reconcile has not run for 26 hours'
    description: 'daily_reconcile recorded no run for 26 hours: webhooks that never arrived are not being caught. README, runbook.' // bicep-check: ignore (a real property: the checker's bundle drops every key named description)
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    overrideQueryTimeRange: 'P2D'
    criteria: {
      allOf: [
        {
          query: 'let runs = toscalar(traces | where timestamp > ago(26h) | where tostring(customDimensions["metric"]) == "reconcile_run" | count); let first = toscalar(union requests, traces | where timestamp > ago(2d) | summarize min(timestamp)); print missing = iff(runs == 0 and first < ago(26h), 1, 0)'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'missing'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

resource throttledAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${namePrefix}-cosmos-throttled'
  location: 'global'
  tags: tags
  properties: {
    description: 'Cosmos DB answers 429 (too many requests). README, runbook "Cosmos DB throttled".' // bicep-check: ignore (a real property: the checker's bundle drops every key named description)
    severity: 2
    enabled: true
    scopes: [
      cosmos.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'throttled'
          metricNamespace: 'Microsoft.DocumentDB/databaseAccounts'
          metricName: 'TotalRequests'
          dimensions: [
            {
              name: 'StatusCode'
              operator: 'Include'
              values: [
                '429'
              ]
            }
          ]
          operator: 'GreaterThanOrEqual'
          threshold: throttledThreshold
          timeAggregation: 'Count'
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

var healthTestName = 'webtest-${namePrefix}-health'

resource healthTest 'Microsoft.Insights/webtests@2022-06-15' = {
  name: healthTestName
  location: location
  // Availability tests are tied to their Application Insights resource by this tag.
  tags: union(tags, {
    'hidden-link:${applicationInsights.id}': 'Resource'
  })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: healthTestName
    Name: 'GET /api/health'
    Description: '200 when the app reaches Cosmos DB and storage and has its payment settings.'
    Enabled: true
    Frequency: 300
    Timeout: 30
    Kind: 'standard'
    RetryEnabled: true
    Locations: [
      {
        Id: 'us-va-ash-azr'
      }
      {
        Id: 'emea-nl-ams-azr'
      }
      {
        Id: 'apac-sg-sin-azr'
      }
    ]
    Request: {
      RequestUrl: '${functionAppUrl}/api/health'
      HttpVerb: 'GET'
      ParseDependentRequests: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 7
    }
  }
}

resource healthAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${namePrefix}-health'
  location: 'global'
  tags: tags
  properties: {
    description: '/api/health fails from 2 or more locations: donations are likely failing. README, runbook.' // bicep-check: ignore (a real property: the checker's bundle drops every key named description)
    severity: 1
    enabled: true
    scopes: [
      healthTest.id
      applicationInsights.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria'
      webTestId: healthTest.id
      componentId: applicationInsights.id
      failedLocationCount: 2
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

output actionGroupId string = actionGroup.id
output healthTestId string = healthTest.id
