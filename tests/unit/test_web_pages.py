"""The pages' one inline script: web/js/lang.js's code, the same in every page right after its
<title>, allowed by its hash in the CSP of staticwebapp.config.json and by nothing wider."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"
PAGES = sorted([*WEB.glob("*.html"), *WEB.glob("staff/*.html")])


def lang_code() -> str:
    source = (WEB / "js" / "lang.js").read_text()
    return source[source.index("\n(() => {") + 1 :].rstrip("\n")  # the code, without the comment above it


def test_every_page_carries_the_language_script_inline_right_after_its_title():
    code = lang_code()
    for page in PAGES:
        html = page.read_text()
        assert re.findall(r"<script>(.*?)</script>", html, re.S) == [code], f"{page.name}: copy web/js/lang.js's code inline"
        assert re.search(r"</title>\n  <script>", html), f"{page.name}: the script goes right after <title>"


def test_the_inline_script_is_allowed_by_its_hash_only():
    digest = "'sha256-" + base64.b64encode(hashlib.sha256(lang_code().encode()).digest()).decode() + "'"
    config = json.loads((WEB / "staticwebapp.config.json").read_text())
    policies = [r["headers"]["Content-Security-Policy"] for r in config["routes"] if "Content-Security-Policy" in r.get("headers", {})]
    assert len(policies) >= 2
    for csp in policies:
        script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src")).split()
        assert digest in script_src, f"put {digest} in script-src of staticwebapp.config.json"
        assert "'unsafe-inline'" not in script_src and len([s for s in script_src if s.startswith("'sha256-")]) == 1
