"""Snapping to the privacy grid prefers land for a milestone on land: the land test on integers (a
made-up map), the rule with a made-up coast, then the basemap's own land (shared/privacy/land.json,
which tests/integration/test_land.py checks against the basemap recipe) and the sample stories."""

from __future__ import annotations

import math
import random

import pytest

from ops.seed import load_samples
from shared import stories
from shared.models import PUBLIC_STATUSES
from shared.privacy import GRID_DEGREES, SNAP_RADIUS, coarsen, snap
from shared.privacy.land import Land, near_land, on_land


def encode(ring: list[tuple[float, float]]) -> list[int]:
    """A ring (lon, lat) in land.json's form: hundredths, first point then steps."""
    pts = [(round(x * 100), round(y * 100)) for x, y in ring]
    flat = list(pts[0])
    for (ax, ay), (bx, by) in zip(pts, pts[1:], strict=False):
        flat += [bx - ax, by - ay]
    return flat


# Two countries side by side (a shared border at lon 101), the western one with a lake, and an
# island stretching over several degrees of latitude (the index's bands).
MADE_UP = Land.decode(
    {
        "polygons": [
            [
                encode([(100, 10), (101, 10), (101, 11), (100, 11)]),
                encode([(100.4, 10.4), (100.6, 10.4), (100.6, 10.6), (100.4, 10.6)]),
            ],
            [encode([(101, 10), (102, 10), (102, 11), (101, 11)])],
            [encode([(103, 8.5), (103.5, 8.5), (103.25, 12.75)])],
        ]
    }
)


@pytest.mark.parametrize(
    ("lat", "lon", "land"),
    [
        (10.5, 100.2, True),  # inside
        (10.5, 100.5, False),  # in the lake
        (10.4, 100.5, True),  # on the lake's shore
        (10.6, 100.6, True),  # on a corner of the lake
        (10.0, 100.5, True),  # on the coast
        (11.0, 100.0, True),  # on a corner (and on a band's edge)
        (10.5, 101.0, True),  # on the border between the two
        (10.999999, 101.5, True),
        (11.00001, 101.5, False),  # 1e-5 degree out to sea
        (11.000004, 101.5, True),  # rounds onto the coast (the point is taken at 1e-5 degree)
        (9.99999, 100.5, False),
        (10.5, 99.99, False),
        (10.5, 102.01, False),
        (12.5, 103.25, True),  # the island, three bands up from its shore
        (12.5, 103.3, False),
        (9.0, 103.01, False),
        (9.0, 103.1, True),
        (-10.5, -100.5, False),  # nowhere near
    ],
)
def test_the_land_test_on_a_made_up_map(lat, lon, land):
    assert MADE_UP.contains(lat, lon) is land


def coast(lat: float, lon: float) -> bool:
    """A straight coast: land east of lon 100.03."""
    return lon >= 100.03


def test_a_point_on_land_whose_grid_point_is_at_sea_is_shown_on_land():
    assert coarsen(100.04) == 100.0 and not coast(10.02, 100.0)
    assert snap(10.02, 100.04, coast) == (10.0, 100.1)


def test_a_point_at_sea_stays_at_its_grid_point():
    assert snap(10.02, 100.01, coast) == (10.0, 100.0)  # a boat near the coast
    assert snap(10.02, 99.5, coast) == (10.0, 99.5)


def test_a_point_whose_grid_point_is_on_land_is_not_moved():
    assert snap(10.02, 100.08, coast) == (10.0, 100.1)
    assert snap(10.02, 100.12, coast) == (10.0, 100.1)


def test_ties_go_south_then_west():
    # (10.0, 100.1) and (10.1, 100.1) are on land and as near as each other: the southern
    assert snap(10.05, 100.04, coast) == (10.0, 100.1)

    def west_coast(lat: float, lon: float) -> bool:  # land west of lon 99.97
        return lon <= 99.97

    assert snap(10.05, 99.96, west_coast) == (10.0, 99.9)

    def ridge(lat: float, lon: float) -> bool:  # a ridge along lon 0.05 between two channels, land beyond
        return abs(lon - 0.05) <= 0.01 or abs(lon - 0.05) >= 0.1

    # (0.0, -0.1) and (0.0, 0.2) are both 0.15° away: the western
    assert not ridge(0.0, 0.0) and not ridge(0.0, 0.1)
    assert snap(0.0, 0.05, ridge) == (0.0, -0.1)


def test_longitude_counts_at_its_length_on_the_ground():
    # at lat 60 a degree of longitude is half a degree of latitude on the ground: land 0.2° east
    # (0.1 on the ground) is nearer than land 0.18° north
    def land(lat: float, lon: float) -> bool:
        return lat >= 60.2 or lon >= 100.2 or math.hypot(lat - 60.02, lon - 100.0) < 0.01

    assert snap(60.02, 100.0, land) == (60.0, 100.2)


def test_no_land_grid_point_within_reach_keeps_the_nearest():
    def island(lat: float, lon: float) -> bool:  # a small island, and a mainland beyond the reach
        return math.hypot(lat - 10.0, lon - 100.04) < 0.01 or lon >= 100.35

    assert snap(10.0, 100.04, island) == (10.0, 100.0)

    def nearer(lat: float, lon: float) -> bool:
        return math.hypot(lat - 10.0, lon - 100.04) < 0.01 or lon >= 100.3

    assert snap(10.0, 100.04, nearer) == (10.0, 100.3)  # 0.26° of longitude, 0.256 on the ground: within reach


def test_always_a_grid_point_near_the_point_and_snapping_twice_changes_nothing():
    rng = random.Random(7)
    for _ in range(2000):
        lat, lon = rng.uniform(9.7, 10.3), rng.uniform(99.7, 100.3)
        shown = snap(lat, lon, coast)
        assert shown == (coarsen(shown[0]), coarsen(shown[1]))
        assert math.hypot(shown[0] - lat, (shown[1] - lon) * math.cos(math.radians(lat))) <= SNAP_RADIUS + 1e-9
        assert snap(*shown, on_land=coast) == shown
        if coast(lat, lon):
            assert coast(*shown)
        else:
            assert shown == (coarsen(lat), coarsen(lon))


# ------------------------------------------------------------------ the basemap's land
@pytest.mark.parametrize(
    ("where", "point", "sea", "shown"),
    [
        # Ranong town on the Andaman coast: its nearest grid point is in the Kraburi estuary
        ("Ranong", (9.96, 98.64), (10.0, 98.6), (10.0, 98.7)),
        # Hua Hin on the Gulf of Thailand: its nearest grid point is in the gulf
        ("Hua Hin", (12.57, 99.96), (12.6, 100.0), (12.6, 99.9)),
        # Khao Lak on the Andaman coast
        ("Khao Lak", (8.64, 98.25), (8.6, 98.2), (8.6, 98.3)),
    ],
)
def test_coastal_places_are_shown_on_the_basemaps_land(where, point, sea, shown):
    assert on_land(*point), where
    assert (coarsen(point[0]), coarsen(point[1])) == sea and not on_land(*sea), where
    assert snap(*point) == shown and on_land(*shown), where


def test_harbour_towns_the_simplified_coast_leaves_at_sea_are_shown_on_land():
    # the grid points of Zamboanga City and Mawlamyine are just off the simplified coastline
    for where, point in (("Zamboanga City", (6.9, 122.1)), ("Mawlamyine", (16.5, 97.6))):
        assert not on_land(*point) and near_land(*point), where
        shown = snap(*point)
        assert on_land(*shown) and shown != point, where
    assert not near_land(9.0, 97.0) and snap(9.0, 97.0) == (9.0, 97.0)  # out in the Andaman Sea


def test_points_at_sea_and_inland_keep_their_nearest_grid_point():
    assert not on_land(9.04, 96.97) and snap(9.04, 96.97) == (9.0, 97.0)  # the Andaman Sea
    assert on_land(13.76, 100.5) and snap(13.76, 100.5) == (13.8, 100.5)  # Bangkok
    assert not on_land(50.0, 10.0) and snap(50.02, 10.04) == (50.0, 10.0)  # outside the basemap: no land


def test_on_the_basemap_a_point_on_land_is_shown_on_land_when_land_is_within_reach():
    rng = random.Random(12)
    moved = 0
    for _ in range(1500):  # the coasts of the Andaman Sea and the Gulf of Thailand
        lat, lon = rng.uniform(5.0, 17.0), rng.uniform(97.0, 106.0)
        shown = snap(lat, lon)
        nearest = (coarsen(lat), coarsen(lon))
        assert shown == (coarsen(shown[0]), coarsen(shown[1]))
        if not near_land(lat, lon) or on_land(*nearest):
            assert shown == nearest
            continue
        reach = [
            (round(i * GRID_DEGREES, 6), round(j * GRID_DEGREES, 6))
            for i in range(round(lat * 10) - 3, round(lat * 10) + 4)
            for j in range(round(lon * 10) - 4, round(lon * 10) + 5)
            if math.hypot(i / 10 - lat, (j / 10 - lon) * math.cos(math.radians(lat))) <= SNAP_RADIUS
        ]
        if any(on_land(*g) for g in reach):
            assert on_land(*shown) and shown != nearest
            moved += 1
        else:
            assert shown == nearest  # a small island
    assert moved >= 3  # the rule was exercised (7 with this seed)


def test_the_sample_stories_milestones_on_land_are_shown_on_land(monkeypatch):
    monkeypatch.setattr(stories.assets, "asset_url", lambda path: f"https://assets.example/{path}")
    moved = 0
    for story, _ in load_samples():
        if story.status not in PUBLIC_STATUSES:
            continue
        shown = [(m.lat, m.lon) for m in stories.detail(story).journey]
        geo = [f["geometry"]["coordinates"] for f in stories.journey_geojson(story)["features"] if f["geometry"]["type"] == "Point"]
        assert geo == [[lon, lat] for lat, lon in shown]
        for m, (lat, lon) in zip(story.journey, shown, strict=True):
            assert (lat, lon) == (coarsen(lat), coarsen(lon))
            if on_land(m.lat, m.lon):
                assert on_land(lat, lon), (story.id, m.place)
            moved += (lat, lon) != (coarsen(m.lat), coarsen(m.lon))
    assert moved >= 1  # Ranong Province, on the Andaman coast
