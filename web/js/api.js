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

async function request(path, { method = "GET", body, headers = {}, fresh = false } = {}) {
  let response;
  try {
    response = await fetch(BASE + path, {
      method,
      headers: body ? { "Content-Type": "application/json", ...headers } : headers,
      body: body ? JSON.stringify(body) : undefined,
      cache: fresh ? "no-store" : "default",
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
