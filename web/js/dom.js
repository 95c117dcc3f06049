// A small element builder. Text from the API always goes in as text nodes, never as HTML.

/**
 * h("a", {href: "/", class: "x", onclick: fn, dataset: {id: 1}}, "text", child, [more])
 * `on*` values must be functions (added as listeners). Everything else is an attribute:
 * null/undefined/false leave it out, `true` sets it empty (so `checked: true` is the default a
 * form reset returns to).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on")) {
      // handlers only as functions: an `on*` attribute with a string would be code from text
      if (typeof value !== "function") throw new TypeError(`h(): ${name} must be a function`);
      el.addEventListener(name.slice(2), value);
    } else el.setAttribute(name, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Load a classic script once (used for Stripe.js, only on the donation step). */
export function loadScript(src) {
  const existing = document.querySelector(`script[data-src="${CSS.escape(src)}"]`);
  if (existing) return existing.ready;
  const script = h("script", { src, async: true, dataset: { src } });
  script.ready = new Promise((resolve, reject) => {
    script.addEventListener("load", resolve);
    script.addEventListener("error", () => reject(new Error(`could not load ${src}`)));
  });
  document.head.append(script);
  return script.ready;
}

/** Add a stylesheet once (the map's, the donation step's: loaded when they are first shown).
 * Resolves when it has loaded, or failed (the content still works unstyled). */
export function loadStylesheet(href) {
  const url = new URL(href, import.meta.url).href;
  const existing = [...document.querySelectorAll('link[rel="stylesheet"]')].find((link) => link.href === url);
  if (existing) return existing.ready || Promise.resolve();
  const link = h("link", { rel: "stylesheet", href: url });
  link.ready = new Promise((resolve) => {
    link.addEventListener("load", resolve);
    link.addEventListener("error", resolve);
  });
  document.head.append(link);
  return link.ready;
}

export const prefersReducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;
