// Copy the front-end libraries pinned in package.json from node_modules into the portal's
// static files, with their licence files, and write the vendor README that lists them.
//
// Run by `make vendor` after `npm ci`. The copies are committed: the portal serves them on
// intranets without internet, so `make test` and `make demo` never need npm. Only the files
// named under "vendor" in package.json are copied; source-map comments are stripped because the
// maps are not shipped and a browser's developer tools would otherwise request them in vain.

import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const MODULES = join(ROOT, "node_modules");
const TARGET = join(ROOT, "portal", "maps", "static", "maps", "vendor");
const SOURCE_MAP = /\n?(?:\/\/[#@] sourceMappingURL=\S+|\/\*[#@] sourceMappingURL=\S+ \*\/)\s*$/;

function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

// "dist/images/layers.png" keeps its place below dist/, so CSS that says url(images/...) works.
function destinationOf(file) {
  return file.replace(/^dist\//, "");
}

// A sibling package's licence ("../pbf/LICENSE") is kept as "LICENSE-pbf"; a licence that is a
// section of another file ("README.md#Legalese") is kept alone as "LICENSE".
function licenceName(file) {
  const parts = file.split("/");
  if (file.includes("#")) return "LICENSE";
  return parts[0] === ".." ? `LICENSE-${parts[1]}` : basename(file);
}

// The Markdown section under the heading "## <title>", up to the next heading of that level.
function section(source, title) {
  const text = readFileSync(source, "utf8");
  const start = text.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`${source} has no section "${title}"`);
  const body = text.slice(start + title.length + 5);
  const end = body.search(/\n## /);
  return `${(end < 0 ? body : body.slice(0, end)).trim()}\n`;
}

function copyLicence(packageDir, file, destination) {
  const [path, title] = file.split("#");
  if (!title) return copy(join(packageDir, path), destination);
  mkdirSync(dirname(destination), { recursive: true });
  writeFileSync(destination, section(join(packageDir, path), title));
}

function copy(source, destination) {
  mkdirSync(dirname(destination), { recursive: true });
  if (/\.(js|css)$/.test(source)) {
    writeFileSync(destination, readFileSync(source, "utf8").replace(SOURCE_MAP, "\n"));
  } else {
    copyFileSync(source, destination);
  }
  return statSync(destination).size;
}

function vendorPackage(name, spec) {
  const packageDir = join(MODULES, name);
  const meta = readJson(join(packageDir, "package.json"));
  const folder = join(TARGET, basename(name));
  rmSync(folder, { recursive: true, force: true });
  const files = spec.files.map((file) => {
    const destination = join(folder, destinationOf(file));
    return { path: relative(TARGET, destination), bytes: copy(join(packageDir, file), destination) };
  });
  const licences = spec.licences.map((file) => {
    const destination = join(folder, licenceName(file));
    copyLicence(packageDir, file, destination);
    return relative(TARGET, destination);
  });
  return { name, version: meta.version, licence: meta.license, files, licences, note: spec.note };
}

function readme(packages) {
  const lines = [
    "# Vendored front-end libraries",
    "",
    "Written by `make vendor` (`tools/vendor.mjs`) from the exact versions pinned in the root",
    "`package.json`; do not edit these files by hand. The portal serves these copies, so nothing is",
    "loaded from another host and neither `make test` nor `make demo` needs npm. Source-map comments",
    "are stripped (the maps are not shipped).",
    "",
    "| package | version | licence | files (bytes) | licence files |",
    "|---|---|---|---|---|",
  ];
  for (const p of packages) {
    const files = p.files.map((f) => `\`${f.path}\` (${f.bytes.toLocaleString("en")})`).join("<br>");
    const licences = p.licences.map((f) => `\`${f}\``).join("<br>");
    lines.push(`| \`${p.name}\` | ${p.version} | ${p.licence} | ${files} | ${licences} |`);
  }
  lines.push("");
  for (const p of packages.filter((pkg) => pkg.note)) {
    lines.push(`- \`${p.name}\`: ${p.note}`);
  }
  lines.push("", "Update: change the pin in `package.json`, run `make vendor`, then `make test`.", "");
  return lines.join("\n");
}

const manifest = readJson(join(ROOT, "package.json")).vendor;
const packages = Object.entries(manifest).map(([name, spec]) => vendorPackage(name, spec));
writeFileSync(join(TARGET, "README.md"), readme(packages));
for (const p of packages) {
  const bytes = p.files.reduce((sum, f) => sum + f.bytes, 0);
  console.log(`${p.name}@${p.version}: ${p.files.length} files, ${bytes} bytes`);
}
