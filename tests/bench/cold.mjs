// Navigation to the first token in hand, each sample in a fresh browser
// context (no HTTP or code cache), every request answered by a Playwright
// route (no network), the pages interleaved sample by sample so that they
// see the same machine. Medians, and where the time went.
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { clerkPage, clerkPhases } from "./clerk/clerk.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
const ORIGIN = "http://localhost:4173";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
/** An origin-minted session JWT (`oiat` = `iat`) with `lifetime` seconds left. */
export function jwt(lifetime = 60) {
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: "RS256", typ: "JWT", oiat: now })}.${b64({ sid: "sess_1", iat: now, exp: now + lifetime })}.c2ln`;
}

/**
 * Routes a page (or a whole context) for our pages: the package (BENCH_PKG overrides its
 * directory), the pages of ./pages, and a Frontend API whose /tokens mints
 * `lifetime`-second tokens and tells `onTokens` of each request.
 */
async function routeOurs(target, { lifetime = 60, onTokens } = {}) {
  await target.route(`${ORIGIN}/**`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname.endsWith("/tokens")) {
      onTokens?.({ at: Date.now() });
      return route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ object: "token", jwt: jwt(lifetime) }) });
    }
    const file = url.pathname.startsWith("/pkg/")
      ? join(process.env.BENCH_PKG ?? join(ROOT, "pkg"), url.pathname.slice(5))
      : join(ROOT, "tests/bench/pages", url.pathname);
    let body;
    try {
      body = readFileSync(file);
    } catch {
      return route.fulfill({ status: 404, body: "" });
    }
    const type = TYPES[file.slice(file.lastIndexOf("."))] ?? "application/octet-stream";
    return route.fulfill({ status: 200, contentType: type, body, headers: { "cache-control": "no-store" } });
  });
}

/** Opens one of our pages in `context`, routed on its own. */
export async function openOurs(context, path, routes) {
  const page = await context.newPage();
  await routeOurs(page, routes);
  await page.goto(`${ORIGIN}${path}`);
  return page;
}

/** Resolves once `page` holds its first token (`window.__tokenAt` is set). */
export const tokenInHand = (page) => page.waitForFunction(() => window.__tokenAt !== undefined, null, { timeout: 30_000 });

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Where our page's time went: the duration of each step on the way to the
 * first token, from its performance marks and resource timing (ms).
 */
const ourPhases = (page) =>
  page.evaluate(() => {
    const mark = (name) => performance.getEntriesByName(name)[0]?.startTime;
    const res = (part) => performance.getEntriesByType("resource").find((r) => r.name.includes(part));
    const modules = ["/pkg/index.js", "/pkg/session_swr.js", "/pkg/session_error.js"].map(res).filter(Boolean);
    const wasm = res("_bg.wasm"), tokens = res("/tokens");
    const html = performance.getEntriesByType("navigation")[0].responseEnd;
    const last = (xs) => (xs.length ? Math.max(...xs.map((r) => r.responseEnd)) : NaN);
    const phases = {
      "HTML received": html,
      "HTML → script runs": mark("start") - html,
      "modules fetched (routed)": last(modules) - Math.min(...modules.map((r) => r.startTime)),
      ".wasm fetched (routed)": wasm && wasm.responseEnd - wasm.startTime,
      "modules fetched → import resolved": mark("imported") - last(modules),
      ".wasm fetched → compiled": wasm && mark("compiled") && mark("compiled") - wasm.responseEnd,
      "import resolved → init() done": mark("initialised") - mark("imported"),
      "new Session": mark("constructed") - mark("initialised"),
      "getToken() → /tokens sent (first calls, Web Lock)": tokens && tokens.startTime - mark("constructed"),
      "/tokens (routed)": tokens && tokens.responseEnd - tokens.startTime,
      "response → token in hand": tokens && window.__tokenAt - tokens.responseEnd,
    };
    return Object.fromEntries(Object.entries(phases).filter(([, v]) => typeof v === "number" && Number.isFinite(v)));
  });

/**
 * `samples` rounds; in each, every page of `pages` ({name, open(context) →
 * page, phases?(page)}) in a fresh context of `browser`. Returns per page the
 * median ms from navigation to the first token and the median of each phase.
 */
export async function coldStart(browser, pages, samples) {
  const runs = Object.fromEntries(pages.map((p) => [p.name, []]));
  for (let i = 0; i < samples; i++) {
    for (const p of pages) {
      const context = await browser.newContext();
      try {
        const page = await p.open(context);
        await tokenInHand(page);
        const token = await page.evaluate(() => window.__tokenAt);
        runs[p.name].push({ token, phases: await (p.phases ?? ourPhases)(page) });
      } finally {
        await context.close();
      }
    }
  }
  const floor = median(runs[pages[0].name].map((r) => r.token));
  return Object.fromEntries(
    Object.entries(runs).map(([name, rs]) => {
      const ms = median(rs.map((r) => r.token));
      const keys = Object.keys(rs[0].phases).filter((k) => rs.every((r) => k in r.phases));
      const phases = Object.fromEntries(keys.map((k) => [k, +median(rs.map((r) => r.phases[k])).toFixed(1)]));
      return [name, { medianMs: +ms.toFixed(1), toFloor: +(ms / floor).toFixed(2), samples: rs.length, phases }];
    }),
  );
}

/** The cold-start pages, the floor first (the ratios are to it). */
export function coldPages({ clerk }) {
  const ours = (path) => (context) => openOurs(context, path);
  const pages = [
    { name: "floor: the same POST /tokens by hand", open: ours("/floor.html") },
    { name: "session-swr, the README's recipe", open: ours("/ours.html") },
    { name: "session-swr, preload hints only", open: ours("/preload.html") },
    { name: "session-swr, no hints", open: ours("/plain.html") },
    { name: "session-swr, hydrated with lastActiveToken", open: (context) => openOurs(context, `/ours.html?hydrate=${jwt()}`) },
  ];
  if (clerk) {
    pages.push({
      name: `clerk-js ${clerk}: Clerk.load() + session.getToken()`,
      open: async (context) => {
        const c = await clerkPage(context);
        await c.ready();
        return c.page;
      },
      phases: clerkPhases,
    });
  }
  return pages;
}
