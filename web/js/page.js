// The static pages (About, How your money reaches them, FAQ, Privacy, Contact, 404): each holds its
// text in English and Thai (data-lang blocks); this shows the reader's language and wires the header.
import { startPage } from "./ui.js";

startPage();

const here = location.pathname.split("/").pop() || "index.html";
for (const a of document.querySelectorAll(".footer-nav a")) {
  if ((a.dataset.href || a.getAttribute("href")).replace(/^\//, "") === here) a.setAttribute("aria-current", "page");
}
