// The review screen: what changed since the last approved version, the privacy check, approve and
// publish (a reviewer who did not write the version), consent, updates, withdrawal and the history.
import { $, h } from "../../js/dom.js";
import { period } from "../../js/format.js";
import { t } from "../../js/i18n.js";
import { api, errorText, findingText, showMessage, startStaffPage, stateName } from "./staff.js";

const id = new URLSearchParams(location.search).get("id") || "";
const path = `/stories/${encodeURIComponent(id)}`;
let current = null; // { story, changes }
let trail = [];

function shown(value) {
  if (value == null) return "—";
  return Array.isArray(value) ? value.join(", ") : String(value);
}

function render() {
  const { story, changes } = current;
  const ed = story.editorial;
  $("#review-title").textContent = t("review.heading", { name: story.pseudonym });
  document.title = `${t("review.heading", { name: story.pseudonym })} · ${t("staff.site")}`;
  $("#review-state").textContent = t("review.state", { state: stateName(story.state), version: ed.version, who: ed.last_edited_by });
  $("#review-preview").href = `../story.html?id=${encodeURIComponent(story.id)}&preview=1`;
  const edit = $("#review-edit");
  edit.href = `edit.html?id=${encodeURIComponent(story.id)}`;
  edit.hidden = story.status !== "draft";

  const rows = changes.fields;
  $("#changes").replaceChildren(
    h("p", {}, changes.since ? t("review.changesSince", { n: changes.since }) : t("review.firstVersion")),
    rows.length
      ? h(
          "table",
          { class: "changes" },
          h("thead", {}, h("tr", {}, ["review.field", "review.before", "review.after"].map((k) => h("th", { scope: "col" }, t(k))))),
          h("tbody", {}, rows.map((r) => h("tr", {}, h("th", { scope: "row" }, r.field), h("td", { class: "before" }, shown(r.before)),
            h("td", { class: "after" }, shown(r.after))))),
        )
      : h("p", {}, t("review.noChanges")),
  );

  const findings = Object.entries(story.findings);
  $("#findings").replaceChildren(
    ...(findings.length
      ? findings.map(([field, msgs]) => h("li", { class: "finding" }, `${field}: ${msgs.map(findingText).join("; ")}`))
      : [h("li", {}, t("review.clean"))]),
  );

  const approve = $("#approve");
  approve.textContent = t("review.approve", { n: ed.version });
  approve.hidden = !(story.state === "submitted");
  $("#publish").hidden = story.state !== "approved";

  const c = story.consent;
  $("#consent-now").textContent = c
    ? t("review.consentIs", { given: period(c.given), scope: c.scope, expires: c.expires ? period(c.expires) : t("review.never"), who: c.recorded_by })
    : t("review.consentNone");

  $("#history").replaceChildren(
    ...trail.map((r) =>
      h(
        "tr",
        {},
        h("td", {}, h("time", { datetime: r.at }, new Date(r.at).toLocaleString(document.documentElement.lang === "th" ? "th-TH" : "en-GB", { timeZone: "UTC" }) + " UTC")),
        h("td", {}, `${r.by.name} (${r.role})`),
        h("td", { dataset: { action: r.action } }, t(`action.${r.action}`) + (r.details.reason ? `: ${r.details.reason}` : "")),
        h("td", {}, String(r.version)),
      ),
    ),
  );
}

async function load() {
  const [got, history] = await Promise.all([api(path), api(`${path}/history`).catch(() => ({ items: [] }))]);
  current = got;
  trail = history.items;
  render();
}

async function act(run, doneKey, { after } = {}) {
  const status = $("#action-status");
  try {
    await run();
    await load();
    showMessage(status, t(doneKey));
    after?.();
  } catch (err) {
    showMessage(status, errorText(err), { alert: true });
    if (err.findings) {
      $("#update-text").setAttribute("aria-invalid", "true");
      const note = $("#finding-update");
      note.textContent = Object.values(err.findings).flat().map((m) => t("edit.finding", { text: findingText(m) })).join(" ");
      note.hidden = false;
    }
  }
  status.focus?.();
}

async function main() {
  const who = await startStaffPage();
  if (!who) return;
  try {
    await load();
  } catch (err) {
    showMessage($("#page-status"), errorText(err), { alert: true });
    return;
  }
  $("#review").hidden = false;
  // Only what the signed-in role may do is offered (the API checks it again).
  for (const section of document.querySelectorAll("[data-roles]")) {
    section.hidden = !section.dataset.roles.split(" ").some((role) => who.roles.includes(role));
  }
  const version = () => ({ version: current.story.editorial.version });
  $("#approve").addEventListener("click", () => act(() => api(`${path}/approve`, { method: "POST", body: version() }), "review.approved"));
  $("#publish").addEventListener("click", () => act(() => api(`${path}/publish`, { method: "POST", body: version() }), "review.published"));
  $("#consent-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const expires = $("#consent-expires").value.trim();
    act(() => api(`${path}/consent`, { method: "POST", body: {
      given: $("#consent-given").value.trim(), scope: $("#consent-scope").value, ...(expires ? { expires } : {}) } }),
    "review.consentSaved");
  });
  const open = ["published", "funded"].includes(current.story.status);
  $("#update-form").closest("section").hidden ||= !open;
  $("#withdraw-form").closest("section").hidden ||= current.story.status === "withdrawn";
  $("#update-form").addEventListener("submit", (e) => {
    e.preventDefault();
    $("#finding-update").hidden = true;
    $("#update-text").removeAttribute("aria-invalid");
    act(() => api(`${path}/updates`, { method: "POST", body: { period: $("#update-period").value.trim(), text: $("#update-text").value } }),
      "review.updatePosted", { after: () => e.target.reset() });
  });
  $("#withdraw-form").addEventListener("submit", (e) => {
    e.preventDefault();
    act(() => api(`${path}/withdraw`, { method: "POST", body: { reason: $("#withdraw-reason").value } }), "review.withdrawn");
  });
  document.addEventListener("langchange", render);
}

main();
