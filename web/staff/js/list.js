// The staff list: every story, grouped by where it stands in the workflow.
import { $, h } from "../../js/dom.js";
import { t } from "../../js/i18n.js";
import { api, errorText, showMessage, startStaffPage, stateName } from "./staff.js";

const ORDER = ["editing", "submitted", "approved", "published", "funded", "closed", "withdrawn"];
let items = [];

function render() {
  $("#states").replaceChildren(
    ...ORDER.map((state) => {
      const mine = items.filter((s) => s.state === state);
      return h(
        "section",
        { class: "state-group", "aria-labelledby": `state-${state}`, dataset: { state } },
        h("h2", { id: `state-${state}` }, `${stateName(state)} (${mine.length})`),
        mine.length
          ? h(
              "ul",
              { class: "state-list" },
              mine.map((s) =>
                h(
                  "li",
                  { dataset: { id: s.id } },
                  h(
                    "a",
                    { href: `${state === "editing" ? "edit" : "review"}.html?id=${encodeURIComponent(s.id)}` },
                    s.pseudonym,
                  ),
                  " · ",
                  s.headline,
                  h("span", { class: "small meta" }, ` · ${t("list.version", { n: s.version, who: s.last_edited_by })}`),
                ),
              ),
            )
          : h("p", { class: "small" }, t("list.empty")),
      );
    }),
  );
}

async function main() {
  const who = await startStaffPage();
  if (!who) return;
  try {
    items = (await api("/stories")).items;
  } catch (err) {
    showMessage($("#page-status"), errorText(err), { alert: true });
    return;
  }
  render();
  document.addEventListener("langchange", render);
}

main();
