// Money, periods and place names in the reader's language. Money arrives as integer minor units.
import { lang } from "./i18n.js";

const locale = () => (lang() === "th" ? "th-TH" : "en-US");

// Intl formatters are costly to build (a few ms each on a slow phone): one per locale and options.
const formatters = new Map();
function formatter(Kind, options) {
  const key = `${Kind.name}|${locale()}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Kind(locale(), options);
    formatters.set(key, f);
  }
  return f;
}

/** How many decimals a currency has (2 for USD and THB, 0 for JPY), as Intl knows it. */
const DECIMALS = new Map();
export function decimals(currency) {
  if (!DECIMALS.has(currency)) {
    DECIMALS.set(currency, new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits);
  }
  return DECIMALS.get(currency);
}

/** 1234 -> "1,234" in the reader's language. */
export const number = (n) => formatter(Intl.NumberFormat, {}).format(n);

/** 45 (a whole percentage, as the API gives it) -> "45%" in the reader's language. */
export const percent = (p) => formatter(Intl.NumberFormat, { style: "percent", maximumFractionDigits: 0 }).format(p / 100);

/** 2500 USD -> "$25", 2550 USD -> "$25.50": whole amounts without the cents. */
export function money(minor, currency) {
  const digits = decimals(currency);
  const scale = 10 ** digits;
  const whole = minor % scale === 0;
  return formatter(Intl.NumberFormat, {
    style: "currency",
    currency,
    currencyDisplay: "narrowSymbol",
    minimumFractionDigits: whole ? 0 : digits,
    maximumFractionDigits: digits,
  }).format(minor / scale);
}

/** "25", "25.5", "1,000.00" -> minor units (integer arithmetic), or null when it is not an amount. */
export function parseAmount(text, currency) {
  const digits = decimals(currency);
  const clean = String(text).trim().replace(/[\s,]/g, "");
  const match = digits ? clean.match(new RegExp(`^(\\d{1,9})(?:\\.(\\d{1,${digits}}))?$`)) : clean.match(/^(\d{1,12})$/);
  if (!match) return null;
  const fraction = (match[2] || "").padEnd(digits, "0");
  return Number(match[1]) * 10 ** digits + Number(fraction || 0);
}

/** The amount as someone would type it in a form field: 2500 -> "25", 2550 -> "25.50". */
export function amountInput(minor, currency) {
  const digits = decimals(currency);
  const scale = 10 ** digits;
  return minor % scale === 0 ? String(minor / scale) : (minor / scale).toFixed(digits);
}

/** "2019" -> "2019"; "2019-03" -> "March 2019" (Thai: "มีนาคม 2562"). Never a day. */
export function period(value) {
  const [year, month] = value.split("-").map(Number);
  const date = new Date(Date.UTC(year, (month || 1) - 1, 1));
  const options = month ? { year: "numeric", month: "long", timeZone: "UTC" } : { year: "numeric", timeZone: "UTC" };
  return formatter(Intl.DateTimeFormat, options).format(date);
}

/** "MM" -> "Myanmar (Burma)" / "เมียนมา (พม่า)". */
export function countryName(code) {
  try {
    return formatter(Intl.DisplayNames, { type: "region" }).of(code) || code;
  } catch {
    return code;
  }
}

/** "2026-11-30" -> "30 November 2026" / "30 พฤศจิกายน 2569" (a gift's day; never used for survivors). */
export function day(value) {
  const [year, month, date] = value.split("-").map(Number);
  return formatter(Intl.DateTimeFormat, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(year, month - 1, date)));
}
