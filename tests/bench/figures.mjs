// The figures of docs/performance.md and the README, made from the committed
// tests/bench/results.json (one run of the benchmark): each block between
// `<!-- figures:NAME -->` and `<!-- /figures:NAME -->` is rendered here.
//
//   node tests/bench/figures.mjs          checks the docs hold what results.json says (the test command)
//   node tests/bench/figures.mjs --write  writes them (after a benchmark run)
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;
const FILES = ["README.md", "docs/performance.md"];

const n = (x) => x.toLocaleString("en-US");
const ms = (x) => `${x.toFixed(1)} ms`;
const table = (head, rows) =>
  [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i ? "---:" : "---")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

/** Every block, by name, from results `r`. */
export function blocks(r) {
  const hit = r.latency;
  const cold = r.coldStart;
  const names = Object.keys(cold);
  const [, oursName] = names;
  const clerkName = names.at(-1);
  const side = r.clerkJs;
  const app = r.sizes.app;
  const label = {
    getToken: "`getToken()`, each call awaited",
    peekToken: "`peekToken()`",
    getTemplateToken: "`getToken({ template })`, each call awaited",
    secondTab: "a second tab's first token, from `new Session()`",
    coldStart: "navigation → first token, the README's recipe",
  };
  const steady = (tabs) => r.requestsPerCycle.find((s) => s.tabs === tabs)?.perCycle;
  return {
    readme: table(["", ""], [
      ["what an app ships (its bundled JS and the `.wasm`, gzip -9)", `${n(app.total)} B`],
      ["a cached `getToken()`", `${hit.getToken.oursNs} ns (clerk-js: ${(side.hit.clerk.medianNs / 1e6).toFixed(1)} ms)`],
      ["a tab opened while another holds the token", `its token ${ms(r.secondTab.medianMs)} after \`new Session()\`, no request`],
      ["`/tokens` requests, any number of tabs", `one per refresh cycle (${steady(20)?.toFixed(2)} with 20 tabs, simulated)`],
    ]),
    targets: table(["measure", "result", "target", "band", ""], Object.entries(r.targets).map(([k, t]) =>
      [label[k] ?? k, `${t.value}${t.what === "ms" ? " ms" : "×"}`, `≤ ${t.most}${t.what === "ms" ? " ms" : "×"}`, `${Math.round(t.band * 100)} %`, t.verdict])),
    hits: table(["cache hit", "ours", "baseline", "ratio", "the three runs"], Object.entries(hit).map(([k, h]) =>
      [label[k], `${h.oursNs} ns`, `${h.baselineNs} ns`, h.ratio.toFixed(2), h.runs.map((x) => x.toFixed(2)).join(", ")])),
    tabs: table(["", ""], [
      [`second tab: \`new Session()\` → token in hand, median of ${r.secondTab.samples}`, ms(r.secondTab.medianMs)],
      ["the samples", r.secondTab.ms.map((x) => x.toFixed(1)).join(", ") + " ms"],
    ]),
    cold: table(["page", "navigation → first token", "× floor"], names.map((k) => [k, ms(cold[k].medianMs), cold[k].toFloor.toFixed(2)])),
    phases: table(["step", oursName, clerkName], [...new Set([...Object.keys(cold[oursName].phases), ...Object.keys(cold[clerkName].phases)])].map((k) =>
      [k, cold[oursName].phases[k]?.toFixed(1) ?? "", cold[clerkName].phases[k]?.toFixed(1) ?? ""])),
    clerk: table(["measure", "session-swr", `clerk-js ${side.version}`], [
      ["`getToken()` cache hit, each call awaited", `${side.hit.ours.medianNs.toFixed(0)} ns`, `${(side.hit.clerk.medianNs / 1e6).toFixed(2)} ms`],
      ["navigation → first token", ms(cold[oursName].medianMs), ms(cold[clerkName].medianMs)],
      ["bytes over the wire (every `.js` and `.wasm` file, gzip -9)", `${n(side.wire.ours)} B`, `${n(side.wire.clerk)} B (${side.wire.clerkFiles} file${side.wire.clerkFiles === 1 ? "" : "s"})`],
      [`\`/tokens\` requests per refresh cycle, ${side.tabs.ours.tabs} tabs, ${TAB_LIFETIME(side)} s tokens`, `${side.tabs.ours.requestsPerCycle} (every ${side.tabs.ours.cycleS} s)`, `${side.tabs.clerk.requestsPerCycle} (every ${side.tabs.clerk.cycleS} s)`],
      [`Frontend API requests while ${side.tabs.ours.tabs} tabs load at once`, `${side.tabs.ours.apiRequestsAtLoad}`, `${side.tabs.clerk.apiRequestsAtLoad} (${side.tabs.clerk.tokensAtLoad} of them /tokens)`],
    ]),
    size: table(["", "gzip -9"], [
      ["what an app ships: a minimal app (`init`, `new Session`, `getToken`, `fetchWithAuth`) bundled and minified by esbuild", `${n(app.js)} B`],
      ["… and the `.wasm`", `${n(app.wasm)} B`],
      ["**what an app ships**", `**${n(app.total)} B** (budget ${n(app.budget)} B)`],
      [`the package's files as a server sends them (the \`.wasm\` and ${r.sizes.files.js.files} \`.js\` files)`, `${n(r.sizes.files.total)} B`],
    ]),
    code: table(["in the module", "code bytes"], Object.entries(r.sizes.codeBytes).map(([k, v]) => [k, n(v)])),
    sim: table(["tabs", "requests per refresh cycle (simulated, 6 h)"], r.requestsPerCycle.map((s) => [s.tabs, s.perCycle.toFixed(2)])),
    machine: `Measured on ${r.machine.cpus} × ${r.machine.cpu}, ${r.machine.memGiB} GiB, ${r.machine.chromium}, Node ${r.machine.node}.`,
  };
}

// The token lifetime of the tabs measure, as the benchmark used it.
const TAB_LIFETIME = (side) => side.tabs.lifetime ?? 20;

/** `text` with each figures block replaced by `rendered`'s. */
export function fill(text, rendered) {
  return text.replace(/(<!-- figures:(\w+) -->\n)[\s\S]*?(<!-- \/figures:\2 -->)/g, (all, open, name, close) => {
    if (!(name in rendered)) throw new Error(`no figures block ${name}`);
    return `${open}${rendered[name]}\n${close}`;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = JSON.parse(readFileSync(join(ROOT, "tests/bench/results.json"), "utf8"));
  const rendered = blocks(results);
  const write = process.argv.includes("--write");
  const stale = [];
  for (const file of FILES) {
    const path = join(ROOT, file);
    const text = readFileSync(path, "utf8");
    const filled = fill(text, rendered);
    if (filled === text) continue;
    if (write) writeFileSync(path, filled);
    else stale.push(file);
  }
  if (stale.length) {
    console.error(`${stale.join(", ")}: figures differ from tests/bench/results.json (node tests/bench/figures.mjs --write)`);
    process.exit(1);
  }
}
