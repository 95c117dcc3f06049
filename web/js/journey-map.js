// The journey on a Leaflet map: our own basemap (land, country borders and country names from the
// asset storage's TopoJSON, names in the reader's language and in system fonts) on a plain sea
// colour, no tile server; one icon per milestone and the route between them.
//
// Milestones are coarsened to a 0.1° grid, so several can share a point (or sit a few pixels apart
// at the zoom shown). Icons that would touch are fanned out around their common centre, in screen
// pixels, again after every zoom: no icon ever covers another one, and each stays a 32 px target.
// Leaflet and the TopoJSON decoder come from web/vendor/map.js (built by `make web`); the story
// page imports this module once its first narrative is shown, so the map never delays it.
import { L, feature } from "../vendor/map.js";
import { h, loadStylesheet, prefersReducedMotion } from "./dom.js";
import { lang, t } from "./i18n.js";

await loadStylesheet("../vendor/leaflet.css"); // the page does not wait for it

const REGION = [[-16, 58], [47, 152]]; // the basemap's box, a little padded
const STEP_ZOOM = 6;
const MAX_ZOOM = 7; // the 0.1° grid of the places and the basemap's 0.03° detail show nothing more past this
const ICON = { iconSize: [32, 32], iconAnchor: [16, 31] };
const CURRENT_ICON = { iconSize: [46, 46], iconAnchor: [23, 45] };
const GAP = 40; // px between the anchors of two icons: more than half the current icon plus half another
const EDGE = [56, 56]; // px kept free around the route when it is shown whole (controls, fanned icons)
const ROUTE = "#a84a24";
export const LAND = { color: "#c9b9a2", weight: 0.8, fillColor: "#f6f0e4", fillOpacity: 1, interactive: false };
const BORDERS = { color: "#8f8070", weight: 1, opacity: 0.8, dashArray: "4 3", interactive: false };

/**
 * Draw `journey` (the API's milestones) in `element`. `onSelect(index)` runs when an icon is
 * clicked (or pressed with Enter or Space). `legend`: an element to list the kinds of milestone in.
 * Returns { show(index | null, {move}), relabel() }: show highlights a milestone's icon and flies to
 * it (null: the whole route); relabel puts the controls, names and legend in the current language.
 */
export function createJourneyMap(element, { journey, basemapUrl, onSelect, legend }) {
  const map = L.map(element, {
    keyboard: false, // ←/→ move between milestones instead of panning (see journey.js)
    scrollWheelZoom: false, // the page scrolls past the map; zoom with the buttons or a pinch
    zoomSnap: 0.5,
    minZoom: 3,
    maxZoom: MAX_ZOOM,
    maxBounds: REGION,
    maxBoundsViscosity: 0.8,
    zoomControl: false, // added below, with names in the reader's language
  });
  const points = journey.map((m) => L.latLng(m.lat, m.lon));
  const everything = L.latLngBounds(points);
  const whole = { paddingTopLeft: EDGE, paddingBottomRight: EDGE, maxZoom: STEP_ZOOM };

  let zoom = null;
  let wholeButton = null;
  function controls() {
    zoom?.remove();
    wholeButton?.remove();
    zoom = L.control.zoom({ zoomInTitle: t("map.zoomIn"), zoomOutTitle: t("map.zoomOut") }).addTo(map);
    wholeButton = new (L.Control.extend({
      onAdd() {
        const bar = h("div", { class: "leaflet-bar map-whole" });
        const button = h("a", { href: "#", role: "button", title: t("map.whole"), "aria-label": t("map.whole") },
          h("span", { "aria-hidden": "true" }, "⤢"));
        L.DomEvent.disableClickPropagation(bar);
        L.DomEvent.on(button, "click", (event) => {
          L.DomEvent.preventDefault(event);
          map.flyToBounds(everything, { ...whole, animate: !prefersReducedMotion(), duration: 0.8 });
        });
        bar.append(button);
        return bar;
      },
    }))({ position: "topleft" }).addTo(map);
  }
  controls();
  new ResizeObserver(() => map.invalidateSize({ pan: false })).observe(element); // the panel's height sets the map's
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  map.attributionControl.addAttribution("Natural Earth");

  map.fitBounds(everything, { ...whole, animate: false });

  map.createPane("land").style.zIndex = 250;
  map.createPane("names").style.zIndex = 350; // above the land, below the route (400) and the icons (600)
  map.getPane("names").style.pointerEvents = "none";
  let labels = [];
  loadBasemap(basemapUrl).then((basemap) => {
    if (!basemap) return;
    L.polygon(latLngs(basemap.land.geometry.coordinates), { pane: "land", ...LAND }).addTo(map);
    L.polyline(latLngs(basemap.borders.geometry.coordinates), { pane: "land", ...BORDERS }).addTo(map);
    labels = basemap.labels.map((f) => {
      const text = h("span", { class: "country-name" });
      const [lon, lat] = f.geometry.coordinates;
      const marker = L.marker([lat, lon], {
        pane: "names", interactive: false, keyboard: false,
        icon: L.divIcon({ className: "country-label", html: text, iconSize: [0, 0] }),
      }).addTo(map);
      return { marker, text, code: f.properties.code, from: f.properties.zoom };
    });
    nameCountries();
    showNames();
  });

  function nameCountries() {
    let names = null;
    try {
      names = new Intl.DisplayNames([lang() === "th" ? "th" : "en"], { type: "region" });
    } catch {
      // without Intl.DisplayNames the map has no names
    }
    for (const label of labels) {
      label.text.textContent = names?.of(label.code) || "";
      label.text.lang = lang();
    }
  }

  function showNames() {
    const z = map.getZoom();
    for (const label of labels) label.marker.getElement().hidden = z < label.from;
  }

  L.polyline(points, { color: ROUTE, weight: 3, opacity: 0.45, dashArray: "2 9", lineCap: "round", interactive: false })
    .addTo(map);
  const travelled = L.polyline([], { color: ROUTE, weight: 3.5, opacity: 0.9, lineCap: "round", interactive: false })
    .addTo(map);

  const icons = journey.map((m) => ({
    normal: L.icon({ iconUrl: m.icon_url, className: "milestone-icon", ...ICON }),
    current: L.icon({ iconUrl: m.icon_url, className: "milestone-icon is-current", ...CURRENT_ICON }),
  }));
  const markers = journey.map((m, i) =>
    L.marker(points[i], { icon: icons[i].normal, title: m.title, alt: `${m.order}. ${m.title}`, riseOnHover: true })
      .on("click", () => onSelect(i))
      .on("keydown", (e) => activateWithKeys(e.originalEvent, () => onSelect(i)))
      .addTo(map),
  );
  function nameIcons(texts) {
    markers.forEach((marker, i) => {
      const el = marker.getElement();
      el.setAttribute("data-order", String(texts[i].order));
      marker.options.alt = el.alt = `${texts[i].order}. ${texts[i].title}`; // options: setIcon puts them back
      marker.options.title = el.title = texts[i].title;
      el.lang = texts[i].langs?.title || "en";
    });
  }
  nameIcons(journey);

  let current = null;
  let offsets = journey.map(() => [0, 0]);

  /** Fan out icons whose anchors would be closer than GAP px at the current zoom. */
  function layout() {
    offsets = fanOut(points.map((p) => map.project(p, map.getZoom())));
    markers.forEach((marker, i) => {
      const el = marker.getElement();
      if (!el) return;
      const [ax, ay] = (i === current ? CURRENT_ICON : ICON).iconAnchor;
      el.style.marginLeft = `${offsets[i][0] - ax}px`;
      el.style.marginTop = `${offsets[i][1] - ay}px`;
      el.classList.toggle("is-fanned", offsets[i][0] !== 0 || offsets[i][1] !== 0);
    });
  }

  map.on("zoomend", () => {
    layout();
    showNames();
  });
  layout();
  showNames();

  function show(index, { move = true } = {}) {
    if (current !== null) {
      markers[current].setIcon(icons[current].normal).setZIndexOffset(0);
      markers[current].getElement().removeAttribute("aria-current");
    }
    current = index;
    const animate = !prefersReducedMotion();
    if (index === null) {
      travelled.setLatLngs(points);
      layout();
      if (move) map.flyToBounds(everything, { ...whole, animate, duration: 1 });
      return;
    }
    markers[index].setIcon(icons[index].current).setZIndexOffset(1000);
    markers[index].getElement().setAttribute("aria-current", "step");
    travelled.setLatLngs(points.slice(0, index + 1));
    layout();
    if (!move) return;
    if (animate) map.flyTo(points[index], STEP_ZOOM, { duration: 0.9 });
    else map.setView(points[index], STEP_ZOOM, { animate: false });
  }

  function fillLegend() {
    if (!legend) return;
    const kinds = [...new Map(journey.map((m) => [m.kind, m.icon_url])).entries()];
    legend.replaceChildren(
      h("h3", { class: "legend-title" }, t("map.legend")),
      h("ul", { class: "legend-list" },
        kinds.map(([kind, url]) => h("li", {}, h("img", { src: url, alt: "", width: 20, height: 20 }), t(`kind.${kind}`)))),
    );
  }
  fillLegend();

  function relabel(texts = journey) {
    nameIcons(texts);
    controls();
    nameCountries();
    fillLegend();
  }

  return { show, relabel };
}

/**
 * Pixel offsets [dx, dy] per point so that no two end up closer than GAP: points that would are
 * put in one group, spread evenly on a circle around the group's centre (in order), and groups
 * that still touch after that are merged and spread again.
 */
export function fanOut(px) {
  let groups = px.map((_, i) => [i]);
  let placed = place(groups, px);
  for (let pass = 0; pass < px.length; pass++) {
    const pair = touching(groups, placed);
    if (!pair) break;
    const [a, b] = pair;
    groups = groups.filter((_, g) => g !== a && g !== b).concat([[...groups[a], ...groups[b]].sort((x, y) => x - y)]);
    placed = place(groups, px);
  }
  return px.map((p, i) => [Math.round(placed[i].x - p.x), Math.round(placed[i].y - p.y)]);
}

function place(groups, px) {
  const placed = [];
  for (const group of groups) {
    if (group.length === 1) {
      placed[group[0]] = px[group[0]];
      continue;
    }
    const cx = group.reduce((s, i) => s + px[i].x, 0) / group.length;
    const cy = group.reduce((s, i) => s + px[i].y, 0) / group.length;
    const radius = Math.max(GAP * 0.6, GAP / (2 * Math.sin(Math.PI / group.length)));
    group.forEach((i, k) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * k) / group.length;
      placed[i] = { x: cx + radius * Math.cos(angle), y: cy + radius * Math.sin(angle) };
    });
  }
  return placed;
}

function touching(groups, placed) {
  for (let a = 0; a < groups.length; a++) {
    for (let b = a + 1; b < groups.length; b++) {
      for (const i of groups[a]) {
        for (const j of groups[b]) {
          if (Math.hypot(placed[i].x - placed[j].x, placed[i].y - placed[j].y) < GAP) return [a, b];
        }
      }
    }
  }
  return null;
}

/** Icons are buttons (role=button, tabindex=0): Enter and Space press them. */
function activateWithKeys(event, action) {
  if (event.key !== "Enter" && event.key !== " ") return;
  event.preventDefault();
  action();
}

/** GeoJSON's nested [lon, lat] coordinates as Leaflet's [lat, lon]. */
export const latLngs = (c) => (Array.isArray(c[0]) ? c.map(latLngs) : [c[1], c[0]]);

/** The basemap (TopoJSON, assets/build_basemap.mjs) as GeoJSON features: the land (one
 * MultiPolygon), the borders (one MultiLineString) and the label points. */
export async function loadBasemap(url) {
  try {
    const response = await fetch(url, { mode: "cors", credentials: "omit" });
    if (!response.ok) return null;
    const topo = await response.json();
    return {
      land: feature(topo, topo.objects.land),
      borders: feature(topo, topo.objects.borders),
      labels: feature(topo, topo.objects.labels).features,
    };
  } catch {
    return null; // the journey still works on the plain background
  }
}
