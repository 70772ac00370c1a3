// The README's React recipe, built for real: a Vite + React + TypeScript app
// whose hook is the README's tsx block as written, on another origin than
// the Frontend API stand-in (credentialed CORS, as an app meets a real one).
// The Frontend API fails every /tokens request for its first 20 s: the page
// shows the error, with where and why, then the token, with no reload and
// no click (SPEC 11.2, 11.3).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { mkdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { chromium } from "playwright-core";

import { start } from "../../www/server.mjs";
import { codeBlocks } from "./markdown.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
const requireDev = createRequire(join(ROOT, "package.json"));
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };
// The Frontend API is down this long after the page loads.
const DOWN_MS = 20_000;

let app, api, context, profile, dist;

/** Serves `root` (a built app) on a free port of 127.0.0.1. */
function serve(root) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    const file = join(root, path === "/" ? "index.html" : path);
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` })));
}

before(async () => {
  // The app lives in target/ so that react and vite resolve from the
  // repository's node_modules.
  const dir = join(ROOT, "target/react-app");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const hook = codeBlocks(readFileSync(join(ROOT, "README.md"), "utf8")).find((b) => b.lang === "tsx");
  assert.ok(hook?.code.includes("useSyncExternalStore"), "the README's React recipe");
  writeFileSync(join(dir, "session.tsx"), hook.code + "\n");
  writeFileSync(join(dir, "index.html"),
    '<!doctype html><html><head><meta charset="utf-8"><title>app</title></head><body><div id="root"></div><script type="module" src="/main.tsx"></script></body></html>\n');
  writeFileSync(join(dir, "main.tsx"), `
    import { createRoot } from "react-dom/client";
    import init, { Session } from "session-swr";
    import { TokenStatus } from "./session";

    await init();
    const params = new URLSearchParams(location.search);
    const session = new Session({ frontendApi: params.get("api")!, sessionId: "sess_react" });
    (window as unknown as { loadedAt: number }).loadedAt = performance.timeOrigin;
    createRoot(document.getElementById("root")!).render(<TokenStatus session={session} />);
  `);
  const vite = await import(requireDev.resolve("vite"));
  dist = join(dir, "dist");
  await vite.build({
    root: dir,
    logLevel: "silent",
    configFile: false,
    resolve: { alias: { "session-swr": join(ROOT, "pkg/index.js") } },
    build: { outDir: dist, target: "es2022" },
  });
  app = await serve(dist);
  api = await start(0, { origins: [app.origin] });
  profile = mkdtempSync(join(tmpdir(), "e2e-react-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking"],
  });
});

after(async () => {
  await context?.close().catch(() => {});
  api?.server.close();
  app?.server.close();
  rmSync(profile, { recursive: true, force: true });
});

test(`a React app whose Frontend API fails for ${DOWN_MS / 1000} s at load shows the error, then the token, by itself`, async () => {
  const base = `http://127.0.0.1:${api.port}`;
  const admin = (body) => fetch(`${base}/admin/config`, { method: "POST", body: JSON.stringify(body) });
  await admin({ failureRate: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  let clicks = 0;
  await page.exposeFunction("countClick", () => clicks++);
  await page.addInitScript(() => addEventListener("click", () => window.countClick(), true));
  await page.goto(`${app.origin}/?api=${encodeURIComponent(base)}`);
  const loadedAt = await (await page.waitForFunction(() => window.loadedAt)).jsonValue();
  const status = page.locator("p[data-status]");

  // The error, where and why: the stand-in's 500 with Clerk's error body.
  await status.filter({ hasText: "http_error" }).waitFor({ timeout: 15_000 });
  const shown = await status.textContent();
  assert.match(shown, /internal_clerk_error/, "the server's reason");
  assert.ok(shown.includes(`${base}/v1/client/sessions/sess_react/tokens`), `the URL: ${shown}`);
  assert.equal(await status.getAttribute("data-status"), "error");

  // The API recovers 20 s after the page loaded; the session gets its token
  // with no call of the app's: the backoff is at most 30 s (× 1.5 jitter).
  const downFor = DOWN_MS - (Date.now() - loadedAt);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, downFor)));
  await admin({ failureRate: 0 });
  const recovered = Date.now();
  await status.filter({ hasText: "signed in" }).waitFor({ timeout: 50_000 });
  const text = await status.textContent();
  assert.match(text, /token expires in (\d+) s/);
  const left = Number(text.match(/expires in (\d+) s/)[1]);
  assert.ok(left > 40 && left <= 60, `a fresh 60 s token: ${left} s left`);
  assert.ok(["ready", "refreshing"].includes(await status.getAttribute("data-status")));
  console.log(`shown the error, then the token ${((Date.now() - recovered) / 1000).toFixed(1)} s after the API recovered`);

  // The same document all along, no click: it healed by itself.
  assert.equal(await page.evaluate(() => window.loadedAt), loadedAt, "no reload");
  assert.equal(clicks, 0, "no click");
  assert.deepEqual(errors, [], "no uncaught errors");
  // The countdown ticks.
  await page.waitForFunction((t) => !document.querySelector("p[data-status]").textContent.includes(t), text, { timeout: 3000 });
});
