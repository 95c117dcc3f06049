"""Build the donor portal for Azure Static Web Apps: azd runs it as web/'s `npm run build`
(azure.yaml, service `web`) and deploys web/dist.

web/dist is web/ as it is, plus vendor/ built from npm packages (assets/build_vendor.mjs, as `make web`
runs it), with the API's address in each page's <meta name="api-base"> and the API's and the
asset storage's origins filled into the Content-Security-Policy of staticwebapp.config.json
({API_ORIGIN}, {ASSET_ORIGIN}; devhost fills the same placeholders with the local services' origins).
Python's standard library only, so that it runs wherever azd does.
"""

from __future__ import annotations

import os
import re
import shutil
from urllib.parse import urlsplit

from hooklib import ROOT, HookError, require, run, step
from postdeploy import ensure_node, ensure_vendor

WEB, DIST = ROOT / "web", ROOT / "web" / "dist"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def main() -> None:
    require("AZURE_FUNCTION_URL", "AZURE_STORAGE_BLOB_ENDPOINT")
    function_url = os.environ["AZURE_FUNCTION_URL"].rstrip("/")
    api, api_origin = f"{function_url}/api", origin(function_url)
    asset_origin = origin(os.environ.get("ASSET_BASE_URL") or os.environ["AZURE_STORAGE_BLOB_ENDPOINT"])
    step("donor portal (web/dist)")
    ensure_vendor(ensure_node())
    shutil.rmtree(DIST, ignore_errors=True)
    shutil.copytree(WEB, DIST, ignore=shutil.ignore_patterns("dist", "package.json"))
    for page in DIST.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        page.write_text(
            text.replace('<meta name="api-base" content="/api">', f'<meta name="api-base" content="{api}">'), encoding="utf-8"
        )
    config = DIST / "staticwebapp.config.json"
    text = config.read_text(encoding="utf-8").replace("{API_ORIGIN}", api_origin).replace("{ASSET_ORIGIN}", asset_origin)
    if re.search(r"\{[A-Z_]+_ORIGIN\}", text):
        raise HookError("a placeholder is left in staticwebapp.config.json")
    config.write_text(text, encoding="utf-8")
    print(f"donor portal built in web/dist (API {api}, assets {asset_origin})")


if __name__ == "__main__":
    run(main)
