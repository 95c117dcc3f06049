// The staff preview of the donor's story page: story.html?id=…&preview=1 reads the draft through
// the staff API (signed-in staff only) and says at the top that it is not public.
import { h } from "./dom.js";

export async function getPreview(id) {
  const base = (document.querySelector('meta[name="api-base"]')?.content || "/api").replace(/\/$/, "");
  const response = await fetch(`${base}/manage/stories/${encodeURIComponent(id)}/preview`, {
    credentials: "include",
    cache: "no-store",
  });
  if (!response.ok) {
    const err = new Error(`HTTP ${response.status}`);
    err.status = response.status === 401 || response.status === 403 ? 404 : response.status;
    throw err;
  }
  const story = await response.json();
  const banner = h("p", { class: "preview-banner", role: "note",
    style: "margin:0;padding:.5rem 1rem;background:#f2c46d;color:#1f2a2a;text-align:center;font-weight:600" },
    document.documentElement.lang === "th" ? "ตัวอย่างสำหรับเจ้าหน้าที่ ยังไม่เผยแพร่" : "Staff preview: not public yet");
  document.querySelector("main")?.prepend(banner);
  return story;
}
