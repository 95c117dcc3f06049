"""First narrative paint: our story page against StoryMapJS (issue #12), side by side in one run.

    .venv/bin/python bench/bench_storymap.py [--runs 7] [--story ID] [--source DIR] [--overview]

What is compared. One of the sample stories is shown twice: by our page (/story.html?id=...) and
by StoryMapJS, built from its public repository, on its own embed page (embed/index.html?url=...,
as the hosted StoryMapJS embeds load it) with a story made from the same API answer: one slide per
milestone (title as headline, narrative as text, the coarse lat/lon), in the same order. StoryMapJS
shows slide 0 first (always drawn as its title slide); here slide 0 is the first milestone, so both
pages wait for the same words. With --overview, StoryMapJS gets a title slide first (the story's
headline and summary, as its editor makes one) and its time is that slide's. The moment measured
is the same on both pages: an init script looks at every animation frame for the first milestone's
title and the start of its narrative inside the narrative panel (ours: #narrative; StoryMapJS:
.vco-storyslider), laid out with a size and not hidden (no display:none, visibility:hidden or
opacity 0 on the way up); the time is performance.now() at the next frame (the frame that showed it
has then been drawn). Whether the text was inside the viewport at that moment is recorded too.

How. Chromium, a new context per load (no cache, no open connections), 1280x900; pairs of loads,
the order within a pair alternating (ours first, then StoryMapJS first, ...). Throttled: 150 ms
latency, 1.6 Mbit/s down, 750 kbit/s up (CDP Network.emulateNetworkConditions) and the CPU 4x slower
(Emulation.setCPUThrottlingRate); unthrottled: neither. Reported: the median of each, the ratio of
medians (ours / StoryMapJS) and the median of the per-pair ratios. Bytes on the wire are the sum of
CDP Network.loadingFinished encodedDataLength (headers included) in the unthrottled loads, counted
until the page has settled (network idle, 3 s more, idle again: StoryMapJS asks for its tiles only
after a 2 s map animation), with the request count; "loaded before the paint" lists what each page
had fetched when its text was painted (--list: every request with its bytes).

Tiles, fonts and other hosts (this machine reaches no network beyond package registries):
- StoryMapJS's basemap is pointed at a local tile server on its own origin (map_type set to an
  http://.../{z}/{x}/{y}.png template, a documented StoryMapJS option) answering every tile with the
  same 1x1 grey PNG. Real OpenStreetMap tiles weigh several KB each: this favours StoryMapJS.
- Its fonts: the default font set imports Google Fonts, which its build cannot compile offline
  (those font CSS files are missing from dist/); the story asks for the stock Georgia/Helvetica
  set instead (font_css "stock:georgia-helvetica": system fonts, no web font). Our page uses
  system fonts too.
- Every other host (the embed page's Google Analytics tag) fails at once: Chromium runs with
  --host-resolver-rules mapping every name but 127.0.0.1 to NOTFOUND, so nothing waits on a dead
  network. Those failed requests are counted apart and cost StoryMapJS nothing: again in its favour.
StoryMapJS's files (and its story JSON) are served as devhost serves our static files: from Python's
threading HTTP server, HTTP/1.1 keep-alive, gzip where devhost compresses (devhost.host.compressed).

The build: on first use the repository's build inputs are exported (git archive HEAD) into
.local/storymapjs/src, then `npm install` and `npm run build` (webpack, production) run there; the
result is reused while the source commit is the same. The source is --source, else $STORYMAPJS_SRC,
else a clone at .local/storymapjs/repo; without one the bench says how to get it and skips.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import warnings
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore", message="Unverified HTTPS request")
SHIFT = 640
BUILD_DIR = ROOT / ".local" / "storymapjs"
DEFAULT_SOURCE = BUILD_DIR / "repo"  # a clone of its repository (git-ignored, as all of .local)
# What its build reads (the rest of the repository is the hosted editor, docs and deployment).
BUILD_INPUTS = ["package.json", "webpack.common.js", "webpack.prd.js", "src", "tasks"]
GREY_PIXEL = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGPY2QAAAhsBEnntkCIAAAAASUVORK5CYII=")
THROTTLED = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
VIEWPORT = {"width": 1280, "height": 900}

# Looks, at every animation frame, for all the `texts` inside an element matching `scope`, shown;
# at the frame after the one where they are, records window.__firstPaint.
PAINT_WATCH = """
(() => {
  const { scope, texts } = %s;
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height) return false;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || Number(s.opacity) === 0) return false;
    }
    return true;
  };
  const holder = (text) => {
    for (const root of document.querySelectorAll(scope)) {
      const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        if (n.data.includes(text) && shown(n.parentElement)) return n.parentElement;
      }
    }
    return null;
  };
  const look = () => {
    const found = texts.map(holder);
    if (found.every(Boolean)) {
      requestAnimationFrame(() => {
        const box = found[0].getBoundingClientRect();
        const ms = performance.now();
        window.__firstPaint = {
          ms,
          inView: box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth,
          before: performance
            .getEntriesByType("resource")
            .filter((r) => r.responseEnd <= ms)
            .map((r) => [r.name, r.startTime, r.responseStart, r.responseEnd]),
        };
      });
    } else {
      requestAnimationFrame(look);
    }
  };
  requestAnimationFrame(look);
})();
"""


# ------------------------------------------------------------------ pure helpers (unit-tested)


def storymap_story(detail: dict[str, Any], tile_url: str, overview: bool = False) -> dict[str, Any]:
    """Our API's story (/api/stories/<id>) as a StoryMapJS story: a slide per milestone, its title,
    narrative and coarse position; optionally a title slide first (headline and summary)."""
    slides = [
        {
            "location": {"lat": m["lat"], "lon": m["lon"]},
            "text": {"headline": html.escape(m["title"]), "text": f"<p>{html.escape(m['narrative'])}</p>"},
        }
        for m in detail["journey"]
    ]
    if overview:
        slides.insert(
            0, {"type": "overview", "text": {"headline": html.escape(detail["headline"]), "text": html.escape(detail["summary"])}}
        )
    return {
        "storymap": {"language": "en", "map_type": tile_url, "map_as_image": False, "slides": slides},
        "font_css": "stock:georgia-helvetica",
    }


def first_words(text: str, n: int = 6) -> str:
    """The start of a text, to find it in the page whatever wraps or cuts the rest."""
    return " ".join(text.split()[:n])


@dataclass
class Side:
    """One page's loads: paint times (ms) per mode, and what unthrottled loads moved."""

    name: str
    paints: dict[str, list[float]] = field(default_factory=lambda: {"throttled": [], "unthrottled": []})
    bytes: list[int] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    before: list[str] = field(default_factory=list)
    errors: set[str] = field(default_factory=set)
    data: dict[str, list[tuple[float, float, float]]] = field(default_factory=lambda: {"throttled": [], "unthrottled": []})
    files: list[tuple[str, int]] = field(default_factory=list)
    in_view: bool = True


def paired_ratios(ours: list[float], theirs: list[float]) -> list[float]:
    return [a / b for a, b in zip(ours, theirs, strict=True) if b > 0]


def summary_rows(ours: Side, theirs: Side) -> list[tuple[str, str, str, str, str]]:
    """(mode, ours median, theirs median, ratio of medians, median of paired ratios)."""
    rows = []
    for mode in ("throttled", "unthrottled"):
        a, b = ours.paints[mode], theirs.paints[mode]
        if not a or not b:
            rows.append((mode, "-", "-", "-", "-"))
            continue
        ma, mb = statistics.median(a), statistics.median(b)
        pairs = paired_ratios(a, b) if len(a) == len(b) else []
        rows.append(
            (
                mode,
                f"{ma:.0f} ms",
                f"{mb:.0f} ms",
                f"{ma / mb:.2f}x",
                f"{statistics.median(pairs):.2f}x" if pairs else "-",
            )
        )
    return rows


# ------------------------------------------------------------------ building StoryMapJS


def build_storymap(source: Path) -> Path | None:
    """StoryMapJS's dist/ built from `source` (a clone or a bare repository), or None if that failed."""
    src = BUILD_DIR / "src"
    dist = src / "dist"
    stamp = BUILD_DIR / "built-commit"
    commit = _git(source, "rev-parse", "HEAD")
    if (dist / "js" / "storymap.js").exists() and stamp.exists() and stamp.read_text().strip() == (commit or "copy"):
        print(f"StoryMapJS: built already ({BUILD_DIR.relative_to(ROOT)}, commit {(commit or 'copy')[:10]})", flush=True)
        return dist
    print(f"StoryMapJS: exporting {source} ({(commit or 'not a git repository')[:10]}) to {src.relative_to(ROOT)}", flush=True)
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    if commit:
        archive = subprocess.run(["git", "-C", str(source), "archive", "HEAD", *BUILD_INPUTS], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    else:
        for name in BUILD_INPUTS:
            (shutil.copytree if (source / name).is_dir() else shutil.copy2)(source / name, src / name)
    npm = shutil.which("npm")
    if not npm:
        print("StoryMapJS: npm is not installed; cannot build it", flush=True)
        return None
    print("StoryMapJS: npm install (its package.json, no lock file; about a minute) ...", flush=True)
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=src, check=True)
    print("StoryMapJS: npm run build (webpack, production) ...", flush=True)
    # Its font step imports Google Fonts and reports errors offline; the script and CSS still build.
    done = subprocess.run([npm, "run", "build"], cwd=src, capture_output=True, text=True)
    if not (dist / "js" / "storymap.js").exists():
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
        print("StoryMapJS: the build failed", flush=True)
        return None
    missing = [
        p.stem for p in (src / "src" / "less" / "fonts").glob("font.*.less") if not (dist / "css" / "fonts" / f"{p.stem}.css").exists()
    ]
    if missing:
        print(f"StoryMapJS: built; {len(missing)} font sets not built (they import Google Fonts): {', '.join(sorted(missing))}")
    stamp.write_text(commit or "copy")
    return dist


def _git(source: Path, *args: str) -> str | None:
    done = subprocess.run(["git", "-C", str(source), *args], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


# ------------------------------------------------------------------ serving StoryMapJS


def serve_storymap(dist: Path, extra: dict[str, bytes]) -> tuple[str, str, list[ThreadingHTTPServer]]:
    """StoryMapJS's dist/ plus the `extra` files (JSON, by path) on one origin, the blank tiles on
    another (the same server on a second port)."""
    from devhost.host import compressed

    class Handler(SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = -1
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            path = urlsplit(self.path).path
            if path.startswith("/tiles/"):
                self._answer("image/png", GREY_PIXEL)
            elif path in extra:
                self._answer("application/json", extra[path])
            else:
                file = (dist / path.lstrip("/")).resolve()
                if dist.resolve() in file.parents and file.is_file():
                    self._answer(self.guess_type(str(file)), file.read_bytes())
                else:
                    self._answer("text/plain", b"not found", 404)

        def _answer(self, kind: str, body: bytes, status: int = 200) -> None:
            headers = {"Content-Type": kind, "Vary": "Accept-Encoding"}
            if "gzip" in self.headers.get("Accept-Encoding", ""):
                headers, body = compressed(headers, body)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    servers = [ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(dist))) for _ in range(2)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    site, tiles = (f"http://127.0.0.1:{s.server_address[1]}" for s in servers)
    return site, tiles, servers


# ------------------------------------------------------------------ measuring


def load(browser: Any, url: str, scope: str, texts: list[str], throttled: bool, count_bytes: bool) -> dict[str, Any]:
    """One fresh load of `url`: the first paint of `texts` inside `scope`, and what went over the wire."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.add_init_script(PAINT_WATCH % json.dumps({"scope": scope, "texts": texts}))
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        if throttled:
            cdp.send("Network.emulateNetworkConditions", THROTTLED)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4 if throttled else 1})
        sizes: dict[str, int] = {}
        cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
        urls: dict[str, str] = {}
        cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
        errors: set[str] = set()
        failed: dict[str, str] = {}
        cdp.on("Network.loadingFailed", lambda e: failed.__setitem__(e["requestId"], e.get("errorText", "")))
        cdp.on("Network.responseReceived", lambda e: e["response"]["status"] >= 400 and errors.add(short(e["response"]["url"])))
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.__firstPaint", timeout=90_000)
        paint = page.evaluate("() => window.__firstPaint")
        if count_bytes:  # StoryMapJS animates its map for 2 s before it asks for tiles: settle, then idle again
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(3000)
            page.wait_for_load_state("networkidle")
        files = sorted(((urls.get(r, r), n) for r, n in sizes.items()), key=lambda f: -f[1])
        errors |= {f"{short(urls.get(r, r))} ({why})" for r, why in failed.items()}
        return {**paint, "bytes": sum(sizes.values()), "requests": len(sizes), "failed": len(failed), "errors": errors, "files": files}
    finally:
        context.close()


def main() -> None:  # noqa: C901 - one sequence, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="pairs of loads per mode (default 7)")
    parser.add_argument("--story", help="a sample story's id (default: the first of /api/stories)")
    parser.add_argument("--source", help="StoryMapJS's repository (default $STORYMAPJS_SRC, else .local/storymapjs/repo)")
    parser.add_argument("--overview", action="store_true", help="give StoryMapJS a title slide first, and time that")
    parser.add_argument("--list", action="store_true", help="list each page's requests with their bytes")
    parser.add_argument("--portal", help="measure a portal already running at this URL instead of starting one")
    args = parser.parse_args()

    source = Path(args.source or os.environ.get("STORYMAPJS_SRC") or DEFAULT_SOURCE)
    if not source.exists():
        print(
            f"bench_storymap: skipped: no StoryMapJS source at {source}. Get it with\n"
            f"  git clone https://github.com/NUKnightLab/StoryMapJS {DEFAULT_SOURCE.relative_to(ROOT)}\n"
            "(or pass --source DIR, or set STORYMAPJS_SRC=DIR; it is built into .local/storymapjs on first use)."
        )
        return
    try:
        dist = build_storymap(source)
    except (subprocess.CalledProcessError, OSError) as e:
        print(f"StoryMapJS: {e}")
        dist = None
    if dist is None:
        print("bench_storymap: skipped: StoryMapJS did not build")
        return

    from bench import local_portal

    servers: list[ThreadingHTTPServer] = []
    try:
        if args.portal:
            measure(args, args.portal.rstrip("/"), dist, servers)
        else:
            print("portal: starting the local services and devhost with the sample stories ...", flush=True)
            with local_portal(SHIFT, "bench-storymap", seed=True) as portal:
                measure(args, portal.url, dist, servers)
    finally:
        for s in servers:
            s.shutdown()


def measure(args: argparse.Namespace, portal: str, dist: Path, servers: list[ThreadingHTTPServer]) -> None:
    import requests
    from playwright.sync_api import sync_playwright

    from tests.e2e.portal import CHROMIUM, CHROMIUM_ARGS

    sid = args.story or requests.get(f"{portal}/api/stories", timeout=30).json()["items"][0]["id"]
    detail = requests.get(f"{portal}/api/stories/{sid}", timeout=30).json()
    first = detail["journey"][0]
    ours_target = [first["title"], first_words(first["narrative"])]
    theirs_target = [detail["headline"], first_words(detail["summary"])] if args.overview else ours_target

    extra: dict[str, bytes] = {}
    site, tiles, started = serve_storymap(dist, extra)
    servers.extend(started)
    extra["/story.json"] = json.dumps(storymap_story(detail, f"{tiles}/tiles/{{z}}/{{x}}/{{y}}.png", args.overview)).encode()

    pages = {
        "ours": (f"{portal}/story.html?id={sid}", "#narrative", ours_target, f"/api/stories/{sid}"),
        "StoryMapJS": (f"{site}/embed/index.html?url={site}/story.json", ".vco-storyslider", theirs_target, "/story.json"),
    }
    sides = {name: Side(name) for name in pages}
    print(f"story {sid} ({detail['pseudonym']}), {len(detail['journey'])} milestones", flush=True)
    print(f"  ours waits for {ours_target[0]!r}, StoryMapJS for {theirs_target[0]!r} (and their narratives' first words)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        for url, scope, texts, _ in pages.values():  # warm the servers once, not measured
            load(browser, url, scope, texts, throttled=False, count_bytes=False)
        for mode in ("unthrottled", "throttled"):
            print(f"{mode}: {args.runs} pairs ...", flush=True)
            for i in range(args.runs):
                order = list(pages) if i % 2 == 0 else list(pages)[::-1]
                times = {}
                for name in order:
                    url, scope, texts, data = pages[name]
                    got = load(browser, url, scope, texts, throttled=mode == "throttled", count_bytes=mode == "unthrottled")
                    side = sides[name]
                    side.paints[mode].append(got["ms"])
                    side.in_view = side.in_view and got["inView"]
                    for res, start, first_byte, end in got["before"]:
                        if urlsplit(res).path == data:
                            side.data[mode].append((start, first_byte, end))
                    if mode == "unthrottled":
                        side.bytes.append(got["bytes"])
                        side.requests.append(got["requests"])
                        side.failed.append(got["failed"])
                        side.before = [r[0] for r in got["before"]]
                        side.errors |= got["errors"]
                        side.files = got["files"]
                    times[name] = got["ms"]
                print("  " + ", ".join(f"{n} {t:.0f} ms" for n, t in times.items()), flush=True)
        browser.close()
    report(sides["ours"], sides["StoryMapJS"], args.list)


def report(ours: Side, theirs: Side, listing: bool = False) -> None:
    print("\nFirst narrative paint, ours vs StoryMapJS (same story; medians; ratio = ours / StoryMapJS):")
    print("| load | ours | StoryMapJS | ratio of medians | median paired ratio |\n|---|---|---|---|---|")
    for row in summary_rows(ours, theirs):
        print("| " + " | ".join(row) + " |")
    print("\n| page | bytes on the wire | requests | failed | loaded before the paint |\n|---|---|---|---|---|")
    for side in (ours, theirs):
        kb = statistics.median(side.bytes) / 1024 if side.bytes else 0
        reqs = statistics.median(side.requests) if side.requests else 0
        fails = statistics.median(side.failed) if side.failed else 0
        print(f"| {side.name} | {kb:.1f} KB | {reqs:.0f} | {fails:.0f} | {len(side.before)} resources |")
    print("\nThe story's data (ours: the API answer; StoryMapJS: its JSON file), medians (Resource Timing; the")
    print("throttled first byte does not include the emulated latency, the unthrottled one is the server's time):")
    for mode in ("throttled", "unthrottled"):
        for side in (ours, theirs):
            if side.data[mode]:
                asked, first, done = (statistics.median(v) for v in zip(*side.data[mode], strict=True))
                paint = statistics.median(side.paints[mode])
                print(f"  {mode}, {side.name}: asked at {asked:.0f} ms, first byte {first:.0f}, done {done:.0f}, painted {paint:.0f}")
    for side in (ours, theirs):
        print(f"\n{side.name}, loaded before its first narrative paint: {', '.join(map(short, side.before))}")
        if side.errors:
            print(f"{side.name}: failed, or answered 4xx/5xx: {', '.join(sorted(side.errors))}")
        if not side.in_view:
            print(f"{side.name}: the text was painted outside the viewport in at least one load")
        if listing:
            for url, size in side.files:
                print(f"  {size / 1024:6.1f} KB  {url[:150]}")


def short(url: str) -> str:
    """A resource's file name, with its host when that is not this machine."""
    parts = urlsplit(url)
    name = parts.path.rsplit("/", 1)[-1] or parts.path
    return name if parts.hostname == "127.0.0.1" else f"{parts.hostname}{parts.path}"


if __name__ == "__main__":
    main()
