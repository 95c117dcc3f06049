// The story editor: the story's fields and needs on the left, the map in the middle (a click places
// the next milestone, snapped to the privacy grid as the server snaps it: on land near a coast, to a
// grid point on land), the milestones with their narratives beside it.
// Every save runs the privacy check on the server; its findings appear next to their fields.
import { $, $$, h } from "../../js/dom.js";
import { decimals } from "../../js/format.js";
import { t } from "../../js/i18n.js";
import { LAND, latLngs, loadBasemap } from "../../js/journey-map.js";
import { L } from "../../vendor/map.js";
import { api, errorText, findingText, landOf, showMessage, snap, startStaffPage } from "./staff.js";

const KINDS = ["home", "recruitment", "journey", "exploitation", "escape", "rescue", "shelter", "recovery", "future"];
const NEEDS = ["shelter", "medical", "legal", "repatriation", "education"];
const START = { center: [15, 101], zoom: 4 };

// a milestone's picture is uploaded through the safe-image path (POST .../images) and named by file
const state = { id: null, version: null, cover: null, needs: [], journey: [], findings: {} };
let map = null;
let layer = null;
let land = null; // the basemap's land, once it has loaded: a click near a coast snaps as privacy.snap does

// ------------------------------------------------------------------ findings next to their fields
function setFinding(el, messages) {
  const id = `${el.id}-finding`;
  let note = document.getElementById(id);
  if (!note) {
    note = h("p", { class: "finding", id, hidden: true });
    el.after(note);
  }
  note.textContent = messages.map((m) => t("edit.finding", { text: findingText(m) })).join(" ");
  note.hidden = messages.length === 0;
  if (messages.length) {
    el.setAttribute("aria-invalid", "true");
    el.setAttribute("aria-describedby", id);
  } else {
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-describedby");
  }
}

function showFindings() {
  for (const el of $$("[data-field]")) setFinding(el, state.findings[el.dataset.field] || []);
  const general = Object.entries(state.findings).filter(([field]) => !document.querySelector(`[data-field="${field}"]`));
  const note = $("#finding-journey");
  note.textContent = general.map(([, msgs]) => msgs.map((m) => t("edit.finding", { text: findingText(m) })).join(" ")).join(" ");
  note.hidden = general.length === 0;
}

// ------------------------------------------------------------------ needs
function field(labelKey, input, vars) {
  return h("div", { class: "field" }, h("label", { for: input.id }, t(labelKey, vars)), input);
}

function renderNeeds() {
  const currency = $("#currency").value;
  $("#needs").replaceChildren(
    ...state.needs.map((need, i) => {
      const sel = h(
        "select",
        { id: `need-${i}`, onchange: (e) => { need.need = e.target.value; renderNeeds(); } },
        NEEDS.map((n) => h("option", { value: n, selected: n === need.need }, t(`need.${n}`))),
      );
      const title = h("input", { type: "text", id: `need-${i}-title`, value: need.title, maxlength: 120,
        dataset: { field: `needs.${need.need}.title` }, oninput: (e) => { need.title = e.target.value; } });
      const description = h("textarea", { id: `need-${i}-description`, rows: 2, maxlength: 2000,
        dataset: { field: `needs.${need.need}.description` }, oninput: (e) => { need.description = e.target.value; } });
      description.value = need.description;
      const goal = h("input", { type: "text", inputmode: "decimal", id: `need-${i}-goal`, value: need.goal,
        oninput: (e) => { need.goal = e.target.value; } });
      return h(
        "li",
        { class: "need-row" },
        field("edit.need", sel),
        field("edit.needTitle", title),
        field("edit.needDescription", description),
        field("edit.goal", goal, { currency }),
        h("button", { type: "button", class: "button button-quiet", onclick: () => { state.needs.splice(i, 1); renderNeeds(); } },
          t("edit.removeNeed")),
      );
    }),
  );
  showFindings();
}

// ------------------------------------------------------------------ milestones and the map
function renderMilestones() {
  $("#no-milestones").hidden = state.journey.length > 0;
  $("#milestones").replaceChildren(
    ...state.journey.map((m, i) => {
      const n = i + 1;
      const id = (name) => `m-${n}-${name}`;
      const bind = (name) => (e) => { m[name] = e.target.value; if (name === "title") drawMap(); };
      const narrative = h("textarea", { id: id("narrative"), rows: 4, maxlength: 2000,
        dataset: { field: `journey.${n}.narrative` }, oninput: bind("narrative") });
      narrative.value = m.narrative;
      return h(
        "li",
        { class: "milestone-card", id: `milestone-${n}`, tabindex: "-1", "aria-labelledby": id("h") },
        h("h3", { id: id("h") }, t("edit.milestone", { n }), h("span", { class: "small at" }, ` · ${t("edit.at", { lat: m.lat, lon: m.lon })}`)),
        field("edit.kind", h("select", { id: id("kind"), onchange: bind("kind") },
          KINDS.map((k) => h("option", { value: k, selected: k === m.kind }, t(`kind.${k}`))))),
        field("edit.title", h("input", { type: "text", id: id("title"), value: m.title, maxlength: 120,
          dataset: { field: `journey.${n}.title` }, oninput: bind("title") })),
        field("edit.place", h("input", { type: "text", id: id("place"), value: m.place, maxlength: 120,
          dataset: { field: `journey.${n}.place` }, oninput: bind("place") })),
        field("edit.period", h("input", { type: "text", id: id("period"), value: m.period, maxlength: 7,
          placeholder: "2024-05", oninput: bind("period") })),
        field("edit.narrative", narrative),
        field("edit.image", h("input", { type: "file", id: id("image"),
          accept: "image/jpeg,image/png,image/webp,image/svg+xml", onchange: (e) => addPicture(m, n, e.target) })),
        field("edit.alt", h("input", { type: "text", id: id("alt"), value: m.image?.alt || "", maxlength: 300,
          dataset: { field: `journey.${n}.image.alt` }, oninput: (e) => { if (m.image) m.image.alt = e.target.value; } })),
        h("p", { class: "small", id: id("image-note"), "aria-live": "polite" },
          m.image ? t("edit.imageKept", { file: m.image.file }) : ""),
        h(
          "div",
          { class: "milestone-tools" },
          h("button", { type: "button", class: "button button-quiet", disabled: i === 0, "aria-label": t("edit.up", { n }),
            onclick: () => move(i, -1) }, "↑"),
          h("button", { type: "button", class: "button button-quiet", disabled: i === state.journey.length - 1,
            "aria-label": t("edit.down", { n }), onclick: () => move(i, 1) }, "↓"),
          h("button", { type: "button", class: "button button-quiet", onclick: () => remove(i) }, t("edit.remove", { n })),
        ),
      );
    }),
  );
  drawMap();
  showFindings();
}

/** A file name the API takes: the milestone's number, a plain stem, the picture's own extension. */
function pictureName(n, file) {
  const ext = (file.name.split(".").pop() || "").toLowerCase().replace("jpeg", "jpg");
  const stem = file.name.replace(/\.[^.]*$/, "").toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "");
  return `m${n}-${(stem || "picture").slice(0, 40)}.${ext}`;
}

/** Upload a milestone's picture: made safe by the API (no metadata, no faces), then named by file. */
async function addPicture(m, n, input) {
  const file = input.files?.[0];
  const note = $(`#m-${n}-image-note`);
  if (!file) return;
  if (!state.id) {
    note.textContent = t("edit.saveFirst");
    return;
  }
  note.textContent = t("edit.uploading");
  try {
    const stored = await api(`/stories/${state.id}/images?name=${encodeURIComponent(pictureName(n, file))}`, { method: "POST", file });
    const alt = $(`#m-${n}-alt`).value.trim();
    m.image = { file: stored.file, alt: alt.length >= 3 ? alt : m.title || t("edit.pictureOf", { n }) };
    $(`#m-${n}-alt`).value = m.image.alt;
    note.textContent = t("edit.imageAdded", { file: stored.file });
  } catch (err) {
    input.value = "";
    note.textContent = err.code === "image_refused" ? `${t("edit.imageRefused")} ${err.message}` : errorText(err);
  }
}

function move(i, by) {
  const [m] = state.journey.splice(i, 1);
  state.journey.splice(i + by, 0, m);
  renderMilestones();
  document.querySelector(`#milestone-${i + by + 1} button[aria-label="${CSS.escape(t(by < 0 ? "edit.up" : "edit.down", { n: i + by + 1 }))}"]`)?.focus();
}

function remove(i) {
  state.journey.splice(i, 1);
  renderMilestones();
}

function place(latlng) {
  const next = state.journey.length;
  const [lat, lon] = snap(latlng.lat, latlng.lng, land);
  state.journey.push({
    kind: next === 0 ? "home" : "journey",
    title: "",
    narrative: "",
    place: "",
    period: "",
    lat,
    lon,
  });
  renderMilestones();
  document.getElementById(`m-${next + 1}-title`)?.focus({ preventScroll: true });
}

function drawMap() {
  if (!map) return;
  layer.clearLayers();
  const points = state.journey.map((m) => [m.lat, m.lon]);
  if (points.length > 1) L.polyline(points, { color: "#a84a24", weight: 3, opacity: 0.8, interactive: false }).addTo(layer);
  state.journey.forEach((m, i) => {
    const icon = L.divIcon({ className: "staff-pin", html: `<span>${i + 1}</span>`, iconSize: [28, 28], iconAnchor: [14, 14] });
    L.marker([m.lat, m.lon], { icon, keyboard: false, title: `${i + 1}. ${m.title}` })
      .on("click", () => document.getElementById(`milestone-${i + 1}`)?.focus())
      .addTo(layer)
      .getElement()
      .setAttribute("data-order", String(i + 1));
  });
}

async function startMap(basemapUrl) {
  map = L.map("map", { scrollWheelZoom: false, minZoom: 3, maxZoom: 9, keyboard: false, zoomControl: true })
    .setView(START.center, START.zoom);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  map.attributionControl.addAttribution("Natural Earth");
  map.createPane("land").style.zIndex = 250;
  layer = L.layerGroup().addTo(map);
  map.on("click", (e) => place(e.latlng));
  $("#place-centre").addEventListener("click", () => place(map.getCenter())); // without a pointer
  const basemap = await loadBasemap(basemapUrl); // without it, the plain background still takes clicks
  if (basemap) {
    L.polygon(latLngs(basemap.land.geometry.coordinates), { pane: "land", ...LAND }).addTo(map);
    land = landOf({ features: [basemap.land] });
  }
  drawMap();
}

// ------------------------------------------------------------------ load, save, submit
function fill(story) {
  state.id = story.id;
  state.version = story.editorial.version;
  $("#pseudonym").value = story.pseudonym;
  $("#country").value = story.origin.country;
  $("#origin-label").value = story.origin.label;
  $("#headline").value = story.headline;
  $("#summary").value = story.summary;
  $("#currency").value = story.currency;
  $("#terms").value = (story.sensitive_terms || []).join("\n");
  const scale = 10 ** decimals(story.currency);
  state.needs = story.needs.map((n) => ({ need: n.need, title: n.title, description: n.description, goal: String(n.goal / scale) }));
  state.journey = story.journey.map((m) => ({ ...m }));
  state.cover = story.cover || null;
  state.findings = story.findings || {};
  $("#edit-title").textContent = t("edit.heading", { name: story.pseudonym });
  links();
}

function links() {
  if (!state.id) return;
  const preview = $("#preview");
  preview.href = `../story.html?id=${encodeURIComponent(state.id)}&preview=1`;
  preview.hidden = false;
  const review = $("#to-review");
  review.href = `review.html?id=${encodeURIComponent(state.id)}`;
  review.hidden = false;
}

function body() {
  const currency = $("#currency").value;
  const scale = 10 ** decimals(currency);
  return {
    ...(state.id ? { version: state.version } : {}),
    pseudonym: $("#pseudonym").value,
    origin: { country: $("#country").value.trim().toUpperCase(), label: $("#origin-label").value },
    headline: $("#headline").value,
    summary: $("#summary").value,
    currency,
    ...(state.cover ? { cover: state.cover } : {}),
    sensitive_terms: $("#terms").value.split("\n").map((s) => s.trim()).filter(Boolean),
    needs: state.needs.map((n) => ({ need: n.need, title: n.title, description: n.description,
      goal: Math.round(Number(String(n.goal).replace(/,/g, "")) * scale) || 0 })),
    journey: state.journey.map((m) => ({ kind: m.kind, title: m.title, narrative: m.narrative, place: m.place,
      period: m.period, lat: m.lat, lon: m.lon, ...(m.image ? { image: m.image } : {}) })),
  };
}

async function save(event) {
  event.preventDefault();
  const status = $("#save-status");
  try {
    const saved = state.id
      ? await api(`/stories/${encodeURIComponent(state.id)}`, { method: "PUT", body: body() })
      : await api("/stories", { method: "POST", body: body() });
    state.id = saved.story.id;
    state.version = saved.story.editorial.version;
    state.findings = saved.findings;
    history.replaceState(null, "", `?id=${encodeURIComponent(state.id)}`);
    links();
    const count = Object.values(saved.findings).reduce((a, list) => a + list.length, 0);
    showMessage(status, count ? t("edit.savedFindings", { n: state.version, count }) : t("edit.saved", { n: state.version }),
      { alert: count > 0 });
    $("#submit").disabled = false; // the server refuses a story with findings, and says where
  } catch (err) {
    showMessage(status, errorText(err), { alert: true });
  }
  showFindings();
}

async function submit() {
  const status = $("#save-status");
  try {
    await api(`/stories/${encodeURIComponent(state.id)}/submit`, { method: "POST", body: { version: state.version } });
    showMessage(status, t("edit.submitted"));
    $("#submit").disabled = true;
  } catch (err) {
    if (err.findings) state.findings = err.findings;
    showFindings();
    showMessage(status, errorText(err), { alert: true });
  }
}

async function main() {
  const who = await startStaffPage();
  if (!who) return;
  $("#editor").hidden = false;
  $("#editor").addEventListener("submit", save);
  $("#submit").addEventListener("click", submit);
  $("#add-need").addEventListener("click", () => {
    const used = new Set(state.needs.map((n) => n.need));
    state.needs.push({ need: NEEDS.find((n) => !used.has(n)) || "shelter", title: "", description: "", goal: "" });
    renderNeeds();
  });
  $("#currency").addEventListener("change", renderNeeds);
  const id = new URLSearchParams(location.search).get("id");
  let basemap = null;
  try {
    const [list, found] = await Promise.all([api("/stories"), id ? api(`/stories/${encodeURIComponent(id)}`) : null]);
    basemap = list.basemap_url;
    if (found) {
      fill(found.story);
      $("#submit").disabled = found.story.state !== "editing";
    }
  } catch (err) {
    showMessage($("#page-status"), errorText(err), { alert: true });
  }
  renderNeeds();
  renderMilestones();
  await startMap(basemap);
  document.addEventListener("langchange", () => {
    renderNeeds();
    renderMilestones();
  });
}

main();
