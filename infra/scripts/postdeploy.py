"""azd postdeploy hook: the map assets. (The donor portal is azd's `web` service on Static Web Apps,
built by infra/scripts/build_web.py; this file also lends it the node and vendor helpers.)

1. Map assets (milestone icons, the basemap) to the `map-assets` container, by `python -m ops
   upload-assets`, which acts on Azure because azd's environment is set (see ops/target.py). It
   runs in its own virtual environment (.local/hooks/venv) holding requirements.txt only: the app's
   runtime packages, none of the local emulators or test tools. The basemap is built with node from
   two npm packages installed into .local/hooks/node (not the whole dev toolchain).
It signs in as azd does (DefaultAzureCredential, which includes azd's login).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from hooklib import ROOT, HookError, require, run, step

HOOKS = ROOT / ".local" / "hooks"
VENV = HOOKS / "venv"
NODE = HOOKS / "node"
BASEMAP = ROOT / ".local" / "build" / "basemap.json"  # where ops/seed.py looks for it
# The npm packages a deployment needs (versions from package.json): the basemap's sources and
# web/vendor/'s (assets/build_vendor.mjs, as `make web` runs it).
NPM_PACKAGES = ("world-atlas", "topojson-client", "topojson-server", "leaflet", "altcha", "esbuild")


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv() -> Path:
    python = venv_python()
    stamp = VENV / "requirements.txt"
    wanted = (ROOT / "requirements.txt").read_text()
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if not stamp.exists() or stamp.read_text() != wanted:
        print("installing the app's runtime packages (requirements.txt) into .local/hooks/venv ...", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", str(ROOT / "requirements.txt")],
            check=True,
        )
        stamp.write_text(wanted)
    return python


def ensure_node() -> str:
    """node, with NPM_PACKAGES installed into .local/hooks/node (once)."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        raise HookError("node and npm (Node 20+) are needed to build the basemap and the portal's vendor files")
    versions = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    wanted = [f"{p}@{versions[p]}" for p in NPM_PACKAGES]
    stamp = NODE / "installed.txt"
    if not stamp.exists() or stamp.read_text() != " ".join(wanted):
        NODE.mkdir(parents=True, exist_ok=True)
        print("installing " + ", ".join(wanted) + " into .local/hooks/node ...", flush=True)
        subprocess.run(
            [npm, "install", "--prefix", str(NODE), "--no-save", "--no-audit", "--no-fund", "--loglevel=error", *wanted], check=True
        )
        stamp.write_text(" ".join(wanted))
    return node


def node_script(name: str) -> Path:
    """assets/NAME copied beside .local/hooks/node's node_modules, so that its imports resolve there."""
    (NODE / "assets").mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(ROOT / "assets" / name, NODE / "assets" / name))


def ensure_basemap(node: str) -> None:
    if BASEMAP.exists():
        return
    BASEMAP.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([node, str(node_script("build_basemap.mjs")), str(BASEMAP)], check=True, stdout=subprocess.DEVNULL)


def ensure_vendor(node: str) -> None:
    node_script("map_bundle.mjs")
    script = node_script("build_vendor.mjs")
    subprocess.run([node, str(script), str(ROOT / "web" / "vendor"), str(NODE / "node_modules")], check=True)


def main() -> None:
    require("AZURE_ENV_NAME", "AZURE_STORAGE_BLOB_ENDPOINT", "AZURE_FUNCTION_URL")
    step("map assets")
    python = ensure_venv()
    node = ensure_node()
    ensure_basemap(node)
    subprocess.run([str(python), "-m", "ops", "upload-assets"], cwd=ROOT, check=True)
    print(f"donor portal: {os.environ.get('AZURE_STATIC_WEB_APP_URL', 'the Static Web App of the resource group')}")


if __name__ == "__main__":
    run(main)
