// The reader's language, decided before the page is drawn: ?lang= (remembered), else the last
// choice, else the browser's. It goes on <html lang>, which i18n.js reads. For a language other
// than the pages' own English the page is marked "i18n-pending" until i18n.js has put it in that
// language, so that no English shows first (site.css: the marked texts wait hidden, and blocks
// written in that language show at once).
//
// This file is the source: its code (below this comment) is copied inline into every page, right
// after its <title>. Inline, it delays nothing (a script file there would hold the parser, and so
// the story page's request, for a round trip). Its hash is in the CSP of staticwebapp.config.json;
// tests/unit/test_web_pages.py checks that every page carries exactly this code and the hash.
(() => {
  const languages = ["en", "th"];
  let chosen = new URLSearchParams(location.search).get("lang");
  try {
    if (languages.includes(chosen)) localStorage.setItem("sc.lang", chosen);
    else chosen = localStorage.getItem("sc.lang");
  } catch {
    // storage blocked: the address and the browser still decide
  }
  if (!languages.includes(chosen)) chosen = (navigator.language || "en").toLowerCase().startsWith("th") ? "th" : "en";
  document.documentElement.lang = chosen;
  if (chosen !== "en") document.documentElement.classList.add("i18n-pending");
})();
