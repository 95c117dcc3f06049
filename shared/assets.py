"""Map assets in Blob Storage (container `map-assets`): icons, the basemap, story images.

The browser loads them by URL: `ASSET_BASE_URL` + path when a CDN is configured, otherwise a
read-only SAS URL scoped to one blob (signed with a user delegation key under managed identity
in Azure, with the account key locally). Keys and SAS URLs are cached, not made per request.

A story's own assets live under `stories/<id>/` and are served with a cache lifetime no longer than
a SAS URL's (`ASSET_SAS_MINUTES`): when a story is withdrawn they are deleted, and no cache keeps
them longer than a URL issued before could have been used. Icons and the basemap, shared by every
story, are cached for a day.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from urllib.parse import quote

from shared.clients import blob_service
from shared.settings import get_settings

BASEMAP_PATH = "basemap/asia.json"  # TopoJSON (assets/build_basemap.mjs)
STORIES_PREFIX = "stories/"
SHARED_CACHE_CONTROL = "public, max-age=86400"
CLOCK_SKEW = dt.timedelta(minutes=5)


def icon_path(kind: str) -> str:
    return f"icons/{kind}.svg"


def story_prefix(story_id: str) -> str:
    """Where every asset of one story lives (nothing else starts with it: ids have a fixed alphabet)."""
    return f"{STORIES_PREFIX}{story_id}/"


def story_image_path(story_id: str, file: str) -> str:
    return story_prefix(story_id) + file.rsplit("/", 1)[-1]


def cache_control(path: str) -> str:
    """A story's own assets: no longer than a SAS URL lives. Shared icons and the basemap: a day."""
    if path.startswith(STORIES_PREFIX):
        return f"public, max-age={get_settings().asset_sas_minutes * 60}"
    return SHARED_CACHE_CONTROL


class _SasCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._urls: dict[str, tuple[str, dt.datetime]] = {}
        self._delegation_key: Any = None  # a UserDelegationKey once asked for
        self._delegation_key_expiry = dt.datetime.min.replace(tzinfo=dt.UTC)

    def clear(self) -> None:
        with self._lock:
            self._urls.clear()
            self._delegation_key = None

    def forget(self, prefix: str) -> None:
        with self._lock:
            for path in [p for p in self._urls if p.startswith(prefix)]:
                del self._urls[path]

    def url(self, path: str) -> str:
        now = dt.datetime.now(dt.UTC)
        with self._lock:
            cached = self._urls.get(path)
            if cached and cached[1] > now:
                return cached[0]
        url, refresh_at = self._sign(path, now)
        with self._lock:
            self._urls[path] = (url, refresh_at)
        return url

    def _sign(self, path: str, now: dt.datetime) -> tuple[str, dt.datetime]:
        from azure.storage.blob import BlobSasPermissions, generate_blob_sas

        s = get_settings()
        service = blob_service()
        lifetime = dt.timedelta(minutes=s.asset_sas_minutes)
        expiry = now + lifetime  # no start time: valid at once, whatever the clocks; at most 60 minutes
        signing: dict = {}
        account_key = getattr(service.credential, "account_key", None)
        if account_key:
            signing["account_key"] = account_key
        else:
            signing["user_delegation_key"] = self._user_delegation_key(now)
        token = generate_blob_sas(
            account_name=service.account_name or "",
            container_name=s.map_assets_container,
            blob_name=path,
            permission=BlobSasPermissions(read=True),
            expiry=expiry,
            protocol="https" if service.url.startswith("https") else "https,http",
            **signing,
        )
        base = service.url.rstrip("/")
        url = f"{base}/{s.map_assets_container}/{quote(path)}?{token}"
        return url, now + lifetime / 2  # a cached URL always has at least half its lifetime left

    def _user_delegation_key(self, now: dt.datetime):
        if self._delegation_key is None or self._delegation_key_expiry - now < dt.timedelta(hours=1):
            expiry = now + dt.timedelta(hours=6)
            self._delegation_key = blob_service().get_user_delegation_key(now - CLOCK_SKEW, expiry)
            self._delegation_key_expiry = expiry
        return self._delegation_key


_sas = _SasCache()


def asset_url(path: str) -> str:
    base = get_settings().asset_base_url
    if base:
        return f"{base.rstrip('/')}/{quote(path)}"
    return _sas.url(path)


def upload(path: str, data: bytes, content_type: str, overwrite: bool = True, compress: bool = False) -> None:
    """Store an asset. `compress` stores it gzip-compressed with `Content-Encoding: gzip` (Blob Storage
    serves bytes as stored and never compresses; browsers decompress transparently)."""
    import gzip

    from azure.storage.blob import ContentSettings

    s = get_settings()
    blob = blob_service().get_blob_client(s.map_assets_container, path)
    if compress:
        data = gzip.compress(data, compresslevel=9, mtime=0)
    blob.upload_blob(
        data,
        overwrite=overwrite,
        content_settings=ContentSettings(
            content_type=content_type, cache_control=cache_control(path), content_encoding="gzip" if compress else None
        ),
    )


def delete_story_assets(story_id: str) -> int:
    """Delete every blob of the story (with its snapshots): URLs issued before answer 404 at once.
    Returns how many were deleted."""
    from azure.core.exceptions import ResourceNotFoundError

    container = blob_service().get_container_client(get_settings().map_assets_container)
    prefix = story_prefix(story_id)
    deleted = 0
    for blob in container.list_blobs(name_starts_with=prefix):
        try:
            container.delete_blob(blob.name, delete_snapshots="include")
            deleted += 1
        except ResourceNotFoundError:  # deleted meanwhile
            pass
    _sas.forget(prefix)
    return deleted
