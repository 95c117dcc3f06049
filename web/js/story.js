// The story page (story.html?id=...): introduction (with the partner organisation and who checked
// the story), the journey (map, narrative panel, text list), the needs with their progress, recent
// gifts from the public ledger, updates, and the donation step (loaded when it is opened).
// Story texts are shown in the reader's language where a translation exists, each element marked
// with the language it is really in.
import { getFunding } from "./api.js";
import { $, h } from "./dom.js";
import { day, money, period } from "./format.js";
import { t, withLang } from "./i18n.js";
import { createJourney } from "./journey.js";
import { storyRequest } from "./story-request.js";
import { localize } from "./texts.js";
import { needProgress, progressBar, startPage, tNodes, totalsLine } from "./ui.js";

const GIFTS_SHOWN = 8;

let raw = null; // the story as the API gave it
let story = null; // the same, its texts in the reader's language (see texts.js)
let ledger = null;
let journey = null;
let donate = null; // the donate.js module, once opened

function showStatus(key) {
  const status = $("#story-status");
  status.textContent = t(key);
  status.hidden = false;
  status.classList.remove("is-loading");
  $("#story").hidden = true;
}

function renderIntro() {
  const name = story.pseudonym;
  document.title = t("story.titleSuffix", { name });
  setText($("#story-origin"), story.origin.label, story.langs.origin);
  $("#story-title").textContent = t("story.heading", { name });
  setText($("#story-headline"), story.headline, story.langs.headline);
  setText($("#story-summary"), story.summary, story.langs.summary);
  renderTrust();
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
    slot.append(h("img", { class: "story-cover-large", src: story.cover.url, alt: "", width: 320, height: 200 }));
  }
  slot.firstChild.alt = story.cover.alt;
  slot.firstChild.lang = story.langs.cover || "en";
}

function setText(el, text, language) {
  el.textContent = text;
  el.lang = language || "en";
}

/** "Supported by {partner}" and "Checked by {by} in {month}": the names as written (English). */
function renderTrust() {
  const org = (name) => h("span", { lang: "en", class: "trust-name" }, name);
  $("#story-trust").replaceChildren(
    story.partner ? h("p", {}, ...tNodes("story.partner", { partner: org(story.partner) })) : "",
    story.verified_by
      ? h("p", {}, ...tNodes("story.verified", { by: org(story.verified_by), month: period(story.verified) }))
      : "",
    h("p", { class: "small" }, h("a", { href: withLang("money.html") }, t("story.howMoney"))),
  );
}

/** The public ledger, newest first: a name or "Anonymous", the amount, the day; reversals say so. */
function renderGifts() {
  const list = $("#gifts-list");
  if (!ledger) return;
  // the API lists the newest first; a stable sort by day keeps that order within a day
  const rows = [...ledger.items].sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0));
  const label = (item) => {
    if (item.amount < 0) return t(item.display_name === "Refund" ? "gifts.refund" : "gifts.reversed");
    return item.display_name === "Anonymous" ? t("gifts.anonymous") : item.display_name;
  };
  list.replaceChildren(
    ...rows.slice(0, GIFTS_SHOWN).map((item) =>
      h(
        "li",
        { class: `gift${item.amount < 0 ? " is-reversal" : ""}` },
        h("span", { class: "gift-name" }, label(item)),
        h("span", { class: "gift-amount" }, money(item.amount, item.currency)),
        h("span", { class: "gift-meta" }, t(`need.${item.need}`), " · ", h("time", { datetime: item.day }, day(item.day))),
      ),
    ),
  );
  $("#gifts-empty").hidden = rows.length > 0;
  $("#gifts-empty").textContent = t("gifts.none", { name: story.pseudonym });
}

async function loadGifts() {
  try {
    ledger = await getFunding(raw.id);
  } catch {
    ledger = null;
    $("#gifts").hidden = true;
    return;
  }
  $("#gifts").hidden = false;
  renderGifts();
}

function renderNeeds() {
  $("#needs-title").textContent = t("story.needs", { name: story.pseudonym });
  $("#needs-list").replaceChildren(
    ...story.needs.map((need) =>
      h(
        "li",
        { class: `need-card${need.open ? "" : " is-funded"}` },
        needProgress(need, story.currency, { title: true }),
        h("p", { class: "need-description", lang: need.langs.description }, need.description),
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
      h("li", {}, h("time", { datetime: u.period }, period(u.period)), h("p", { lang: u.langs.text }, u.text)),
    ),
  );
}

function render() {
  story = localize(raw);
  renderIntro();
  renderNeeds();
  renderUpdates();
  renderGifts();
}

/** New funding arrived (after a gift): every progress bar on the page shows it, and the ledger. */
function funded(updated) {
  raw = updated;
  render();
  journey.refresh(story);
  donate?.updateStory(story);
  loadGifts();
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
    // a staff preview (…&preview=1) reads the draft through the staff API: preview.js, loaded only then
    const preview = new URLSearchParams(location.search).has("preview");
    raw = preview ? await (await import("./preview.js")).getPreview(id) : await storyRequest;
  } catch (err) {
    return showStatus(err.status === 404 ? "story.notFound" : "story.error");
  }
  $("#story-status").hidden = true;
  $("#story").hidden = false; // visible before the map is drawn: Leaflet measures its container
  $("#story").classList.remove("is-loading");
  render();
  $("#needs-list").classList.remove("is-loading");
  journey = createJourney(story, { onDonate: () => openDonate(null, document.activeElement) });
  $("#intro-donate").addEventListener("click", (event) => openDonate(null, event.currentTarget));
  document.addEventListener("langchange", () => {
    render();
    journey.relabel(story);
    donate?.updateStory(story);
  });
  loadGifts();
}

main();
