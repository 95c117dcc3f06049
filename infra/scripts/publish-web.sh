#!/usr/bin/env bash
# azd postdeploy hook: publish the donor portal and the map assets once the function app is deployed.
#   1. uploads the map assets (icons, basemap) to the `map-assets` container (python -m ops upload-assets);
#   2. enables static website hosting on the storage account (a data-plane setting Bicep cannot set);
#   3. uploads web/ to `$web`, pointing its pages at the function app's API.
# Runs with the deploying user's Entra ID sign-in (the templates grant it the storage data roles).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${AZURE_STORAGE_ACCOUNT_NAME:?run through azd (azd up / azd deploy)}"
: "${AZURE_FUNCTION_URL:?run through azd (azd up / azd deploy)}"
: "${AZURE_STORAGE_BLOB_ENDPOINT:?run through azd (azd up / azd deploy)}"

echo "== map assets"
make install web >/dev/null
AzureWebJobsStorage__blobServiceUri="$AZURE_STORAGE_BLOB_ENDPOINT" \
COSMOS_ENDPOINT="${COSMOS_ENDPOINT:-unused}" \
  .venv/bin/python -m ops upload-assets

echo "== static website"
az storage blob service-properties update --account-name "$AZURE_STORAGE_ACCOUNT_NAME" --auth-mode login \
  --static-website --index-document index.html --404-document index.html --output none

site=$(mktemp -d)
trap 'rm -rf "$site"' EXIT
cp -r web/. "$site"
api="${AZURE_FUNCTION_URL%/}/api"
sed -i "s#<meta name=\"api-base\" content=\"/api\">#<meta name=\"api-base\" content=\"${api}\">#" "$site"/*.html
az storage blob upload-batch --account-name "$AZURE_STORAGE_ACCOUNT_NAME" --auth-mode login \
  --destination '$web' --source "$site" --overwrite --output none
echo "donor portal: ${AZURE_STORAGE_WEB_ENDPOINT:-see the static website of the storage account}"
