// The story maps' library, bundled by `make web` (esbuild) into web/vendor/map.js: only the parts of
// Leaflet 1.9 the portal and the staff editor use (a map that pans and pinch-zooms, markers with
// image or HTML icons, lines and polygons drawn in SVG, zoom and attribution controls; no tiles,
// popups, tooltips, GeoJSON, canvas or keyboard handler), and topojson-client's decoder for the
// basemap.
import { Map, createMap } from "leaflet/src/map/Map.js";
import "leaflet/src/map/handler/Map.Drag.js";
import "leaflet/src/map/handler/Map.TouchZoom.js";
import "leaflet/src/map/handler/Map.DoubleClickZoom.js";
import { Control } from "leaflet/src/control/Control.js";
import { zoom } from "leaflet/src/control/Control.Zoom.js";
import "leaflet/src/control/Control.Attribution.js";
import * as DomEvent from "leaflet/src/dom/DomEvent.js";
import { toLatLng } from "leaflet/src/geo/LatLng.js";
import { toLatLngBounds } from "leaflet/src/geo/LatLngBounds.js";
import { marker } from "leaflet/src/layer/marker/Marker.js";
import { icon } from "leaflet/src/layer/marker/Icon.js";
import { divIcon } from "leaflet/src/layer/marker/DivIcon.js";
import { layerGroup } from "leaflet/src/layer/LayerGroup.js";
import { polyline } from "leaflet/src/layer/vector/Polyline.js";
import { polygon } from "leaflet/src/layer/vector/Polygon.js";
import { svg } from "leaflet/src/layer/vector/SVG.js";
export { feature } from "topojson-client";

// Lines and polygons are drawn in SVG, one renderer per pane. (Leaflet's own version of this
// method also brings its canvas renderer, which nothing here uses.)
Map.include({
  getRenderer(layer) {
    const pane = layer.options.pane || "overlayPane";
    const renderer = layer.options.renderer || (this._paneRenderers[pane] ??= svg({ pane }));
    if (!this.hasLayer(renderer)) this.addLayer(renderer);
    return renderer;
  },
});

export const L = {
  map: createMap,
  Map,
  Control,
  control: { zoom },
  DomEvent,
  latLng: toLatLng,
  latLngBounds: toLatLngBounds,
  marker,
  icon,
  divIcon,
  layerGroup,
  polyline,
  polygon,
};
