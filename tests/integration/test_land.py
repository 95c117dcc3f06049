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
    basemap, land = out / "basemap.json", out / "land.json"
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
    drawn = [[rotated(ring) for ring in polygon] for polygon in topo_land(json.loads(basemap.read_text()))]
    land = Land.decode(json.loads(LAND_FILE.read_text()))
    assert len(drawn) > 300 and [[rotated(ring) for ring in polygon] for polygon in land.polygons] == drawn


def topo_land(topo: dict) -> list[list[list[tuple[int, int]]]]:
    """The TopoJSON basemap's `land` MultiPolygon, decoded as a page decodes it (delta-encoded arcs,
    quantized), in the land file's units."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((round((x * sx + tx) * 100) * SCALE, round((y * sy + ty) * 100) * SCALE))
        arcs.append(points)

    def ring(indices: list[int]) -> list[tuple[int, int]]:
        points: list[tuple[int, int]] = []
        for i in indices:
            arc = arcs[i] if i >= 0 else arcs[~i][::-1]
            points += arc[1:] if points else arc
        return points[:-1]  # open, as the land file keeps rings

    return [[ring(r) for r in polygon] for polygon in topo["objects"]["land"]["arcs"]]


def rotated(ring: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The same ring starting at its smallest point (a topology may start a ring elsewhere)."""
    start = ring.index(min(ring))
    return ring[start:] + ring[:start]
