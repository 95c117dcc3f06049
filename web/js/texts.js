// Story texts in the reader's language. The API gives every text in English (the story's `lang`)
// and, per locale, the texts that have a translation, keyed by path ("journey.2.narrative").
// localize() returns a copy of the story with each text in the reader's language where there is
// one, and for every text the language it is really in (`langs`), to be set as its lang attribute.
import { lang } from "./i18n.js";

export function localize(story) {
  const base = story.lang || "en";
  const own = story.translations?.[lang()] || {};
  const pick = (path, text) => (path in own && lang() !== base ? [own[path], lang()] : [text, base]);
  const fill = (obj, fields) => {
    const out = { ...obj, langs: {} };
    for (const [key, path, get, set] of fields) {
      const current = get(obj);
      if (current == null) continue;
      const [text, language] = pick(path, current);
      set(out, text);
      out.langs[key] = language;
    }
    return out;
  };
  const field = (name) => [(o) => o[name], (o, v) => { o[name] = v; }];
  const result = fill(story, [
    ["headline", "headline", ...field("headline")],
    ["summary", "summary", ...field("summary")],
    ["origin", "origin.label", (o) => o.origin?.label, (o, v) => { o.origin = { ...o.origin, label: v }; }],
    ["cover", "cover.alt", (o) => o.cover?.alt, (o, v) => { o.cover = { ...o.cover, alt: v }; }],
  ]);
  result.needs = (story.needs || []).map((n) => fill(n, [
    ["title", `needs.${n.need}.title`, ...field("title")],
    ["description", `needs.${n.need}.description`, ...field("description")],
  ]));
  if (story.journey) {
    result.journey = story.journey.map((m) => fill(m, [
      ["title", `journey.${m.order}.title`, ...field("title")],
      ["narrative", `journey.${m.order}.narrative`, ...field("narrative")],
      ["place", `journey.${m.order}.place`, ...field("place")],
      ["image", `journey.${m.order}.image.alt`, (o) => o.image?.alt, (o, v) => { o.image = { ...o.image, alt: v }; }],
    ]));
  }
  if (story.updates) {
    result.updates = story.updates.map((u, i) => fill(u, [["text", `updates.${i + 1}.text`, ...field("text")]]));
  }
  return result;
}
