// The story page's request for its story, sent as soon as this small module and api.js arrive:
// story.html loads it as an async module of its own, so the request does not wait for the page's
// other modules (story.js imports the same instance and awaits the answer).
import { getStory } from "./api.js";

const params = new URLSearchParams(location.search);
const id = params.get("id");

/** The API's answer for the story the address names; null without an id, or for a staff preview. */
export const storyRequest = id && !params.has("preview") ? getStory(id) : null;
storyRequest?.catch(() => {}); // story.js reports a failure; this only keeps it from being "unhandled"

// While the answer is on its way the page has little else to do: the first use of Intl (the
// numbers, money and dates of the story) costs ~15 ms, ~60 ms on a slow phone; pay it now.
setTimeout(() => {
  new Intl.NumberFormat().format(0);
  new Intl.DateTimeFormat(undefined, { year: "numeric", month: "long" }).format(0);
});
