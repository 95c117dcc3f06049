// What every staff page shares: who is signed in (App Service Authentication's /.auth/me), the
// staff API (/api/manage/), error messages in the reader's language, and the privacy grid.
import "./strings.js";
import { $, h } from "../../js/dom.js";
import { t } from "../../js/i18n.js";
import { startPage } from "../../js/ui.js";

const BASE = (document.querySelector('meta[name="api-base"]')?.content || "/api").replace(/\/$/, "");
// Easy Auth runs on the API's host: its /.auth/ endpoints are there (this site's, locally).
const AUTH = /^https?:/.test(BASE) ? new URL(BASE).origin : "";
// After signing in or out, back here (Azure accepts other hosts listed in allowedExternalRedirectUrls).
const back = (path) => (AUTH ? new URL(path, location.href).href : path);
// In Azure, Entra ID signs staff in (/.auth/login/aad); devhost offers fictional staff (/.auth/login/dev).
const LOCAL = ["localhost", "127.0.0.1"].includes(location.hostname);
export const PROVIDER = document.querySelector('meta[name="auth-provider"]')?.content || (LOCAL ? "dev" : "aad");

export class StaffError extends Error {
  constructor(status, error = {}) {
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || (status ? "http_error" : "network");
    this.parameter = error.parameter;
    this.findings = error.findings;
  }
}

/** A staff route's JSON answer: `body` is sent as JSON, `file` (a picture) as it is. */
export async function api(path, { method = "GET", body, file } = {}) {
  let response;
  try {
    response = await fetch(`${BASE}/manage${path}`, {
      method,
      credentials: "include", // the Easy Auth session cookie
      headers: file ? { "Content-Type": file.type || "application/octet-stream" } : body ? { "Content-Type": "application/json" } : {},
      body: file || (body ? JSON.stringify(body) : undefined),
      cache: "no-store",
    });
  } catch {
    throw new StaffError(0, { code: "network" });
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new StaffError(response.status, data.error);
  return data;
}

/** { name, roles } of who is signed in, or null. */
export async function me() {
  const response = await fetch(`${AUTH}/.auth/me`, { credentials: "include", cache: "no-store" }).catch(() => null);
  if (!response || !response.ok) return null;
  const [entry] = await response.json().catch(() => []);
  if (!entry) return null;
  const claims = entry.user_claims || [];
  const name = claims.find((c) => c.typ === "name")?.val || entry.user_id;
  const roles = claims.filter((c) => c.typ === "roles").map((c) => c.val);
  return { name, roles };
}

export const signInUrl = () =>
  `${AUTH}/.auth/login/${PROVIDER}?post_login_redirect_uri=${encodeURIComponent(back(location.pathname + location.search))}`;

/** Start a staff page: strings, language switch, the header's sign-in line. Resolves to who is
 * signed in (null: the page shows how to sign in and stops). */
export async function startStaffPage() {
  startPage();
  const who = await me();
  const slot = $("#who");
  const render = () => {
    if (!who) {
      slot.replaceChildren(h("a", { class: "button", href: signInUrl() }, t("staff.signIn")));
      return;
    }
    slot.replaceChildren(
      h("span", { class: "who-name" }, t("staff.signedIn", { name: who.name, roles: who.roles.join(", ") || t("staff.noRole") })),
      " ",
      h("a", { href: `${AUTH}/.auth/logout?post_logout_redirect_uri=${encodeURIComponent(back("/staff/"))}` }, t("staff.signOut")),
    );
  };
  render();
  document.addEventListener("langchange", render);
  if (!who) {
    showMessage($("#page-status"), t("staff.needSignIn"));
    return null;
  }
  if (!who.roles.length) {
    showMessage($("#page-status"), t("staff.forbidden"));
    return null;
  }
  return who;
}

export function showMessage(el, text, { alert = false } = {}) {
  el.textContent = text;
  el.hidden = !text;
  el.classList.toggle("is-error", alert);
}

/** An API error in the reader's words. */
export function errorText(err) {
  const key = `error.${err.code}`;
  const text = t(key, { parameter: err.parameter || "" });
  return text === key ? t("staff.error") : text;
}

/** The gate's finding in the reader's words. */
export const findingText = (text) => {
  const key = `finding.${text}`;
  const said = t(key);
  return said === key ? text : said;
};

export { coarsen, GRID_DEGREES, landOf, snap } from "./grid.js";

export const stateName = (state) => t(`state.${state}`);
