// The donation step: choose an open need and an amount, optionally a name and a receipt email,
// pay with Stripe.js (loaded only here, from the address the API's /config gives), then follow the
// funding pipeline until the need's progress shows the gift.
//
// "No money was taken" is said only when that is certain: the API refused to start the donation,
// or Stripe answered with a card or validation error, or the PaymentIntent's status says it is
// unpaid. Anything else (a thrown error, a lost connection) may have charged the card: the page
// asks the donor not to pay again yet and watches for the gift to arrive.
import { ApiError, createDonation, getConfig, getStory, markGift } from "./api.js";
import * as challenge from "./challenge.js";
import { $, h, loadScript, loadStylesheet, prefersReducedMotion } from "./dom.js";
import { amountInput, decimals, money, parseAmount, percent } from "./format.js";
import { lang, t } from "./i18n.js";
import { needName, needProgress } from "./ui.js";

await loadStylesheet("../css/donate.css");

const PRESETS = { USD: [1000, 2500, 5000, 10000], THB: [20000, 50000, 100000, 250000] };
const POLL_EVERY_MS = 1500;
const POLL_FOR_MS = 60000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Stripe errors that mean the card was not charged. localstripe labels its declines
// invalid_request_error, so the decline and failed-authentication codes count too.
const NOT_CHARGED_TYPES = ["card_error", "validation_error"];
const NOT_CHARGED_CODES = ["card_declined", "payment_intent_authentication_failure"];
const PAID = ["succeeded", "processing"];
const UNPAID = ["requires_payment_method", "requires_confirmation", "requires_action", "canceled"];
// The API's refusals that need no more than a sentence (the others are handled in apiProblem).
const API_ERRORS = {
  payments_unavailable: "donate.err.unavailable",
  story_not_found: "donate.err.storyGone",
  idempotency_key_reused: "donate.err.retry",
  challenge_required: "donate.err.retry",
  challenge_invalid: "donate.err.retry",
  challenge_expired: "donate.err.retry",
  challenge_used: "donate.err.retry",
  network: "donate.network",
};
// Refusals of the card-testing defence (429): say when to try again.
const WAIT_ERRORS = { rate_limited: "donate.err.tooMany", busy: "donate.err.busy", declined: "donate.err.declinedToday" };
const FIELDS = ["amount", "email", "display_name", "need"]; // named in field.* strings

let config = null; // GET /api/config, once
let stripe = null; // Stripe.js instance and its card element, once per page
let card = null;
let stripeReady = null; // the one promise of loading Stripe.js and mounting the card element
let cardReady = false; // mounted (and complete, when the card element reports that)
let submitting = false;
let watch = 0; // the current funding watch; a newer one (or "Give again") ends older ones
const cardSlot = h("div", { id: "card", class: "card-field", role: "group", "aria-labelledby": "d-card-label" });

let story = null;
let onFunded = () => {};
let opener = null;
let els = {};
const live = []; // [element, render()] re-rendered when the language or the story changes

/** A span whose text is render(), kept current. */
function liveText(render) {
  const el = h("span", {}, render());
  live.push([el, render]);
  return el;
}

const text = (key, vars = () => ({})) => liveText(() => t(key, vars()));

function rerender() {
  for (const [el, render] of live) el.textContent = render();
  if (els.submit) updateSubmit();
}

/** Forget live texts that left the page (a replaced success message). */
function prune() {
  live.splice(0, live.length, ...live.filter(([el]) => el.isConnected));
}

document.addEventListener("langchange", rerender);

const radios = (name) => [...els.form.querySelectorAll(`input[name="${name}"]`)];
const checked = (name) => radios(name).find((i) => i.checked)?.value ?? "";
const presetsFor = (currency) => PRESETS[currency] || [10, 25, 50, 100].map((n) => n * 10 ** decimals(currency));
const openNeeds = () => story.needs.filter((n) => n.open);
const findNeed = (key) => story.needs.find((n) => n.need === key);

/** Show the donation step for `current` (the story as last loaded), with `needKey` chosen. */
export async function openDonate(current, { need: needKey, funded, from } = {}) {
  story = current;
  onFunded = funded || onFunded;
  opener = from || document.activeElement;
  const section = $("#donate");
  if (!els.form || els.storyId !== story.id) build(section);
  const choice = needKey && findNeed(needKey)?.open ? needKey : openNeeds()[0]?.need;
  if (choice) selectNeed(choice);
  showForm();
  challenge.prepare(); // solved while the donor fills in the form
  section.hidden = false;
  section.scrollIntoView({ block: "start", behavior: prefersReducedMotion() ? "auto" : "smooth" });
  $("#donate-title").focus({ preventScroll: true });
  await prepareStripe();
}

/** The story changed (new funding): refresh the need choices' remaining amounts. */
export function updateStory(current) {
  story = current;
  if (!els.form) return;
  for (const input of radios("need")) input.disabled = !findNeed(input.value)?.open;
  rerender();
}

function build(section) {
  live.length = 0;
  const name = () => ({ name: story.pseudonym });
  const currency = story.currency;
  const needChoices = story.needs.map((n) =>
    h(
      "label",
      { class: "choice" },
      h("input", { type: "radio", name: "need", value: n.need, disabled: !n.open, required: true }),
      h(
        "span",
        { class: "choice-text" },
        h("span", { class: "choice-main" }, text(`need.${n.need}`)),
        h("span", { class: "choice-sub" }, liveText(() => {
          const need = findNeed(n.need);
          return need.open ? t("donate.needRemaining", { amount: money(need.remaining, currency) }) : t("need.funded");
        })),
      ),
    ),
  );
  const presets = presetsFor(currency).map((amount, i) =>
    h(
      "label",
      { class: "chip" },
      h("input", { type: "radio", name: "amount", value: String(amount), checked: i === 1 }),
      liveText(() => money(amount, currency)),
    ),
  );
  els = {
    storyId: story.id,
    other: h("input", { id: "d-other", type: "text", inputmode: "decimal", autocomplete: "off", size: 10 }),
    showName: h("input", { id: "d-show-name", type: "checkbox" }),
    name: h("input", { id: "d-name", type: "text", maxlength: 40, autocomplete: "nickname", "aria-describedby": "d-name-hint" }),
    email: h("input", { id: "d-email", type: "email", autocomplete: "email", "aria-describedby": "d-email-hint" }),
    message: h("div", { id: "donate-message", class: "message", role: "alert" }),
    progress: h("p", { id: "donate-progress", class: "donate-progress", role: "status" }),
    submit: h("button", { id: "donate-submit", class: "button button-warm", type: "submit" }),
    success: h("div", { id: "donate-success", class: "donate-success", hidden: true }),
  };
  els.otherField = h("div", { class: "field other-field", hidden: true },
    h("label", { for: "d-other" }, text("donate.otherLabel", () => ({ currency }))), els.other);
  els.nameField = h("div", { class: "field", hidden: true },
    h("label", { for: "d-name" }, text("donate.name")), els.name,
    h("p", { class: "hint", id: "d-name-hint" }, text("donate.nameHint")));

  els.form = h(
    "form",
    { id: "donate-form", class: "donate-form", novalidate: true },
    h("fieldset", { class: "choices" }, h("legend", {}, text("donate.need")), needChoices),
    h(
      "fieldset",
      { class: "amounts" },
      h("legend", {}, text("donate.amount")),
      h("div", { class: "chips" }, presets,
        h("label", { class: "chip" }, h("input", { type: "radio", name: "amount", value: "other" }), text("donate.other"))),
      els.otherField,
    ),
    h("div", { class: "check" }, els.showName, h("label", { for: "d-show-name" }, text("donate.showName"))),
    els.nameField,
    h("div", { class: "field" },
      h("label", { for: "d-email" }, text("donate.email")), els.email,
      h("p", { class: "hint", id: "d-email-hint" }, text("donate.emailHint"))),
    h("div", { class: "field" }, h("span", { class: "label", id: "d-card-label" }, text("donate.card")), cardSlot),
    els.message,
    els.progress,
    h("div", { class: "donate-actions" }, els.submit,
      h("button", { class: "button button-quiet", type: "button", onclick: close }, text("donate.cancel"))),
  );

  section.replaceChildren(
    h("div", { class: "donate-inner" },
      h("h2", { id: "donate-title", tabindex: "-1" }, text("donate.title", name)),
      h("p", { class: "donate-intro" }, text("donate.intro")),
      els.form,
      els.success),
  );

  els.form.addEventListener("change", onChange);
  els.form.addEventListener("input", () => { clearMessage(); updateSubmit(); });
  els.form.addEventListener("submit", onSubmit);
  updateSubmit();
}

function onChange(event) {
  const target = event.target;
  if (target.name === "amount") {
    els.otherField.hidden = target.value !== "other";
    if (target.value === "other") els.other.focus();
  }
  if (target === els.showName) {
    els.nameField.hidden = !els.showName.checked;
    if (els.showName.checked) els.name.focus();
  }
  clearMessage();
  updateSubmit();
}

function selectNeed(key) {
  for (const input of radios("need")) input.checked = input.value === key;
  updateSubmit();
}

function chosenAmount() {
  const choice = checked("amount");
  if (choice === "other") return parseAmount(els.other.value, story.currency);
  return Number(choice) || null;
}

function updateSubmit() {
  const amount = chosenAmount();
  els.submit.textContent = amount ? t("donate.submit", { amount: money(amount, story.currency) }) : t("donate.submit", { amount: "" }).trim();
  els.submit.disabled = submitting || !cardReady;
}

function setAmount(minor) {
  const presetInput = radios("amount").find((i) => i.value === String(minor));
  if (presetInput) {
    presetInput.checked = true;
    els.otherField.hidden = true;
  } else {
    radios("amount").find((i) => i.value === "other").checked = true;
    els.otherField.hidden = false;
    els.other.value = amountInput(minor, story.currency);
  }
  updateSubmit();
}

// The message region stays in the page (role=alert), so that filling it is announced.
function say(message) {
  els.message.textContent = message;
}

function clearMessage() {
  els.message.textContent = "";
}

function busy(on, note = "") {
  submitting = on;
  els.progress.textContent = note;
  updateSubmit();
}

function showForm() {
  els.form.hidden = false;
  els.success.hidden = true;
  clearMessage();
  updateSubmit();
}

const isLive = (el) => el?.isConnected && !el.closest("[hidden]");

/** "Not now": back to where the donor came from, or what took its place. */
function close() {
  $("#donate").hidden = true;
  const sameNeed = opener?.dataset?.give && $(`#needs-list [data-give="${CSS.escape(opener.dataset.give)}"]`);
  [opener, sameNeed, $("#intro-donate"), $("#main")].find(isLive)?.focus();
}

/** Load Stripe.js and mount the card element, once (a failed attempt may be retried). */
function prepareStripe() {
  stripeReady = stripeReady || mountCard().catch((err) => {
    console.error("donations unavailable", err);
    cardSlot.replaceChildren();
    say(t("donate.unavailable"));
    stripeReady = null;
    return false;
  });
  return stripeReady;
}

async function mountCard() {
  cardSlot.replaceChildren(h("p", { class: "hint" }, t("donate.cardLoading")));
  config = config || (await getConfig());
  if (!config.currencies.includes(story.currency)) throw new Error(`${story.currency} not accepted`);
  await loadScript(config.stripe_js_url);
  stripe = window.Stripe(config.publishable_key, { locale: lang() });
  card = stripe.elements().create("card", {
    style: { base: { fontSize: "16px", color: "#2a2520", fontFamily: "system-ui, sans-serif" } },
  });
  // Stripe's element tells whether the card is complete; localstripe's tells nothing.
  card.on("change", (event) => {
    cardReady = typeof event?.complete === "boolean" ? event.complete : true;
    updateSubmit();
  });
  cardSlot.replaceChildren();
  card.mount(cardSlot);
  cardReady = true;
  updateSubmit();
  return true;
}

/** The form's values checked here first (the API checks them again); null and a message if wrong. */
function readForm() {
  const need = findNeed(checked("need"));
  if (!need || !need.open) return fail("donate.chooseNeed");
  const amount = chosenAmount();
  if (!amount) return fail("donate.badAmount");
  const currency = story.currency;
  const low = config?.min_amount?.[currency];
  const high = config?.max_amount?.[currency];
  // The last part of a need may be less than the minimum: the API takes exactly that amount.
  if (low && amount < low && amount !== need.remaining) return fail("donate.tooSmall", { amount: money(low, currency) });
  if (high && amount > high) return fail("donate.tooLarge", { amount: money(high, currency) });
  if (amount > need.remaining) {
    setAmount(need.remaining);
    return fail("donate.overRemaining", { amount: money(need.remaining, currency) });
  }
  const name = els.name.value.trim();
  const showName = els.showName.checked && name !== "";
  if (showName && name.length > 40) return fail("donate.nameTooLong");
  const email = els.email.value.trim();
  if (email && !EMAIL.test(email)) return fail("donate.badEmail");
  const donation = { story_id: story.id, need: need.need, amount, currency, anonymous: !showName };
  if (showName) donation.display_name = name;
  if (email) donation.email = email;
  return donation;

  function fail(key, vars) {
    say(t(key, vars));
    return null;
  }
}

async function onSubmit(event) {
  event.preventDefault();
  if (submitting || !cardReady) return; // one attempt at a time, and only with a card form
  clearMessage();
  const donation = readForm();
  if (!donation) return;
  busy(true, t("donate.working"));
  try {
    await give(donation);
  } finally {
    busy(false);
  }
}

async function give(donation) {
  const before = await snapshot(donation.need);
  let created;
  try {
    const solved = await challenge.take().catch(() => {
      throw new ApiError(0, { code: "network", message: "challenge unavailable" });
    });
    created = await createDonation({ ...donation, challenge: solved });
  } catch (err) {
    apiProblem(err, donation);
    return;
  }
  const { error, status } = await pay(created.client_secret);
  if (!error && !UNPAID.includes(status)) markGift(); // paid, or perhaps: from now on every read is fresh
  if (error) say(cardProblem(error));
  const receipt = { reference: created.payment_intent_id, email: donation.email || "" };
  if (error) {
    // said above
  } else if (PAID.includes(status)) showSuccess(donation, before, null, receipt); // watches on its own
  else if (UNPAID.includes(status)) say(t("donate.notTaken"));
  else {
    // Not known whether the card was charged: no second payment until the gift shows up (or not).
    say(t("donate.unconfirmed"));
    els.progress.textContent = t("donate.checking");
    const ticket = ++watch;
    const fresh = await waitForFunding(donation, before, ticket);
    if (ticket !== watch) return;
    if (fresh) showSuccess(donation, before, fresh, receipt);
    else say(t("donate.unconfirmedLate"));
  }
}

/** The need's and the story's raised amounts right before paying, fresh from the API if it answers. */
async function snapshot(key) {
  try {
    story = await getStory(story.id, { fresh: true });
  } catch {
    // the story as the page has it
  }
  return { need: findNeed(key)?.raised ?? 0, total: story.totals.raised + story.totals.overfunded };
}

/** Confirm the payment. {error} when the card was certainly not charged; otherwise {status}, the
 * PaymentIntent's status as Stripe last told it (asked again when needed), null if unknown. */
async function pay(secret) {
  let result = {};
  try {
    result = await stripe.confirmCardPayment(secret, { payment_method: { card } });
  } catch (err) {
    console.error("confirmCardPayment failed", err);
  }
  const error = result.error;
  if (error && (NOT_CHARGED_TYPES.includes(error.type) || NOT_CHARGED_CODES.includes(error.code))) return { error };
  if (error) console.error("payment error", error);
  let status = result.paymentIntent?.status ?? null;
  if (!PAID.includes(status) && typeof stripe.retrievePaymentIntent === "function") {
    try {
      status = (await stripe.retrievePaymentIntent(secret)).paymentIntent?.status ?? status;
    } catch (err) {
      console.error("retrievePaymentIntent failed", err);
    }
  }
  return { status };
}

/** The API did not start the donation (so nothing was charged): say why, in the reader's words. */
function apiProblem(err, donation) {
  console.error("donation not started", err);
  const currency = story.currency;
  const code = err?.code;
  if (code === "exceeds_remaining" && err.remaining > 0) {
    const need = findNeed(donation.need);
    if (need) need.remaining = err.remaining;
    rerender();
    setAmount(err.remaining);
    say(t("donate.overRemaining", { amount: money(err.remaining, currency) }));
  } else if (code === "exceeds_remaining" || code === "need_funded") {
    say(t("donate.needFunded"));
    refreshStory();
  } else if (code === "amount_out_of_range" && config?.min_amount?.[currency]) {
    say(t("donate.err.amount", { min: money(config.min_amount[currency], currency), max: money(config.max_amount[currency], currency) }));
  } else if (WAIT_ERRORS[code]) {
    const minutes = Math.max(1, Math.ceil((err.retryAfter || 60) / 60));
    say(t(WAIT_ERRORS[code], { wait: minutes === 1 ? t("wait.minute") : t("wait.minutes", { minutes }) }));
  } else if (code === "invalid_field") {
    say(FIELDS.includes(err.parameter) ? t("donate.err.field", { field: t(`field.${err.parameter}`) }) : t("donate.err.form"));
  } else {
    say(t(API_ERRORS[code] || "donate.failed"));
  }
}

function cardProblem(error) {
  if (error.code === "card_declined" || error.decline_code) return t("donate.declined");
  if (error.code === "payment_intent_authentication_failure") return t("donate.authFailed");
  return t("donate.cardError");
}

async function refreshStory() {
  try {
    const fresh = await getStory(story.id, { fresh: true });
    story = fresh;
    onFunded(fresh);
  } catch {
    // the page keeps what it has
  }
}

/** Poll the story until it counts the gift: the fresh story, or null after POLL_FOR_MS or once
 * `ticket` is no longer the current watch. */
async function waitForFunding(donation, before, ticket) {
  const deadline = Date.now() + POLL_FOR_MS;
  while (Date.now() < deadline && ticket === watch) {
    await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
    if (ticket !== watch) break;
    let fresh;
    try {
      fresh = await getStory(story.id, { fresh: true });
    } catch {
      continue;
    }
    const need = fresh.needs.find((n) => n.need === donation.need);
    if ((need && need.raised >= before.need + donation.amount)
      || fresh.totals.raised + fresh.totals.overfunded >= before.total + donation.amount) return fresh;
  }
  return null;
}

/** Thank the donor, then show the need's new progress once the pipeline has counted the gift
 * (`fresh`: it already has). */
async function showSuccess(donation, before, fresh = null, receipt = {}) {
  const currency = story.currency;
  const progress = h("p", { class: "donate-progress" });
  const bar = h("div", { class: "donate-success-bar" });
  els.form.hidden = true;
  els.success.replaceChildren();
  prune();
  progress.append(text("donate.updating", () => ({ name: story.pseudonym })));
  els.success.replaceChildren(
    h("div", { role: "status" },
      h("h3", { class: "success-title", tabindex: "-1" },
        text("donate.thanks", () => ({ amount: money(donation.amount, currency) }))),
      progress),
    bar,
    receipt.reference
      ? h("p", { class: "receipt" }, text("donate.reference"), " ", h("code", { class: "receipt-ref" }, receipt.reference))
      : null,
    h("p", { class: "receipt-mail" }, receipt.email
      ? [text("donate.receiptTo"), " ", h("strong", {}, receipt.email)]
      : text("donate.noReceipt")),
    h("button", { class: "button button-quiet", type: "button", onclick: giveAgain }, text("donate.again")),
  );
  els.success.hidden = false;
  els.success.querySelector(".success-title").focus();

  const ticket = ++watch;
  const landed = fresh || (await waitForFunding(donation, before, ticket));
  if (ticket !== watch) return;
  if (!landed) {
    progress.replaceChildren(text("donate.slow"));
    return;
  }
  story = landed;
  onFunded(landed);
  const need = landed.needs.find((n) => n.need === donation.need);
  if (!need) {
    progress.replaceChildren();
    return;
  }
  progress.replaceChildren(text("donate.updated", () => ({
    need: needName(donation.need),
    percent: percent(need.percent),
    raised: money(need.raised, currency),
    goal: money(need.goal, currency),
  })));
  bar.replaceChildren(needProgress(need, currency));
}

function giveAgain() {
  watch += 1; // stop following the last gift
  els.form.reset();
  els.otherField.hidden = true;
  els.nameField.hidden = true;
  const choice = openNeeds()[0]?.need;
  if (choice) selectNeed(choice);
  updateStory(story);
  showForm();
  $("#donate-title").focus();
}
