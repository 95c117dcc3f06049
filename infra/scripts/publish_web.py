"""Publish web/ to the storage account's static website ($web), pointed at the function app's API.
Run by postdeploy.py in the hook venv (azure-storage-blob, azure-identity from requirements.txt)."""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from azure.identity import DefaultAzureCredential
from azure.storage.blob import BlobServiceClient, ContentSettings, StaticWebsite

ROOT = Path(__file__).resolve().parents[2]
API_META = '<meta name="api-base" content="/api">'


def main() -> None:
    blobs = BlobServiceClient(os.environ["AZURE_STORAGE_BLOB_ENDPOINT"], credential=DefaultAzureCredential())
    blobs.set_service_properties(static_website=StaticWebsite(enabled=True, index_document="index.html",
                                                              error_document404_path="index.html"))
    api = os.environ["AZURE_FUNCTION_URL"].rstrip("/") + "/api"
    site = blobs.get_container_client("$web")
    count = 0
    for path in sorted(p for p in (ROOT / "web").rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".html":
            data = data.replace(API_META.encode(), f'<meta name="api-base" content="{api}">'.encode())
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix in (".js", ".mjs"):
            content_type = "text/javascript"
        site.upload_blob(path.relative_to(ROOT / "web").as_posix(), data, overwrite=True,
                         content_settings=ContentSettings(content_type=content_type))
        count += 1
    print(f"published {count} files; donor portal: {os.environ.get('AZURE_STORAGE_WEB_ENDPOINT', '(static website)')}")


if __name__ == "__main__":
    main()
