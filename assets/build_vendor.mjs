// web/vendor/: the third-party files the portal serves, built from npm packages (git-ignored).
// `make web` runs it, and so does azd's build of the portal (infra/scripts/build_web.py).
//
//   node assets/build_vendor.mjs [out-dir] [node_modules-dir]   (defaults: web/vendor, ./node_modules)
//
// map.js: assets/map_bundle.mjs bundled by esbuild (the parts of Leaflet the maps use, and the
// TopoJSON decoder), one minified ES module; leaflet.css, minified; ALTCHA's proof-of-work worker;
// licences.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, transform } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? join(root, "web", "vendor"));
const modules = resolve(process.argv[3] ?? join(root, "node_modules"));
const COPIES = {
  "leaflet/LICENSE": "leaflet-LICENSE.txt",
  "topojson-client/LICENSE": "topojson-client-LICENSE.txt",
  "altcha/dist/workers/pbkdf2.js": "altcha-pbkdf2.js",
  "altcha/LICENSE.txt": "altcha-LICENSE.txt",
};

mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, "assets", "map_bundle.mjs")],
  nodePaths: [modules],
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  legalComments: "none", // the licences are copied beside it
  outfile: join(out, "map.js"),
  logLevel: "warning",
});
const css = readFileSync(join(modules, "leaflet/dist/leaflet.css"), "utf8");
writeFileSync(join(out, "leaflet.css"), (await transform(css, { loader: "css", minify: true })).code);
for (const [from, to] of Object.entries(COPIES)) copyFileSync(join(modules, from), join(out, to));
console.log(`web/vendor built in ${out}`);
