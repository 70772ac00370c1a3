// The benchmark: ours and a baseline side by side in one run, in headless
// Chromium; the package's size against its budget, and what each crate puts
// in the module; requests per refresh cycle from the simulation. Writes
// tests/bench/results.json and prints the tables.
import { createServer } from "node:http";
import { readFileSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { execFileSync } from "node:child_process";
import { cpus, totalmem, tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { chromium } from "playwright-core";

import { crateSizes } from "./crates.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
// Every .wasm and .js file of the package, each gzip -9.
const BUDGET = 64_000;
// Cache-hit latency at most this many times the baseline's (same run).
const TARGETS = { getToken: 3, peekToken: 3, getTemplateToken: 4 };

const size = (f) => {
  const raw = readFileSync(join(ROOT, f));
  return { raw: raw.length, gzip: gzipSync(raw, { level: 9 }).length };
};
// Every file a page may load: the .wasm and each .js, gzipped on its own as
// a server sends it.
const js = readdirSync(join(ROOT, "pkg"), { recursive: true })
  .filter((f) => f.endsWith(".js"))
  .map((f) => size(join("pkg", f)));
const sizes = {
  wasm: size("pkg/session_swr_bg.wasm"),
  js: { raw: js.reduce((a, s) => a + s.raw, 0), gzip: js.reduce((a, s) => a + s.gzip, 0), files: js.length },
};
const total = Object.values(sizes).reduce((a, s) => a + s.gzip, 0);

const server = createServer((req, res) => {
  const path = normalize(new URL(req.url, "http://x").pathname);
  const file = path.startsWith("/pkg/") ? join(ROOT, path) : join(ROOT, "tests/bench", path);
  let body;
  try {
    body = readFileSync(file);
  } catch {
    return void res.writeHead(404).end();
  }
  const type = file.endsWith(".wasm") ? "application/wasm" : file.endsWith(".html") ? "text/html" : "text/javascript";
  res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(body);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;
const profile = mkdtempSync(join(tmpdir(), "bench-"));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking"],
});
let latency, cold;
try {
  const page = await ctx.newPage();
  await page.goto(`${origin}/bench.html`);
  await page.waitForFunction(() => document.title === "done", null, { timeout: 120_000 });
  latency = await page.evaluate(() => window.results);
  const colds = [];
  for (let i = 0; i < 9; i++) {
    const p = await ctx.newPage();
    await p.goto(`${origin}/cold.html`);
    await p.waitForFunction(() => document.title === "done", null, { timeout: 30_000 });
    colds.push(await p.evaluate(() => window.coldMs));
    await p.close();
  }
  colds.sort((a, b) => a - b);
  cold = { medianMs: colds[4], runs: colds.length };
} finally {
  await ctx.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}

const sim = JSON.parse(
  execFileSync("cargo", ["run", "--release", "--quiet", "--example", "simulate", "--", "--steady", "1,5,20,50", "--json"], { cwd: ROOT }).toString(),
);

const crates = process.env.NAMED_WASM ? crateSizes(process.env.NAMED_WASM) : [];

const results = {
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, chromium: execFileSync("chromium", ["--version"]).toString().trim() },
  latency,
  coldStart: cold,
  sizes: { ...sizes, totalGzip: total, budgetGzip: BUDGET, withinBudget: total <= BUDGET, crateCodeBytes: Object.fromEntries(crates) },
  requestsPerCycle: sim,
};
const kb = (n) => (n / 1024).toFixed(1);
console.log(`machine: ${results.machine.cpus} × ${results.machine.cpu}, ${results.machine.memGiB} GiB, ${results.machine.chromium}`);
console.log("| measure | ours | baseline | ratio | target |\n|---|---:|---:|---:|---:|");
const label = {
  getToken: "`getToken()` cache hit, each call awaited",
  peekToken: "`peekToken()` cache hit",
  getTemplateToken: "`getToken({ template })` cache hit, each call awaited",
};
for (const [name, r] of Object.entries(latency)) {
  r.target = TARGETS[name];
  console.log(`| ${label[name] ?? name} | ${r.oursNs.toFixed(0)} ns | ${r.baselineNs.toFixed(0)} ns | ${r.ratio.toFixed(2)} | ≤ ${r.target} |`);
}
console.log(`| cold start (import → first token) | ${cold.medianMs.toFixed(1)} ms | | | |`);
console.log(`| .wasm | ${kb(sizes.wasm.raw)} KB raw, ${sizes.wasm.gzip} B gzip | | | |`);
console.log(`| JS (${sizes.js.files} files) | ${kb(sizes.js.raw)} KB raw, ${sizes.js.gzip} B gzip | | | |`);
console.log(`| total gzip vs budget | ${total} B | | ${(total / BUDGET).toFixed(3)} | ≤ ${BUDGET} B |`);
for (const row of sim) console.log(`| requests per refresh cycle, ${row.tabs} tabs | ${row.perCycle.toFixed(2)} | | | |`);
if (crates.length) {
  console.log("\n| in the module | code bytes |\n|---|---:|");
  for (const [who, bytes] of crates) console.log(`| ${who} | ${bytes} |`);
}
writeFileSync(join(ROOT, "tests/bench/results.json"), JSON.stringify(results, null, 2) + "\n");
