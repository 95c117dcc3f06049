// The journey on a Leaflet map: our own basemap (country outlines as GeoJSON from the asset
// storage) on a plain sea colour, no tile server; one icon per milestone and the route between them.
// Leaflet (web/vendor/leaflet.js, copied from node_modules by `make web`) provides window.L.
import { prefersReducedMotion } from "./dom.js";
import { t } from "./i18n.js";

const REGION = [[-16, 58], [47, 152]]; // the basemap's box, a little padded
const STEP_ZOOM = 6;
const ICON = { iconSize: [32, 32], iconAnchor: [16, 31] };
const CURRENT_ICON = { iconSize: [46, 46], iconAnchor: [23, 45] };
const ROUTE = "#a84a24";
const LAND = { color: "#c9b9a2", weight: 0.8, fillColor: "#f6f0e4", fillOpacity: 1, interactive: false };

/**
 * Draw `journey` (the API's milestones) in `element`. `onSelect(index)` runs when an icon is
 * clicked (or pressed with Enter or Space). Returns { show(index | null, {move}), relabel() }: show
 * highlights a milestone's icon and flies to it (null: the whole route); relabel puts the zoom
 * buttons' names in the current language.
 */
export function createJourneyMap(element, { journey, basemapUrl, onSelect }) {
  const L = window.L;
  const map = L.map(element, {
    keyboard: false, // ←/→ move between milestones instead of panning (see journey.js)
    scrollWheelZoom: false, // the page scrolls past the map; zoom with the buttons or a pinch
    zoomSnap: 0.5,
    minZoom: 3,
    maxZoom: 9,
    maxBounds: REGION,
    maxBoundsViscosity: 0.8,
    zoomControl: false, // added below, with names in the reader's language
  });
  let zoom = null;
  function relabel() {
    zoom?.remove();
    zoom = L.control.zoom({ zoomInTitle: t("map.zoomIn"), zoomOutTitle: t("map.zoomOut") }).addTo(map);
  }
  relabel();
  new ResizeObserver(() => map.invalidateSize({ pan: false })).observe(element); // the panel's height sets the map's
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  map.attributionControl.addAttribution("Natural Earth");

  const points = journey.map((m) => L.latLng(m.lat, m.lon));
  const everything = L.latLngBounds(points).pad(0.15);
  map.fitBounds(everything, { maxZoom: STEP_ZOOM, animate: false });

  map.createPane("land").style.zIndex = 250;
  loadBasemap(basemapUrl).then((geojson) => {
    if (geojson) L.geoJSON(geojson, { pane: "land", style: LAND, interactive: false }).addTo(map);
  });

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
  markers.forEach((marker, i) => marker.getElement().setAttribute("data-order", String(journey[i].order)));

  let current = null;

  function show(index, { move = true } = {}) {
    if (current !== null) {
      markers[current].setIcon(icons[current].normal).setZIndexOffset(0);
    }
    current = index;
    const animate = !prefersReducedMotion();
    if (index === null) {
      travelled.setLatLngs(points);
      if (move) map.flyToBounds(everything, { maxZoom: STEP_ZOOM, animate, duration: 1 });
      return;
    }
    markers[index].setIcon(icons[index].current).setZIndexOffset(1000);
    travelled.setLatLngs(points.slice(0, index + 1));
    if (!move) return;
    if (animate) map.flyTo(points[index], STEP_ZOOM, { duration: 0.9 });
    else map.setView(points[index], STEP_ZOOM, { animate: false });
  }

  return { show, relabel };
}

/** Icons are buttons (role=button, tabindex=0): Enter and Space press them. */
function activateWithKeys(event, action) {
  if (event.key !== "Enter" && event.key !== " ") return;
  event.preventDefault();
  action();
}

async function loadBasemap(url) {
  try {
    const response = await fetch(url, { mode: "cors", credentials: "omit" });
    return response.ok ? await response.json() : null;
  } catch {
    return null; // the journey still works on the plain background
  }
}
