// Pieces both pages use: page start-up, progress bars, need names.
import { h } from "./dom.js";
import { money, number, percent } from "./format.js";
import { applyStrings, initLanguageSwitch, t } from "./i18n.js";

/** Apply the chosen language and wire the header's language button. */
export function startPage() {
  applyStrings();
  const button = document.getElementById("lang-switch");
  if (button) initLanguageSwitch(button);
}

export const needName = (need) => t(`need.${need}`);

/** An accessible progress bar: role=progressbar with its value and a spoken text. */
export function progressBar({ value, max, percent, label, text }) {
  const shown = Math.max(0, Math.min(100, percent));
  const fill = h("span", { class: "progress-fill" });
  fill.style.width = `${shown}%`; // through the CSSOM: the CSP allows no inline style attributes
  return h(
    "div",
    {
      class: "progress",
      role: "progressbar",
      "aria-label": label,
      "aria-valuemin": "0",
      "aria-valuemax": String(max),
      "aria-valuenow": String(Math.min(value, max)),
      "aria-valuetext": text,
    },
    fill,
  );
}

/** One need: its name, "raised of goal" and a bar. `title` adds the need's own title. */
export function needProgress(need, currency, { title = false } = {}) {
  const amounts = t("need.progress", { raised: money(need.raised, currency), goal: money(need.goal, currency) });
  return h(
    "div",
    { class: `need-progress${need.open ? "" : " is-funded"}`, dataset: { need: need.need } },
    h(
      "div",
      { class: "need-progress-head" },
      h("span", { class: "need-name" }, needName(need.need)),
      h("span", { class: "need-amount" }, amounts),
    ),
    title ? h("p", { class: "need-title", lang: need.langs?.title }, need.title) : null,
    progressBar({
      value: need.raised,
      max: need.goal,
      percent: need.percent,
      label: t("need.progressLabel", { need: needName(need.need), percent: percent(need.percent) }),
      text: amounts,
    }),
  );
}

/** t() with elements for placeholders: tNodes("x", {name: span}) -> ["Text ", span, " more"]. */
export function tNodes(key, nodes) {
  const marker = "\u0000";
  const names = Object.keys(nodes);
  const text = t(key, Object.fromEntries(names.map((n) => [n, `${marker}${n}${marker}`])));
  return text.split(marker).map((part, i) => (i % 2 ? nodes[part] : part)).filter((p) => p !== "");
}

/** "$125 raised of $2,800 · 2 donors" */
export function totalsLine(story, key = "card.raisedOf") {
  const { raised, goal } = story.totals;
  const donors = story.donor_count === 1 ? t("card.donorsOne") : t("card.donors", { count: number(story.donor_count) });
  return `${t(key, { raised: money(raised, story.currency), goal: money(goal, story.currency) })} · ${donors}`;
}
