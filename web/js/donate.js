// The donation step: choose an open need and an amount, optionally a name and a receipt email,
// pay with Stripe.js (loaded only here, from the address the API's /config gives), then follow the
// funding pipeline until the need's progress shows the gift.
import { ApiError, createDonation, getConfig, getStory } from "./api.js";
import { $, h, loadScript, prefersReducedMotion } from "./dom.js";
import { amountInput, decimals, money, parseAmount } from "./format.js";
import { t } from "./i18n.js";
import { needName, needProgress } from "./ui.js";

const PRESETS = { USD: [1000, 2500, 5000, 10000], THB: [20000, 50000, 100000, 250000] };
const POLL_EVERY_MS = 1500;
const POLL_FOR_MS = 60000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

let config = null; // GET /api/config, once
let stripe = null; // Stripe.js instance and its card element, once per page
let card = null;
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
  els.submit.disabled = on;
  els.progress.textContent = note;
}

function showForm() {
  els.form.hidden = false;
  els.success.hidden = true;
  clearMessage();
  busy(false);
}

function close() {
  $("#donate").hidden = true;
  if (opener && document.contains(opener)) opener.focus();
}

async function prepareStripe() {
  if (card) return true;
  cardSlot.replaceChildren(h("p", { class: "hint" }, t("donate.cardLoading")));
  try {
    config = config || (await getConfig());
    if (!config.currencies.includes(story.currency)) throw new Error(`${story.currency} not accepted`);
    await loadScript(config.stripe_js_url);
    stripe = window.Stripe(config.publishable_key);
    card = stripe.elements().create("card", {
      style: { base: { fontSize: "16px", color: "#2a2520", fontFamily: "system-ui, sans-serif" } },
    });
    cardSlot.replaceChildren();
    card.mount(cardSlot);
    return true;
  } catch (err) {
    console.error("donations unavailable", err);
    cardSlot.replaceChildren();
    say(t("donate.unavailable"));
    els.submit.disabled = true;
    return false;
  }
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
  if (low && amount < low) return fail("donate.tooSmall", { amount: money(low, currency) });
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
  clearMessage();
  const donation = readForm();
  if (!donation || (!card && !(await prepareStripe()))) return;
  const before = { need: findNeed(donation.need).raised, total: story.totals.raised + story.totals.overfunded };
  busy(true, t("donate.working"));

  let created;
  try {
    created = await createDonation(donation);
  } catch (err) {
    busy(false);
    apiProblem(err, donation);
    return;
  }

  let result;
  try {
    result = await stripe.confirmCardPayment(created.client_secret, { payment_method: { card } });
  } catch (err) {
    result = { error: { message: String(err?.message || err) } };
  }
  busy(false);
  if (result.error) {
    say(cardProblem(result.error));
    return;
  }
  const status = result.paymentIntent?.status;
  if (status !== "succeeded" && status !== "processing") {
    say(t("donate.cardError", { message: status || "?" }));
    return;
  }
  showSuccess(donation, before);
}

function apiProblem(err, donation) {
  const currency = story.currency;
  if (err instanceof ApiError && err.status === 409 && err.code !== "idempotency_key_reused") {
    if (err.remaining > 0) {
      findNeed(donation.need).remaining = err.remaining;
      setAmount(err.remaining);
      say(t("donate.overRemaining", { amount: money(err.remaining, currency) }));
    } else {
      say(t("donate.needFunded"));
      refreshStory();
    }
  } else if (err instanceof ApiError && err.status === 0) {
    say(t("donate.network"));
  } else {
    say(t("donate.failed", { message: err.message }));
  }
}

function cardProblem(error) {
  const code = error.code || "";
  if (code === "card_declined" || error.decline_code || /declined/i.test(error.message || "")) return t("donate.declined");
  if (code === "payment_intent_authentication_failure" || /authenticat/i.test(error.message || "")) return t("donate.authFailed");
  return t("donate.cardError", { message: error.message || code || "?" });
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

async function showSuccess(donation, before) {
  const currency = story.currency;
  const needTitle = () => ({ need: needName(donation.need) });
  const progress = h("p", { class: "donate-progress" }, text("donate.updating", () => ({ name: story.pseudonym })));
  const bar = h("div", { class: "donate-success-bar" });
  els.form.hidden = true;
  els.success.replaceChildren(
    h("div", { role: "status" },
      h("h3", { class: "success-title" }, text("donate.thanks", () => ({ amount: money(donation.amount, currency) }))),
      progress),
    bar,
    h("button", { class: "button button-quiet", type: "button", onclick: giveAgain }, text("donate.again")),
  );
  els.success.hidden = false;
  els.success.querySelector(".success-title").setAttribute("tabindex", "-1");
  els.success.querySelector(".success-title").focus();

  const deadline = Date.now() + POLL_FOR_MS;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
    let fresh;
    try {
      fresh = await getStory(story.id, { fresh: true });
    } catch {
      continue;
    }
    const need = fresh.needs.find((n) => n.need === donation.need);
    const landed = need.raised >= before.need + donation.amount
      || fresh.totals.raised + fresh.totals.overfunded >= before.total + donation.amount;
    if (!landed) continue;
    story = fresh;
    onFunded(fresh);
    progress.replaceChildren(text("donate.updated", () => ({
      ...needTitle(),
      percent: need.percent,
      raised: money(need.raised, currency),
      goal: money(need.goal, currency),
    })));
    bar.replaceChildren(needProgress(need, currency));
    return;
  }
  progress.replaceChildren(text("donate.slow"));
}

function giveAgain() {
  els.form.reset();
  els.otherField.hidden = true;
  els.nameField.hidden = true;
  const choice = openNeeds()[0]?.need;
  if (choice) selectNeed(choice);
  updateStory(story);
  showForm();
  $("#donate-title").focus();
}
