#!/usr/bin/env bash
# azd postdeploy hook: upload the map assets (icons, basemap) to the `map-assets` container
# (python -m ops upload-assets) once the function app is deployed. The donor portal itself is the
# `web` service of azure.yaml, deployed by azd to Azure Static Web Apps (headers and the 404 page
# from web/staticwebapp.config.json); it is no longer uploaded to a storage static website here.
# Runs with the deploying user's Entra ID sign-in (--auth-mode login semantics: the templates grant
# it the storage data roles; no account keys).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${AZURE_STORAGE_BLOB_ENDPOINT:?run through azd (azd up / azd deploy)}"

echo "== map assets"
make install web >/dev/null
AzureWebJobsStorage__blobServiceUri="$AZURE_STORAGE_BLOB_ENDPOINT" \
COSMOS_ENDPOINT="${COSMOS_ENDPOINT:-unused}" \
  .venv/bin/python -m ops upload-assets
echo "donor portal: ${AZURE_STATIC_WEB_APP_URL:-see the Static Web App of the resource group}"
