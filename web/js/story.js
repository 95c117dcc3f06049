// The story page (story.html?id=...): introduction, the journey (map, narrative panel, text list),
// the needs with their progress, updates, and the donation step (loaded when it is opened).
import { getStory } from "./api.js";
import { getPreview, isPreview } from "./preview.js";
import { $, h } from "./dom.js";
import { money, period } from "./format.js";
import { t } from "./i18n.js";
import { createJourney } from "./journey.js";
import { needProgress, progressBar, startPage, totalsLine } from "./ui.js";

let story = null;
let journey = null;
let donate = null; // the donate.js module, once opened

function showStatus(key) {
  const status = $("#story-status");
  status.textContent = t(key);
  status.hidden = false;
  $("#story").hidden = true;
}

function renderIntro() {
  const name = story.pseudonym;
  document.title = t("story.titleSuffix", { name });
  $("#story-origin").textContent = story.origin.label;
  $("#story-title").textContent = t("story.heading", { name });
  $("#story-headline").textContent = story.headline;
  $("#story-summary").textContent = story.summary;
  $("#story-totals").replaceChildren(
    h("p", { class: "story-totals-text" }, totalsLine(story, "story.raised")),
    progressBar({
      value: story.totals.raised,
      max: story.totals.goal,
      percent: story.totals.percent,
      label: totalsLine(story, "story.raised"),
      text: t("story.raised", { raised: money(story.totals.raised, story.currency), goal: money(story.totals.goal, story.currency) }),
    }),
  );
  const intro = $("#intro-donate");
  intro.textContent = t("story.donate", { name });
  intro.hidden = story.status !== "open";
  $("#map").setAttribute("aria-label", t("story.mapLabel", { name }));
  const slot = $("#story-cover");
  if (!slot.firstChild) {
    slot.append(h("img", { class: "story-cover-large", src: story.cover.url, alt: story.cover.alt, width: 320, height: 200 }));
  }
}

function renderNeeds() {
  $("#needs-title").textContent = t("story.needs", { name: story.pseudonym });
  $("#needs-list").replaceChildren(
    ...story.needs.map((need) =>
      h(
        "li",
        { class: `need-card${need.open ? "" : " is-funded"}` },
        needProgress(need, story.currency, { title: true }),
        h("p", { class: "need-description" }, need.description),
        need.open
          ? h(
              "div",
              { class: "need-actions" },
              h("span", { class: "need-remaining" }, t("need.remaining", { amount: money(need.remaining, story.currency) })),
              h(
                "button",
                {
                  class: "button button-quiet",
                  type: "button",
                  dataset: { give: need.need }, // "Not now" finds it again after a re-render
                  onclick: (event) => openDonate(need.need, event.currentTarget),
                },
                t("need.give"),
                h("span", { class: "visually-hidden" }, `: ${need.title}`),
              ),
            )
          : h("p", { class: "badge" }, t("need.funded")),
      ),
    ),
  );
}

function renderUpdates() {
  const section = $("#updates");
  section.hidden = story.updates.length === 0;
  $("#updates-list").replaceChildren(
    ...story.updates.map((u) =>
      h("li", {}, h("time", { datetime: u.period }, period(u.period)), h("p", {}, u.text)),
    ),
  );
}

function render() {
  renderIntro();
  renderNeeds();
  renderUpdates();
}

/** New funding arrived (after a gift): every progress bar on the page shows it. */
function funded(updated) {
  story = updated;
  render();
  journey.refresh(story);
  donate?.updateStory(story);
}

async function openDonate(need, from) {
  donate = donate || (await import("./donate.js"));
  donate.openDonate(story, { need, funded, from });
}

async function main() {
  startPage();
  const id = new URLSearchParams(location.search).get("id");
  if (!id) return showStatus("story.notFound");
  try {
    story = isPreview() ? await getPreview(id) : await getStory(id);
  } catch (err) {
    return showStatus(err.status === 404 ? "story.notFound" : "story.error");
  }
  $("#story-status").hidden = true;
  $("#story").hidden = false; // visible before the map is drawn: Leaflet measures its container
  render();
  journey = createJourney(story, { onDonate: () => openDonate(null, document.activeElement) });
  $("#intro-donate").addEventListener("click", (event) => openDonate(null, event.currentTarget));
  document.addEventListener("langchange", () => {
    render();
    journey.relabel();
  });
}

main();
