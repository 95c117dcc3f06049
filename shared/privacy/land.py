"""The land the donor sees: the basemap's land polygons, to tell whether a point is on land.

`land.json` beside this module holds the basemap's land polygons exactly as the map draws them
(clipped to lon 60..150, lat -15..45, simplified, on a 0.02° grid). It is generated, and committed so
that the deployed app has it; regenerate it with the basemap when the recipe or world-atlas changes:

    node assets/build_basemap.mjs --land shared/privacy/land.json

(tests/integration/test_land.py checks that the committed file is what the recipe makes.) It is read
on first use, never at import. Outside the basemap's box there is no land.

The test is exact: vertices are integers in hundredths of a degree and the point is rounded to
1e-5 degree (about a metre), so the arithmetic is on integers. A point on a coastline, or on a border
between two countries, is on land. web/staff/js/grid.js makes the same decision in the browser.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

LAND_FILE = Path(__file__).with_name("land.json")
SCALE = 1000  # a vertex's hundredths of a degree, in the test's unit of 1e-5 degree
BAND = 100_000  # the index's bands of latitude: 1 degree

Edge = tuple[int, int, int, int]  # ax, ay, bx, by


class Land:
    """Polygons (exterior ring, then holes) with their edges indexed by band of latitude."""

    def __init__(self, polygons: list[list[list[tuple[int, int]]]]) -> None:
        self.polygons = polygons
        # band -> polygon -> ring -> the ring's edges that meet the band
        self.bands: dict[int, dict[int, dict[int, list[Edge]]]] = {}
        for p, polygon in enumerate(polygons):
            for r, ring in enumerate(polygon):
                for i, (ax, ay) in enumerate(ring):
                    bx, by = ring[(i + 1) % len(ring)]
                    for band in range(min(ay, by) // BAND, max(ay, by) // BAND + 1):
                        self.bands.setdefault(band, {}).setdefault(p, {}).setdefault(r, []).append((ax, ay, bx, by))

    @classmethod
    def decode(cls, doc: dict) -> Land:
        """From land.json's shape: per polygon, per ring, [x0, y0, dx1, dy1, ...] in hundredths."""
        polygons = []
        for encoded in doc["polygons"]:
            rings = []
            for flat in encoded:
                x, y = flat[0], flat[1]
                ring = [(x * SCALE, y * SCALE)]
                for i in range(2, len(flat), 2):
                    x, y = x + flat[i], y + flat[i + 1]
                    ring.append((x * SCALE, y * SCALE))
                rings.append(ring)
            polygons.append(rings)
        return cls(polygons)

    def contains(self, lat: float, lon: float) -> bool:
        """Whether (lat, lon) is inside a land polygon or on its edge."""
        px, py = round(lon * 100_000), round(lat * 100_000)
        for rings in self.bands.get(py // BAND, {}).values():
            inside: dict[int, bool] = {}
            for r, edges in rings.items():
                odd = False
                for ax, ay, bx, by in edges:
                    cross = (bx - ax) * (py - ay) - (px - ax) * (by - ay)
                    if cross == 0 and min(ax, bx) <= px <= max(ax, bx) and min(ay, by) <= py <= max(ay, by):
                        return True  # on the edge: on the coast (or a border)
                    if (ay > py) != (by > py) and (cross > 0) == (by > ay):
                        odd = not odd  # the ray to the east crosses this edge
                inside[r] = odd
            if inside.get(0) and not any(odd for r, odd in inside.items() if r):
                return True
        return False

    def near(self, lat: float, lon: float, reach: float) -> bool:
        """Whether (lat, lon) is on land or within `reach` degrees of a coast (floating point, in
        the order web/staff/js/grid.js computes it, so that both decide alike)."""
        if self.contains(lat, lon):
            return True
        px, py = round(lon * 100_000), round(lat * 100_000)
        w = reach * 100_000
        for band in range(int((py - w) // BAND), int((py + w) // BAND) + 1):
            for rings in self.bands.get(band, {}).values():
                for edges in rings.values():
                    for ax, ay, bx, by in edges:
                        if segment_distance2(px, py, ax, ay, bx, by) <= w * w:
                            return True
        return False


def segment_distance2(px: int, py: int, ax: int, ay: int, bx: int, by: int) -> float:
    """The squared distance from (px, py) to the segment from (ax, ay) to (bx, by)."""
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2)) if length2 else 0.0
    ex, ey = ax + t * dx - px, ay + t * dy - py
    return ex * ex + ey * ey


@functools.cache
def land() -> Land:
    return Land.decode(json.loads(LAND_FILE.read_text()))


def on_land(lat: float, lon: float) -> bool:
    """Whether the point is on the land of the basemap the donor sees."""
    return land().contains(lat, lon)


# Degrees: how far out at sea the basemap's simplification (0.03°) and its grid (0.02°) can put a
# place that is on the coast, such as a harbour town.
COAST_REACH = 0.05


def near_land(lat: float, lon: float) -> bool:
    """Whether the point is on the basemap's land, or so near its coast that it may be on land
    that the simplified coastline leaves out."""
    return land().near(lat, lon, COAST_REACH)
