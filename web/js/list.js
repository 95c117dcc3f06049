// The story list: filters (need, country) kept in the address, cards, "show more" by cursor.
import { lastGift, listStories } from "./api.js";
import { $, clear, h } from "./dom.js";
import { countryName, number } from "./format.js";
import { t, withLang } from "./i18n.js";
import { localize } from "./texts.js";
import { needName, needProgress, startPage, totalsLine } from "./ui.js";

const NEEDS = ["shelter", "medical", "legal", "repatriation", "education"];
// Countries of South, South-East and East Asia that journeys start from; names come from Intl.
const COUNTRIES = ["BD", "KH", "CN", "IN", "ID", "LA", "MY", "MM", "NP", "PK", "PH", "LK", "TH", "TL", "VN"];

const params = new URLSearchParams(location.search);
const state = {
  need: NEEDS.includes(params.get("need")) ? params.get("need") : "",
  country: COUNTRIES.includes(params.get("country")) ? params.get("country") : "",
  limit: Math.min(50, Math.max(1, Number(params.get("limit")) || 9)),
  items: [],
  cursor: null,
  request: 0,
};

const els = {
  form: $("#filters"),
  need: $("#f-need"),
  country: $("#f-country"),
  status: $("#list-status"),
  grid: $("#stories"),
  more: $("#more"),
};

function fillFilters() {
  const option = (value, label, selected) => h("option", { value, selected: selected || null }, label);
  els.need.replaceChildren(
    option("", t("list.anyNeed"), !state.need),
    ...NEEDS.map((n) => option(n, needName(n), n === state.need)),
  );
  const countries = COUNTRIES.map((code) => [code, countryName(code)]).sort((a, b) => a[1].localeCompare(b[1]));
  els.country.replaceChildren(
    option("", t("list.anyCountry"), !state.country),
    ...countries.map(([code, name]) => option(code, name, code === state.country)),
  );
}

function card(original) {
  const story = localize(original);
  const cta = t("card.read", { name: story.pseudonym });
  return h(
    "li",
    { class: "story-card" },
    h(
      "article",
      { "aria-labelledby": `name-${story.id}` },
      h("img", { class: "story-cover", src: story.cover.url, alt: story.cover.alt, lang: story.langs.cover, width: 320, height: 200, loading: "lazy" }),
      h(
        "div",
        { class: "story-body" },
        h("p", { class: "story-origin", lang: story.langs.origin }, story.origin.label),
        h("h2", { class: "story-name", id: `name-${story.id}` }, story.pseudonym),
        story.status === "funded" ? h("p", { class: "badge" }, t("card.funded")) : null,
        story.new_update ? h("p", { class: "badge badge-update" }, t("card.newUpdate")) : null,
        h("p", { class: "story-headline", lang: story.langs.headline }, story.headline),
        h("div", { class: "story-needs" }, story.needs.map((n) => needProgress(n, story.currency))),
        h("p", { class: "story-totals" }, totalsLine(story)),
        h("a", { class: "story-cta", href: withLang(`story.html?id=${encodeURIComponent(story.id)}`) }, cta),
      ),
    ),
  );
}

function renderStatus() {
  const n = state.items.length;
  let text;
  if (n === 0) text = t("list.none");
  else if (n === 1) text = t("list.countOne");
  else text = t(state.cursor ? "list.count" : "list.countAll", { count: number(n) });
  els.status.textContent = text;
  els.more.hidden = !state.cursor;
}

async function load({ more = false } = {}) {
  const ticket = ++state.request; // a newer request (filters changed again) wins
  if (!more) {
    state.items = [];
    state.cursor = null;
    clear(els.grid);
    els.status.textContent = t("list.loading");
  }
  els.more.disabled = true;
  try {
    const page = await listStories({
      need: state.need,
      country: state.country,
      limit: state.limit,
      cursor: more ? state.cursor : null,
    });
    if (ticket !== state.request) return;
    const cards = page.items.map(card);
    els.grid.append(...cards);
    els.grid.classList.remove("is-loading");
    state.items.push(...page.items);
    state.cursor = page.next_cursor;
    renderStatus();
    if (more && cards.length) cards[0].querySelector("a").focus();
  } catch {
    if (ticket !== state.request) return;
    els.status.replaceChildren(
      t("list.error"),
      " ",
      h("button", { class: "button button-quiet", type: "button", onclick: () => load({ more }) }, t("list.retry")),
    );
  } finally {
    els.more.disabled = false;
  }
}

function onFilterChange() {
  state.need = els.need.value;
  state.country = els.country.value;
  const query = new URLSearchParams(location.search);
  for (const key of ["need", "country"]) {
    if (state[key]) query.set(key, state[key]);
    else query.delete(key);
  }
  const qs = query.toString();
  history.replaceState(null, "", qs ? `?${qs}` : location.pathname);
  load();
}

function rerender() {
  fillFilters();
  const items = state.items;
  els.grid.replaceChildren(...items.map(card));
  renderStatus();
}

startPage();
document.title = t("list.title");
fillFilters();
els.form.addEventListener("change", onFilterChange);
els.form.addEventListener("submit", (event) => event.preventDefault());
els.more.addEventListener("click", () => load({ more: true }));
// Back from a story where the donor gave: the browser may show this page as it was (back/forward
// cache); load the list again, fresh, so that the gift shows.
let loadedAt = Date.now();
window.addEventListener("pageshow", (event) => {
  if (event.persisted && lastGift() > loadedAt) {
    loadedAt = Date.now();
    load();
  }
});
document.addEventListener("langchange", () => {
  document.title = t("list.title");
  rerender();
});
load();
