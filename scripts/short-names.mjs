// Gives the names the glue and the .wasm share short ones: binaryen's
// --minify-imports-and-exports-and-modules renamed the module's imports
// (all into one module, "a") and exports, and printed its map (old name →
// new); this rewrites wasm-bindgen's glue to match, name by name, and then
// checks that the two agree exactly, or fails the build. The hashed import
// names (`__wbg_now_5fc8e2a1b3c4d5e6`) are otherwise spelled out in both
// files: 2.5 KB of the .wasm's gzip, and more of the glue's.
//
// node scripts/short-names.mjs <map.json> <glue.js> <module.wasm>
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [mapFile, glueFile, wasmFile] = process.argv.slice(2);
const map = JSON.parse(readFileSync(mapFile, "utf8"));
let glue = readFileSync(glueFile, "utf8");

const fail = (why) => {
  console.error(`short-names: ${why}`);
  process.exit(1);
};
/** Replaces every match of `pattern` with `to`; there must be `count` (or, with `atLeast`, that many or more). */
const replace = (pattern, to, count, atLeast = false) => {
  let n = 0;
  glue = glue.replace(pattern, (...m) => {
    n++;
    return typeof to === "function" ? to(...m) : to;
  });
  if (atLeast ? n < count : n !== count) fail(`${pattern}: ${n} matches, expected ${atLeast ? "at least " : ""}${count}`);
};
const escape = (s) => s.replace(/[$]/g, "\\$");

// The import object: one module, each import a key `old: function…` of it.
const modules = new Set(map.imports.map(([module]) => module));
for (const module of modules) {
  replace(new RegExp(`\\n(\\s+)"${module.replace(/[./]/g, "\\$&")}": import0,`), (_, indent) => `\n${indent}"a": import0,`, 1);
}
for (const [, from, to] of map.imports) replace(new RegExp(`\\n(\\s+)${escape(from)}: function`), (_, indent) => `\n${indent}${to}: function`, 1);
// Exports, as the glue reads them off the instance. An export the glue never
// reads (wasm-bindgen's abort hooks) has nothing to rewrite.
for (const [from, to] of map.exports) {
  const uses = glue.match(new RegExp(`\\bwasm\\.${escape(from)}\\b`, "g"))?.length ?? 0;
  if (uses) replace(new RegExp(`\\bwasm\\.${escape(from)}\\b`, "g"), `wasm.${to}`, uses);
}

// The check: the glue's import keys are exactly the module's imports, and
// every export it reads is one the module has.
const module = new WebAssembly.Module(readFileSync(wasmFile));
const imports = WebAssembly.Module.imports(module);
if (new Set(imports.map((i) => i.module)).size !== 1 || imports[0].module !== "a") fail("the module imports from more than module a");
const start = glue.indexOf("const import0 = {");
const end = glue.indexOf('"a": import0,');
if (start < 0 || end < start) fail("the glue's import object was not found");
const keys = [...glue.slice(start, end).matchAll(/\n {8}([\w$]+): function/g)].map((m) => m[1]);
const wanted = imports.map((i) => i.name);
const missing = wanted.filter((n) => !keys.includes(n));
const extra = keys.filter((n) => !wanted.includes(n));
if (missing.length || extra.length) fail(`imports differ: missing ${missing.join(" ")}; extra ${extra.join(" ")}`);
const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
const read = [...new Set([...glue.matchAll(/\bwasm\.([\w$]+)/g)].map((m) => m[1]))];
const unknown = read.filter((n) => !exports.has(n));
if (unknown.length) fail(`the glue reads exports the module lacks: ${unknown.join(" ")}`);

writeFileSync(glueFile, glue);
// And it still parses and exports what it did.
const loaded = await import(pathToFileURL(glueFile).href);
for (const name of ["default", "initSync", "Session", "pickFreshestJwt"]) {
  if (typeof loaded[name] !== "function") fail(`the rewritten glue lost its export ${name}`);
}
console.log(`short-names: ${wanted.length} imports and ${read.length} exports renamed in ${glueFile}`);
