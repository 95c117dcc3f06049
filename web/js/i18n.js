// The chosen language (English or Thai), as js/lang.js decided it before the page was drawn: from
// the address (?lang=th, so a shared link opens in the language it was shared in), else remembered
// in localStorage, else the browser's; reflected in <html lang>, in the address and in every link
// to our own pages; applied to elements marked with
// data-i18n (text) and data-i18n-attr ("attr:key; attr:key"), and to blocks written in one language
// (data-lang="th": shown only in that language).
//
// Strings live one file per language in strings/. English, the default and the fallback, is a
// static import; another language is loaded before any page module runs (top-level await), so t()
// stays synchronous and an English reader never downloads the Thai strings.
import EN from "./strings/en.js";

const KEY = "sc.lang";
const LANGS = ["en", "th"];

// js/lang.js has decided (and remembered ?lang=) before the page was drawn
let current = LANGS.includes(document.documentElement.lang) ? document.documentElement.lang : "en";
const STRINGS = { en: EN };
const ADDED = {}; // strings other modules add (the staff pages'), by language
if (current !== "en" && !(await load(current))) current = "en"; // not loaded (offline?): English

async function load(language) {
  try {
    STRINGS[language] = { ...(await import(`./strings/${language}.js`)).default, ...ADDED[language] };
    return true;
  } catch {
    return false;
  }
}

/** Add strings (by language: {en: {...}, th: {...}}), for a language loaded now or later. */
export function addStrings(byLanguage) {
  for (const [language, strings] of Object.entries(byLanguage)) {
    ADDED[language] = { ...ADDED[language], ...strings };
    if (STRINGS[language]) Object.assign(STRINGS[language], strings);
  }
}

export const lang = () => current;

export function t(key, vars = {}) {
  const text = STRINGS[current]?.[key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

function remember(value) {
  try {
    localStorage.setItem(KEY, value);
  } catch {
    // not remembered, still applied
  }
}

/** A link to one of our pages that keeps the language: "story.html?id=x" -> "story.html?id=x&lang=th".
 * English, the default, is left out of the address unless the current address names it. */
export function withLang(href) {
  if (!href || /^(#|[a-z][a-z0-9+.-]*:|\/\/)/i.test(href)) return href; // in-page, other sites, mailto:
  const url = new URL(href, location.href);
  if (current === "en" && !new URLSearchParams(location.search).has("lang")) url.searchParams.delete("lang");
  else url.searchParams.set("lang", current);
  const path = href.startsWith("/") ? url.pathname : relative(url);
  return path + url.search + url.hash;
}

function relative(url) {
  const here = location.pathname.slice(0, location.pathname.lastIndexOf("/") + 1);
  const path = url.pathname.startsWith(here) ? url.pathname.slice(here.length) : url.pathname;
  return path || "./";
}

/** Every link to our own pages keeps the language (marked once with its original href). */
export function keepLangInLinks(root = document) {
  for (const a of root.querySelectorAll("a[href]")) {
    const original = a.dataset.href ?? a.getAttribute("href");
    if (/^(#|[a-z][a-z0-9+.-]*:|\/\/)/i.test(original)) continue;
    a.dataset.href = original;
    a.setAttribute("href", withLang(original));
  }
}

export function applyStrings(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll("[data-lang]")) el.hidden = el.dataset.lang !== current;
  keepLangInLinks(root);
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":").map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
  document.documentElement.classList.remove("i18n-pending"); // js/lang.js: the page is in its language
}

/** Switch language (its strings loaded first), remember it, re-apply static strings and tell the
 * page (event "langchange"). */
export async function setLang(next) {
  if (!LANGS.includes(next) || next === current) return;
  remember(next); // at once: a page opened next reads it, even before these strings arrive
  if (!STRINGS[next] && !(await load(next))) return;
  current = next;
  const url = new URL(location.href); // the address says the language too, for sharing
  if (next === "en") url.searchParams.delete("lang");
  else url.searchParams.set("lang", next);
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  applyStrings();
  document.dispatchEvent(new CustomEvent("langchange", { detail: next }));
}

/** Wire the header's language button (it names the other language, in that language). */
export function initLanguageSwitch(button) {
  const other = () => (current === "en" ? "th" : "en");
  const label = () => {
    button.textContent = t("lang.switch");
    button.lang = other(); // read out in the language it names
  };
  label();
  button.addEventListener("click", () => setLang(other()));
  document.addEventListener("langchange", label);
}
