// Build the story-map basemap: Asia-Pacific land, country borders and label points as compact
// TopoJSON (quantized, delta-encoded; the page decodes it with topojson-client).
//
//   node assets/build_basemap.mjs [out.json] [--land shared/privacy/land.json]
//                                              (default out: .local/build/basemap.json)
//
// Reads world-atlas countries-50m (TopoJSON), keeps countries whose bounding box meets the box
// lon 60..150, lat -15..45, merges them into one land (so no inland edges are drawn or sent),
// clips its rings to the box, simplifies (Douglas-Peucker, 0.03°), snaps to a 0.02° grid and
// drops consecutive duplicates. Objects: `land` (one MultiPolygon), `borders` (the land borders
// between countries, one MultiLineString, coarser tolerance: they are drawn thin and dashed) and
// `labels` (one point per country, {code: ISO 3166 alpha-2, zoom: the first zoom at which its name
// fits}); the page names countries in the reader's language with Intl.DisplayNames, in system
// fonts. Quantized on the same 0.02° grid, so the page decodes exactly the points computed here.
// --land also writes the same land polygons for the app (shared/privacy/land.py decides with them
// whether a milestone is on the land the donor sees): integers in hundredths of a degree, each ring
// open, as its first point then the steps to each next one, one polygon (exterior, then holes) a
// line. The file is committed; tests/integration/test_land.py checks it is what this recipe makes.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import topojson from "topojson-client";
import { topology } from "topojson-server";

const BOX = { west: 60, east: 150, south: -15, north: 45 };
const TOLERANCE = 0.03; // degrees
const BORDER_TOLERANCE = 0.05;
// ISO 3166 numeric (world-atlas ids) -> alpha-2, for the countries the box meets that get a label.
const ALPHA2 = {
  "004": "AF", "036": "AU", "050": "BD", "064": "BT", "096": "BN", "104": "MM", "116": "KH", "144": "LK",
  "156": "CN", "158": "TW", "356": "IN", "360": "ID", "364": "IR", "392": "JP", "398": "KZ", "408": "KP",
  "410": "KR", "417": "KG", "418": "LA", "458": "MY", "496": "MN", "524": "NP", "586": "PK", "598": "PG",
  "608": "PH", "626": "TL", "643": "RU", "702": "SG", "704": "VN", "762": "TJ", "764": "TH", "795": "TM",
  "860": "UZ",
};
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const landAt = args.indexOf("--land");
const landOut = landAt >= 0 ? resolve(args.splice(landAt, 2)[1] ?? "") : null;
const out = resolve(args[0] ?? resolve(root, ".local/build/basemap.json"));

const topo = JSON.parse(readFileSync(require.resolve("world-atlas/countries-50m.json"), "utf8"));

function ringsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return [geometry.coordinates];
  if (geometry.type === "MultiPolygon") return geometry.coordinates;
  return [];
}

function bboxOf(points) {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of points) {
    if (x < w) w = x;
    if (x > e) e = x;
    if (y < s) s = y;
    if (y > n) n = y;
  }
  return { w, s, e, n };
}

const meetsBox = (b) => b.e >= BOX.west && b.w <= BOX.east && b.n >= BOX.south && b.s <= BOX.north;

// Sutherland-Hodgman against one edge of the box, then the next.
function clipRing(ring) {
  const edges = [
    [(p) => p[0] >= BOX.west, (a, b) => cut(a, b, 0, BOX.west)],
    [(p) => p[0] <= BOX.east, (a, b) => cut(a, b, 0, BOX.east)],
    [(p) => p[1] >= BOX.south, (a, b) => cut(a, b, 1, BOX.south)],
    [(p) => p[1] <= BOX.north, (a, b) => cut(a, b, 1, BOX.north)],
  ];
  let pts = ring.slice(0, -1); // open ring
  for (const [inside, intersect] of edges) {
    if (pts.length === 0) break;
    const next = [];
    for (let i = 0; i < pts.length; i++) {
      const cur = pts[i];
      const prev = pts[(i + pts.length - 1) % pts.length];
      if (inside(cur)) {
        if (!inside(prev)) next.push(intersect(prev, cur));
        next.push(cur);
      } else if (inside(prev)) {
        next.push(intersect(prev, cur));
      }
    }
    pts = next;
  }
  return pts.length >= 3 ? [...pts, pts[0]] : null;
}

function cut(a, b, axis, value) {
  const t = (value - a[axis]) / (b[axis] - a[axis]);
  const p = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
  p[axis] = value;
  return p;
}

// Douglas-Peucker on an open polyline (iterative, keeps both ends).
function simplify(points, tol) {
  if (points.length <= 2) return points;
  const keep = new Uint8Array(points.length);
  keep[0] = keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  while (stack.length) {
    const [first, last] = stack.pop();
    const [ax, ay] = points[first];
    const [bx, by] = points[last];
    const dx = bx - ax, dy = by - ay;
    const len = Math.hypot(dx, dy);
    let maxD = 0, index = -1;
    for (let i = first + 1; i < last; i++) {
      const [px, py] = points[i];
      const d = len === 0 ? Math.hypot(px - ax, py - ay) : Math.abs(dy * px - dx * py + bx * ay - by * ax) / len;
      if (d > maxD) { maxD = d; index = i; }
    }
    if (maxD > tol) {
      keep[index] = 1;
      stack.push([first, index], [index, last]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

const GRID = 0.02; // degrees: under 2 px at the maps' greatest zoom, 7
const onGrid = (v) => Math.round(v / GRID) / (1 / GRID); // exact multiples of 0.02, as floats go

function finishRing(ring) {
  // Split the closed ring at its far point so Douglas-Peucker keeps the shape of small islands.
  const open = ring.slice(0, -1);
  let far = 0, best = -1;
  for (let i = 1; i < open.length; i++) {
    const d = Math.hypot(open[i][0] - open[0][0], open[i][1] - open[0][1]);
    if (d > best) { best = d; far = i; }
  }
  const a = simplify(open.slice(0, far + 1), TOLERANCE);
  const b = simplify([...open.slice(far), open[0]], TOLERANCE);
  const pts = [];
  for (const [x, y] of [...a, ...b.slice(1)]) {
    const p = [onGrid(x), onGrid(y)];
    const last = pts[pts.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) pts.push(p);
  }
  if (pts.length > 1 && pts[0][0] === pts[pts.length - 1][0] && pts[0][1] === pts[pts.length - 1][1]) pts.pop();
  if (pts.length < 3) return null;
  const b2 = bboxOf(pts);
  if (b2.e - b2.w === 0 || b2.n - b2.s === 0) return null; // collapsed to a line
  return [...pts, pts[0]];
}

// Open polylines (borders): clip each segment run to the box, simplify, round.
function clipLine(line) {
  const inside = (p) => p[0] >= BOX.west && p[0] <= BOX.east && p[1] >= BOX.south && p[1] <= BOX.north;
  const runs = [];
  let run = [];
  for (const p of line) {
    if (inside(p)) run.push(p);
    else if (run.length) { runs.push(run); run = []; }
  }
  if (run.length) runs.push(run);
  const out = [];
  for (const r of runs) {
    const pts = [];
    for (const [x, y] of simplify(r, BORDER_TOLERANCE)) {
      const p = [onGrid(x), onGrid(y)];
      const last = pts[pts.length - 1];
      if (!last || last[0] !== p[0] || last[1] !== p[1]) pts.push(p);
    }
    if (pts.length >= 2) out.push(pts);
  }
  return out;
}

// A point well inside a polygon (the centre of the largest empty square on a 0.25° grid, roughly a
// pole of inaccessibility), so that a name sits on its country even when the shape is concave.
function insideRing(ring, x, y) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function edgeDistance(ring, x, y) {
  let best = Infinity;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [ax, ay] = ring[j], [bx, by] = ring[i];
    const dx = bx - ax, dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const t = len2 ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2)) : 0;
    best = Math.min(best, Math.hypot(x - (ax + t * dx), y - (ay + t * dy)));
  }
  return best;
}

function ringArea(ring) {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += (ring[j][0] + ring[i][0]) * (ring[j][1] - ring[i][1]);
  return Math.abs(a / 2);
}

function labelPoint(polygons) {
  const outer = polygons.map((p) => p[0]).sort((a, b) => ringArea(b) - ringArea(a))[0];
  const b = bboxOf(outer);
  const step = Math.max(0.1, Math.min(0.5, (b.e - b.w) / 40));
  let best = null, bestD = -1;
  for (let x = b.w + step / 2; x < b.e; x += step) {
    for (let y = b.s + step / 2; y < b.n; y += step) {
      if (!insideRing(outer, x, y)) continue;
      const d = edgeDistance(outer, x, y);
      if (d > bestD) { bestD = d; best = [x, y]; }
    }
  }
  return best && { at: [onGrid(best[0]), onGrid(best[1])], area: ringArea(outer), room: bestD };
}

function clipPolygons(geometry) {
  const polygons = [];
  for (const polygon of ringsOf(geometry)) {
    if (!meetsBox(bboxOf(polygon[0]))) continue; // exterior entirely outside: drop the polygon
    const rings = [];
    for (const [i, ring] of polygon.entries()) {
      if (!meetsBox(bboxOf(ring))) continue;
      const clipped = clipRing(ring);
      const done = clipped && finishRing(clipped);
      if (done) rings.push(done);
      else if (i === 0) break; // exterior vanished: holes are meaningless
    }
    if (rings.length) polygons.push(rings);
  }
  return polygons;
}

const inBox = topo.objects.countries.geometries.filter((g) =>
  ringsOf(topojson.feature(topo, g).geometry).some((polygon) => meetsBox(bboxOf(polygon[0]))));
const land = clipPolygons(topojson.merge(topo, inBox));

const labels = [];
for (const g of inBox) {
  const code = ALPHA2[g.id];
  const polygons = code && clipPolygons(topojson.feature(topo, g).geometry);
  const label = polygons?.length && labelPoint(polygons);
  if (!label) continue;
  // the name fits once the country is wide enough on screen: ~1.2° of room at zoom 4, halving per zoom
  const zoom = Math.max(3, Math.min(7, Math.ceil(4 + Math.log2(1.2 / Math.max(label.room, 0.05)))));
  labels.push({ type: "Feature", properties: { code, zoom }, geometry: { type: "Point", coordinates: label.at } });
}
labels.sort((a, b) => a.properties.code.localeCompare(b.properties.code));

const mesh = topojson.mesh(topo, topo.objects.countries, (a, b) => a !== b);
const borders = mesh.coordinates.flatMap(clipLine);
const basemap = topojson.quantize(
  topology({
    land: { type: "MultiPolygon", coordinates: land },
    borders: { type: "MultiLineString", coordinates: borders },
    labels: { type: "FeatureCollection", features: labels },
  }),
  { scale: [GRID, GRID], translate: [BOX.west, BOX.south] }, // lossless: every point is on the grid
);
const json = JSON.stringify(basemap);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, json);
const gz = gzipSync(Buffer.from(json), { level: 9 }).length;
console.log(`wrote ${out}`);
console.log(`land polygons: ${land.length}, border lines: ${borders.length}, labels: ${labels.length}`);
console.log(`size: ${json.length} bytes (${(json.length / 1024).toFixed(1)} KB)`);
console.log(`gzip: ${gz} bytes (${(gz / 1024).toFixed(1)} KB)`);

// The land for the app: [[x0, y0, dx1, dy1, ...], hole, ...] per polygon, in hundredths of a degree.
function landRing(ring) {
  const pts = ring.slice(0, -1).map(([x, y]) => [Math.round(x * 100), Math.round(y * 100)]);
  const flat = [...pts[0]];
  for (let i = 1; i < pts.length; i++) flat.push(pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1]);
  return flat;
}

if (landOut) {
  const head = JSON.stringify({
    about: "Land polygons of the basemap (assets/build_basemap.mjs --land); generated, do not edit",
    box: [BOX.west, BOX.south, BOX.east, BOX.north],
    unit: 0.01,
  }).slice(0, -1);
  const lines = land.map((polygon) => JSON.stringify(polygon.map(landRing)));
  const text = `${head},"polygons":[\n${lines.join(",\n")}\n]}\n`;
  mkdirSync(dirname(landOut), { recursive: true });
  writeFileSync(landOut, text);
  console.log(`wrote ${landOut}: ${land.length} polygons, ${text.length} bytes`);
}
