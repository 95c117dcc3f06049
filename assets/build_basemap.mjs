// Build the story-map basemap: Asia-Pacific country outlines as compact GeoJSON.
//
//   node assets/build_basemap.mjs [out.geojson]      (default .local/build/basemap.geojson)
//
// Reads world-atlas countries-50m (TopoJSON), keeps countries whose bounding box meets the box
// lon 60..150, lat -15..45, clips their rings to that box, simplifies (Douglas-Peucker, 0.03°),
// rounds to 2 decimals, drops consecutive duplicates and keeps only the {name} property.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import topojson from "topojson-client";

const BOX = { west: 60, east: 150, south: -15, north: 45 };
const TOLERANCE = 0.03; // degrees
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const out = resolve(process.argv[2] ?? resolve(root, ".local/build/basemap.geojson"));

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

const round2 = (v) => Math.round(v * 100) / 100;

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
    const p = [round2(x), round2(y)];
    const last = pts[pts.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) pts.push(p);
  }
  if (pts.length > 1 && pts[0][0] === pts[pts.length - 1][0] && pts[0][1] === pts[pts.length - 1][1]) pts.pop();
  if (pts.length < 3) return null;
  const b2 = bboxOf(pts);
  if (b2.e - b2.w === 0 || b2.n - b2.s === 0) return null; // collapsed to a line
  return [...pts, pts[0]];
}

const collection = topojson.feature(topo, topo.objects.countries);
const features = [];
for (const f of collection.features) {
  const polygons = [];
  for (const polygon of ringsOf(f.geometry)) {
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
  if (!polygons.length) continue;
  features.push({
    type: "Feature",
    properties: { name: f.properties?.name ?? "" },
    geometry: polygons.length === 1
      ? { type: "Polygon", coordinates: polygons[0] }
      : { type: "MultiPolygon", coordinates: polygons },
  });
}

features.sort((a, b) => a.properties.name.localeCompare(b.properties.name));
const json = JSON.stringify({ type: "FeatureCollection", features });
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, json);
const gz = gzipSync(Buffer.from(json), { level: 9 }).length;
console.log(`wrote ${out}`);
console.log(`features: ${features.length}`);
console.log(`size: ${json.length} bytes (${(json.length / 1024).toFixed(1)} KB)`);
console.log(`gzip: ${gz} bytes (${(gz / 1024).toFixed(1)} KB)`);
