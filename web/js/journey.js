// Moving through a journey: the narrative panel, Previous/Next, the ←/→ keys, the ordered text
// list, and the map (if it could be drawn: loaded after the first narrative is shown, so that
// Leaflet and the basemap never delay it). Index journey.length is the closing card: the needs
// and the call to donate. A step change is announced briefly ("Step 2 of 7: title") in a hidden
// live region; the panel itself is not live, so refreshing it says nothing.
import { $, h } from "./dom.js";
import { number, period } from "./format.js";
import { t } from "./i18n.js";
import { needProgress } from "./ui.js";

export function createJourney(story, { onDonate }) {
  let journey = story.journey; // texts in the reader's language, each with its own `langs`
  const last = journey.length; // the closing card
  const els = {
    narrative: $("#narrative"),
    announce: $("#step-announce"),
    prev: $("#prev"),
    next: $("#next"),
    count: $("#step-count"),
    steps: $("#steps-list"),
    map: $("#map"),
    legend: $("#map-legend"),
  };
  let index = 0;
  let map = null;

  async function loadMap() {
    try {
      const { createJourneyMap } = await import("./journey-map.js");
      map = createJourneyMap(els.map, {
        journey, basemapUrl: story.basemap_url, onSelect: (i) => go(i), legend: els.legend,
      });
      // the whole route in view at the start; a step the reader already moved to, with its place
      map.show(index === last ? null : index, { move: index !== 0 });
    } catch (err) {
      // Without the map the text list and the panel still tell the whole journey.
      els.map.hidden = true;
      console.error("map unavailable", err);
    }
  }

  function milestoneCard(m) {
    return [
      h("p", { class: "narrative-kind" }, h("img", { src: m.icon_url, alt: "", width: 22, height: 22 }), t(`kind.${m.kind}`)),
      h("h3", { id: "narrative-title", tabindex: "-1", lang: m.langs.title }, m.title),
      h(
        "p",
        { class: "narrative-meta" },
        h("time", { datetime: m.period }, period(m.period)),
        h("span", { "aria-hidden": "true" }, " · "),
        h("span", { class: "narrative-place", lang: m.langs.place }, m.place),
      ),
      m.image
        ? h("img", { class: "narrative-image", src: m.image.url, alt: m.image.alt, lang: m.langs.image, width: 320, height: 200 })
        : null,
      h("p", { class: "narrative-text", lang: m.langs.narrative }, m.narrative),
    ];
  }

  function closingCard() {
    const name = story.pseudonym;
    return [
      h("h3", { id: "narrative-title", tabindex: "-1" }, t("story.nowTitle", { name })),
      h("p", {}, t("story.nowText", { name })),
      h("div", { class: "narrative-needs" }, story.needs.map((n) => needProgress(n, story.currency))),
      story.status === "open"
        ? h("button", { class: "button button-warm", type: "button", onclick: () => onDonate() }, t("story.donate", { name }))
        : h("p", { class: "badge" }, t("card.funded")),
    ];
  }

  /** Fill the panel for `index`. Focus that was in the old panel, or on a button this step
   * disables (Next at the end, Previous at the start), moves to the new panel: its call to donate
   * at the end, else its title. Never to <body>. */
  function render() {
    const atEnd = index === last;
    const focused = document.activeElement;
    const refocus = els.narrative.contains(focused);
    els.narrative.classList.toggle("is-closing", atEnd);
    els.narrative.replaceChildren(...(atEnd ? closingCard() : milestoneCard(journey[index])).filter(Boolean));
    els.count.textContent = atEnd ? "" : t("story.step", { n: number(index + 1), total: number(journey.length) });
    els.prev.disabled = index === 0;
    els.next.disabled = atEnd;
    for (const item of els.steps.children) {
      if (Number(item.dataset.index) === index) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
    }
    if (refocus || ((focused === els.prev || focused === els.next) && focused.disabled)) {
      ((atEnd && els.narrative.querySelector("button")) || $("#narrative-title")).focus({ preventScroll: true });
    }
  }

  function announce() {
    els.announce.textContent = index === last
      ? t("story.nowTitle", { name: story.pseudonym })
      : t("story.announce", { n: number(index + 1), total: number(journey.length), title: journey[index].title });
  }

  function go(next) {
    const target = Math.max(0, Math.min(last, next));
    if (target === index) return;
    index = target;
    render();
    announce();
    map?.show(index === last ? null : index);
  }

  function renderSteps() {
    els.steps.replaceChildren(
      ...journey.map((m, i) =>
        h(
          "li",
          { class: "step", dataset: { index: i } },
          h("img", { class: "step-icon", src: m.icon_url, alt: "", width: 32, height: 32, loading: "lazy" }),
          h(
            "div",
            { class: "step-body" },
            h("h3", { lang: m.langs.title }, m.title),
            h("p", { class: "step-meta" }, `${period(m.period)} · `, h("span", { lang: m.langs.place }, m.place)),
            m.image
              ? h("img", { class: "step-image", src: m.image.url, alt: m.image.alt, lang: m.langs.image, width: 320, height: 200, loading: "lazy" })
              : null,
            h("p", { lang: m.langs.narrative }, m.narrative),
            h(
              "button",
              { class: "link-button", type: "button", onclick: () => showOnMap(i) },
              t("story.showOnMap"),
              h("span", { class: "visually-hidden" }, `: ${m.title}`),
            ),
          ),
        ),
      ),
    );
  }

  function showOnMap(i) {
    go(i);
    const panel = $("#journey-title");
    panel.scrollIntoView({ block: "start" });
    $("#narrative-title").focus({ preventScroll: true });
  }

  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const target = event.target;
    if (target.closest?.("input, select, textarea, [contenteditable], #donate")) return;
    const moves = { ArrowRight: index + 1, ArrowLeft: index - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    go(moves[event.key]);
  }

  els.prev.addEventListener("click", () => go(index - 1));
  els.next.addEventListener("click", () => go(index + 1));
  document.addEventListener("keydown", onKey);

  renderSteps();
  render();
  loadMap();

  return {
    /** The story's funding changed: only the closing card's progress bars show it. */
    refresh(updated) {
      story = updated;
      journey = story.journey;
      els.narrative.querySelector(".narrative-needs")
        ?.replaceChildren(...story.needs.map((n) => needProgress(n, story.currency)));
    },
    /** The language changed: the same step, in the new words (not announced again). */
    relabel(updated) {
      story = updated;
      journey = story.journey;
      renderSteps();
      render();
      map?.relabel(journey);
    },
  };
}
