// The chosen language (English or Thai): remembered in localStorage, reflected in <html lang>,
// applied to elements marked with data-i18n (text) and data-i18n-attr ("attr:key; attr:key").
import { STRINGS } from "./strings.js";

const KEY = "sc.lang";
const LANGS = Object.keys(STRINGS);

function initial() {
  try {
    const saved = localStorage.getItem(KEY);
    if (LANGS.includes(saved)) return saved;
  } catch {
    // storage may be blocked; fall through to the browser's language
  }
  return (navigator.language || "en").toLowerCase().startsWith("th") ? "th" : "en";
}

let current = initial();

export const lang = () => current;

export function t(key, vars = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

export function applyStrings(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":").map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
}

/** Switch language, remember it, re-apply static strings and tell the page (event "langchange"). */
export function setLang(next) {
  if (!LANGS.includes(next) || next === current) return;
  current = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // not remembered, still applied
  }
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
