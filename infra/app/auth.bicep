// Staff sign-in: App Service Authentication ("Easy Auth") with Microsoft Entra ID in front of the
// function app. Unauthenticated requests are let through (the public API and the donor portal stay
// anonymous); the platform signs staff in at /.auth/login/aad and passes the principal to the app in
// X-MS-CLIENT-PRINCIPAL (stripping any such header a client sends). The app checks the app roles
// author, reviewer and ops itself (shared/principal.py): no principal 401, a role that may not act 403.
//
// No client secret: sign-in asks Entra ID for an ID token only (OpenID Connect form post), which
// carries the app roles assigned to the user. The app registration (with the three app roles) is
// made once by an administrator; its client id is the `entraClientId` parameter.
param functionAppName string

@description('Application (client) id of the Entra ID app registration that defines the roles author, reviewer and ops.')
param entraClientId string

@description('Entra ID tenant whose users sign in.')
param tenantId string = tenant().tenantId

@description('Origins of the staff pages allowed as redirect targets after sign-in and sign-out.')
param allowedExternalRedirectUrls array = []

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  #checkov:skip=CKV_AZURE_13:checkov applies its Microsoft.Web/sites checks to this sites/config child; the site itself is checked in functions-flexconsumption.bicep.
  #checkov:skip=CKV_AZURE_63:checkov applies its Microsoft.Web/sites checks to this sites/config child; the site itself is checked in functions-flexconsumption.bicep.
  #checkov:skip=CKV_AZURE_65:checkov applies its Microsoft.Web/sites checks to this sites/config child; the site itself is checked in functions-flexconsumption.bicep.
  #checkov:skip=CKV_AZURE_66:checkov applies its Microsoft.Web/sites checks to this sites/config child; the site itself is checked in functions-flexconsumption.bicep.
  #checkov:skip=CKV_AZURE_80:checkov applies its Microsoft.Web/sites checks to this sites/config child; the site itself is checked in functions-flexconsumption.bicep.
  #checkov:skip=CKV_AZURE_88:checkov applies its Microsoft.Web/sites checks to this sites/config child; the site itself is checked in functions-flexconsumption.bicep.
  #checkov:skip=CKV_AZURE_222:checkov applies its Microsoft.Web/sites checks to this sites/config child; the site itself is checked in functions-flexconsumption.bicep.
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${entraClientId}'
            entraClientId
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: true
      }
      preserveUrlFragmentsForLogins: true
      allowedExternalRedirectUrls: allowedExternalRedirectUrls
      cookieExpiration: {
        convention: 'FixedTime'
        timeToExpiration: '08:00:00'
      }
    }
    httpSettings: {
      requireHttps: true
      forwardProxy: {
        convention: 'NoProxy'
      }
    }
  }
}
