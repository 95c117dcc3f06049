#!/usr/bin/env bash
# Build the donor portal for Azure Static Web Apps. azd runs it as web/'s `npm run build` (azure.yaml,
# service `web`) and deploys web/dist: web/ as it is, with the API's address in each page's
# <meta name="api-base"> and the API's and the asset storage's origins filled into the
# Content-Security-Policy of staticwebapp.config.json ({API_ORIGIN}, {ASSET_ORIGIN}; devhost fills
# the same placeholders with the local services' origins).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${AZURE_FUNCTION_URL:?run through azd (azd up / azd deploy)}"
: "${AZURE_STORAGE_BLOB_ENDPOINT:?run through azd (azd up / azd deploy)}"

origin() { printf '%s' "$1" | sed -E 's#^(https?://[^/]+).*#\1#'; }
api_origin=$(origin "$AZURE_FUNCTION_URL")
asset_origin=$(origin "${ASSET_BASE_URL:-$AZURE_STORAGE_BLOB_ENDPOINT}")
api="${AZURE_FUNCTION_URL%/}/api"

make web >/dev/null  # Leaflet and the proof-of-work solver into web/vendor/
rm -rf web/dist
mkdir -p web/dist
tar -C web --exclude=./dist --exclude=./package.json -cf - . | tar -C web/dist -xf -
sed -i "s#<meta name=\"api-base\" content=\"/api\">#<meta name=\"api-base\" content=\"${api}\">#" web/dist/*.html
sed -i -e "s#{API_ORIGIN}#${api_origin}#g" -e "s#{ASSET_ORIGIN}#${asset_origin}#g" web/dist/staticwebapp.config.json
if grep -q '{[A-Z_]*_ORIGIN}' web/dist/staticwebapp.config.json; then
  echo "build-web: a placeholder is left in staticwebapp.config.json" >&2
  exit 1
fi
echo "donor portal built in web/dist (API ${api}, assets ${asset_origin})"
