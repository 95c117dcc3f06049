// Proof of work before each donation attempt (ALTCHA). A challenge from GET /api/challenge is solved
// in a Web Worker (the altcha package's own PBKDF2 solver, copied to web/vendor/) while the donor
// fills in the form: no third party, nothing to click, no puzzle. Each solution is used once; the
// next one is solved in the background as soon as one is taken.

import { getChallenge } from "./api.js";

const SOLVER = new URL("../vendor/altcha-pbkdf2.js", import.meta.url);
let pending = null;

/** Start solving the next challenge, if nothing is being solved already. */
export function prepare() {
  if (!pending) {
    pending = solve();
    pending.catch(() => { pending = null; }); // a failed one is solved again when needed
  }
  return pending;
}

/** A solved, unexpired challenge for one attempt (base64 ALTCHA payload). */
export async function take() {
  let solved;
  try {
    solved = await prepare();
  } catch {
    pending = null;
    solved = await prepare(); // one more try; a second failure is the caller's to report
  }
  pending = null;
  if (solved.expires && solved.expires - 15 < Date.now() / 1000) solved = await solve();
  prepare();
  return solved.payload;
}

export async function solve() {
  const challenge = await getChallenge();
  const solution = await work(challenge);
  return { payload: btoa(JSON.stringify({ challenge, solution })), expires: challenge.parameters.expiresAt };
}

function work(challenge) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SOLVER);
    const done = (settle, value) => { worker.terminate(); settle(value); };
    worker.onmessage = ({ data }) => {
      if (data && !data.error && data.derivedKey) done(resolve, { counter: data.counter, derivedKey: data.derivedKey, time: data.time });
      else done(reject, new Error("the challenge could not be solved"));
    };
    worker.onerror = (event) => done(reject, new Error(event.message || "solver failed"));
    worker.postMessage({ type: "work", challenge, counterMode: "uint32" });
  });
}
