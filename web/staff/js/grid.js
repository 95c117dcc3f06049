// The privacy grid, as shared/privacy snaps to it, so that the editor places milestones exactly
// where donors will see them. coarsen: round(value / 0.1), half to even as Python's round(), times
// 0.1, to 6 decimals. snap: the nearest grid point, or for a point on the basemap's land (or within
// COAST_REACH of its coast) whose nearest grid point is at sea, the nearest grid point on land within 0.3° (privacy.snap's rule,
// with the land test of shared/privacy/land.py over the same polygons, read from the basemap the
// editor draws). (No imports: tests/unit/test_staff_rules.py runs this under Node against Python.)
export const GRID_DEGREES = 0.1;
export const SNAP_RADIUS = 0.3;

function roundHalfEven(x) {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export function coarsen(value, grid = GRID_DEGREES) {
  const steps = roundHalfEven(value / grid);
  return Number((steps * grid).toFixed(6));
}

// The land: the basemap's polygons on integers (1e-5 degree), edges indexed by band of latitude.
const SCALE = 1000; // hundredths of a degree, in 1e-5 degree
const BAND = 100000; // 1 degree

export function landOf(geojson) {
  const bands = new Map(); // band -> polygon -> ring -> edges [ax, ay, bx, by]
  let p = 0;
  for (const feature of geojson?.features || []) {
    const g = feature.geometry;
    const polygons = g?.type === "Polygon" ? [g.coordinates] : g?.type === "MultiPolygon" ? g.coordinates : [];
    for (const polygon of polygons) {
      polygon.forEach((closed, r) => {
        const ring = closed.slice(0, -1).map(([x, y]) => [Math.round(x * 100) * SCALE, Math.round(y * 100) * SCALE]);
        ring.forEach(([ax, ay], i) => {
          const [bx, by] = ring[(i + 1) % ring.length];
          for (let band = Math.floor(Math.min(ay, by) / BAND); band <= Math.floor(Math.max(ay, by) / BAND); band++) {
            if (!bands.has(band)) bands.set(band, new Map());
            const polys = bands.get(band);
            if (!polys.has(p)) polys.set(p, new Map());
            const rings = polys.get(p);
            if (!rings.has(r)) rings.set(r, []);
            rings.get(r).push([ax, ay, bx, by]);
          }
        });
      });
      p++;
    }
  }
  return bands;
}

// Inside a land polygon, or on its edge (a coast or a border).
export function onLand(land, lat, lon) {
  const px = roundHalfEven(lon * 100000), py = roundHalfEven(lat * 100000);
  for (const rings of (land.get(Math.floor(py / BAND)) || new Map()).values()) {
    const inside = new Map();
    for (const [r, edges] of rings) {
      let odd = false;
      for (const [ax, ay, bx, by] of edges) {
        const cross = (bx - ax) * (py - ay) - (px - ax) * (by - ay);
        if (cross === 0 && Math.min(ax, bx) <= px && px <= Math.max(ax, bx) && Math.min(ay, by) <= py && py <= Math.max(ay, by)) {
          return true;
        }
        if ((ay > py) !== (by > py) && (cross > 0) === (by > ay)) odd = !odd;
      }
      inside.set(r, odd);
    }
    if (inside.get(0) && ![...inside].some(([r, odd]) => r !== 0 && odd)) return true;
  }
  return false;
}

// On land, or within COAST_REACH degrees of a coast (land.near in shared/privacy/land.py, computed
// in the same order so that both decide alike).
export const COAST_REACH = 0.05;

export function nearLand(land, lat, lon) {
  if (onLand(land, lat, lon)) return true;
  const px = roundHalfEven(lon * 100000), py = roundHalfEven(lat * 100000);
  const w = COAST_REACH * 100000;
  for (let band = Math.floor((py - w) / BAND); band <= Math.floor((py + w) / BAND); band++) {
    for (const rings of (land.get(band) || new Map()).values()) {
      for (const edges of rings.values()) {
        for (const [ax, ay, bx, by] of edges) {
          const dx = bx - ax, dy = by - ay;
          const length2 = dx * dx + dy * dy;
          const t = length2 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / length2)) : 0;
          const ex = ax + t * dx - px, ey = ay + t * dy - py;
          if (ex * ex + ey * ey <= w * w) return true;
        }
      }
    }
  }
  return false;
}

// [lat, lon] where donors will see the point; without the land (the basemap did not load), coarsen.
export function snap(lat, lon, land) {
  const nearest = [coarsen(lat), coarsen(lon)];
  if (!land || onLand(land, ...nearest) || !nearLand(land, lat, lon)) return nearest;
  const ground = Math.cos(lat * (Math.PI / 180));
  const reach = Math.ceil(SNAP_RADIUS / GRID_DEGREES);
  const across = Math.ceil(reach / Math.max(ground, 0.1));
  const row = roundHalfEven(lat / GRID_DEGREES), col = roundHalfEven(lon / GRID_DEGREES);
  const candidates = [];
  for (let i = row - reach; i <= row + reach; i++) {
    for (let j = col - across; j <= col + across; j++) {
      const glat = Number((i * GRID_DEGREES).toFixed(6)), glon = Number((j * GRID_DEGREES).toFixed(6));
      const dy = glat - lat, dx = (glon - lon) * ground;
      if (dy * dy + dx * dx <= SNAP_RADIUS * SNAP_RADIUS) candidates.push([roundHalfEven((dy * dy + dx * dx) * 1e12), glat, glon]);
    }
  }
  candidates.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const found = candidates.find(([, glat, glon]) => onLand(land, glat, glon));
  return found ? [found[1], found[2]] : nearest;
}
