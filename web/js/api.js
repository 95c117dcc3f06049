// The HTTP API. Its base comes from <meta name="api-base"> (same origin locally; the Functions
// app's address when the portal is served from Blob static website hosting).

const BASE = (document.querySelector('meta[name="api-base"]')?.content || "/api").replace(/\/$/, "");

/** An answer with the API's error body, or a network failure (status 0). Pages say what went wrong
 * in their own words, chosen by `code`; the server's message is only for the console. */
export class ApiError extends Error {
  constructor(status, error = {}) {
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || (status ? "http_error" : "network");
    this.parameter = error.parameter;
    this.remaining = error.remaining;
    this.retryAfter = error.retry_after;
  }
}

// After a gift, every read of this browser session goes to the server and refreshes the browser's
// cached copy (cache: "reload"; "no-store" would leave the old copy for the next page to show), so
// that the list and the story show the new totals at once. The mark lives in sessionStorage, so the
// list knows about a gift made on a story page.
const GIFT_KEY = "sc.giftAt";
const GIFT_FRESH_MS = 10 * 60 * 1000; // longer than the API's max-age + stale-while-revalidate

/** A gift went through (or may have): reads bypass the browser cache from now on. */
export function markGift() {
  try {
    sessionStorage.setItem(GIFT_KEY, String(Date.now()));
  } catch {
    // storage blocked: this page still reads fresh (see lastGift)
  }
  giftHere = Date.now();
}

let giftHere = 0;

/** When this session last gave (ms since the epoch), or 0. */
export function lastGift() {
  let at = giftHere;
  try {
    at = Math.max(at, Number(sessionStorage.getItem(GIFT_KEY)) || 0);
  } catch {
    // storage blocked
  }
  return Date.now() - at < GIFT_FRESH_MS ? at : 0;
}

async function request(path, { method = "GET", body, headers = {}, fresh = false } = {}) {
  let response;
  try {
    response = await fetch(BASE + path, {
      method,
      headers: body ? { "Content-Type": "application/json", ...headers } : headers,
      body: body ? JSON.stringify(body) : undefined,
      cache: method !== "GET" ? "no-store" : fresh || lastGift() ? "reload" : "default",
    });
  } catch {
    throw new ApiError(0, { code: "network", message: "network error" });
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.error);
  return data;
}

export function listStories({ need, country, cursor, limit } = {}) {
  const query = new URLSearchParams();
  if (need) query.set("need", need);
  if (country) query.set("country", country);
  if (limit) query.set("limit", limit);
  if (cursor) query.set("cursor", cursor);
  const qs = query.toString();
  return request(`/stories${qs ? `?${qs}` : ""}`);
}

export const getStory = (id, { fresh = false } = {}) => request(`/stories/${encodeURIComponent(id)}`, { fresh });

/** The public ledger of a story's gifts (newest first): name or "Anonymous", amount, day. */
export const getFunding = (id) => request(`/stories/${encodeURIComponent(id)}/funding`);

export const getConfig = () => request("/config");

export const getChallenge = () => request("/challenge", { fresh: true });

/** Start a donation; every attempt carries a fresh Idempotency-Key. */
export function createDonation(donation) {
  return request("/donations", { method: "POST", body: donation, headers: { "Idempotency-Key": newKey() } });
}

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
