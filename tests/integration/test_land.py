"""The land the app snaps to is the land the donor sees: the committed shared/privacy/land.json is what
the basemap recipe makes from the installed world-atlas, polygon for polygon the basemap's land.
(Runs Node; starts no service.)"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from shared.privacy.land import LAND_FILE, SCALE, Land

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("basemap")
    basemap, land = out / "basemap.geojson", out / "land.json"
    done = subprocess.run(
        ["node", "assets/build_basemap.mjs", str(basemap), "--land", str(land)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return basemap, land


def test_the_committed_land_is_what_the_recipe_makes(built):
    _, land = built
    assert LAND_FILE.read_bytes() == land.read_bytes(), (
        "shared/privacy/land.json is stale: node assets/build_basemap.mjs --land shared/privacy/land.json"
    )
    assert LAND_FILE.stat().st_size < 64_000


def test_the_land_is_the_basemaps_land_polygons(built):
    basemap, _ = built
    drawn = []
    for feature in json.loads(basemap.read_text())["features"]:
        geometry = feature["geometry"]
        if geometry["type"] in ("Polygon", "MultiPolygon"):
            polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
            drawn += [[[(round(x * 100) * SCALE, round(y * 100) * SCALE) for x, y in ring[:-1]] for ring in p] for p in polygons]
    land = Land.decode(json.loads(LAND_FILE.read_text()))
    assert len(drawn) > 300 and land.polygons == drawn
