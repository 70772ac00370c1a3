// The npm package consumed the ways SPEC 9 promises: bundled by Vite (a
// production build and the dev server, no config) and by webpack 5, loaded
// under the CSP `script-src 'self' 'wasm-unsafe-eval'`, and inside a module
// Web Worker. Each page must get a real token from a Session.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, writeFileSync, rmSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, extname } from "node:path";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const ROOT = new URL("../../", import.meta.url).pathname;
// The bundlers are the project's dev dependencies, run on the temp project.
const requireDev = createRequire(join(ROOT, "package.json"));
const webpack = requireDev("webpack");
const run = promisify(execFile);

const CSP = "script-src 'self' 'wasm-unsafe-eval'";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };
const TOKEN = (() => {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: "RS256", oiat: now })}.${b64({ sid: "sess_1", iat: now, exp: now + 60 })}.c2ln`;
})();

// What every consumer does once the package is loaded.
const getToken = (from) => `
import init, { Session } from ${JSON.stringify(from)};
await init();
const session = new Session({
  frontendApi: location.origin, sessionId: "sess_1", broadcastChannel: null,
  fetch: async () => new Response(JSON.stringify({ jwt: ${JSON.stringify(TOKEN)} })),
});
const token = await session.getToken();
`;

let dir, profile, ctx, vite, devServer;
const servers = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "pkg-bundlers-"));
  profile = mkdtempSync(join(tmpdir(), "pkg-bundlers-page-"));
  // Chromium starts and Vite loads while npm packs and installs.
  const launched = chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  }).then((c) => (ctx = c));
  const loaded = import(requireDev.resolve("vite")).then((m) => (vite = m));
  try {
    await run("npm", ["pack", join(ROOT, "pkg"), "--pack-destination", dir, "--silent"]);
    const tgz = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "bundlers", private: true, type: "module" }));
    await run("npm", ["install", "--no-audit", "--no-fund", "--offline", join(dir, tgz)], { cwd: dir });
  } finally {
    await Promise.allSettled([launched, loaded]);
  }
  await Promise.all([launched, loaded]);
  // The app both bundlers build: a bare "session-swr" import.
  writeFileSync(join(dir, "index.html"),
    '<!doctype html><html><head><meta charset="utf-8"><title></title></head><body><script type="module" src="/main.js"></script></body></html>\n');
  writeFileSync(join(dir, "main.js"), getToken("session-swr") + "document.title = token;\n");
  // The unbundled package, as a page under CSP and a module worker load it.
  writeFileSync(join(dir, "csp.js"), getToken("/node_modules/session-swr/index.js") + "document.title = token;\n");
  writeFileSync(join(dir, "worker.js"), getToken("/node_modules/session-swr/index.js") + "postMessage(token);\n");
  writeFileSync(join(dir, "page-worker.js"), `
    const worker = new Worker("/worker.js", { type: "module" });
    worker.onmessage = (e) => { document.title = e.data; };
    worker.onerror = (e) => { document.title = "worker error: " + (e.message || "failed to load"); };
  `);
}, { timeout: 60_000 });

after(async () => {
  await ctx?.close().catch(() => {});
  await devServer?.close();
  for (const s of servers) s.close();
  for (const d of [dir, profile]) if (d) rmSync(d, { recursive: true, force: true });
});

// Serves `root` on 127.0.0.1; `/` is `html` when given, else root/index.html.
async function serve(root, { html, headers = {} } = {}) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    try {
      const body = path === "/" && html !== undefined ? html : readFileSync(join(root, path === "/" ? "index.html" : path));
      const type = TYPES[path === "/" ? ".html" : extname(path)] ?? "application/octet-stream";
      res.writeHead(200, { "content-type": type, ...headers }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  servers.push(server);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${server.address().port}/`;
}

// Opens `url` and returns the title the page settles on, failing with what
// the page reported if it never sets one.
async function titleOf(url, { beforeLoad } = {}) {
  const page = await ctx.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`); });
  try {
    await beforeLoad?.(page);
    const response = await page.goto(url);
    await page.waitForFunction(() => document.title !== "", null, { timeout: 10_000 })
      .catch(() => assert.fail(`no title at ${url}:\n${problems.join("\n")}`));
    return { title: await page.title(), problems, page, response };
  } catch (e) {
    await page.close();
    throw e;
  }
}

async function expectToken(url, options) {
  const { title, problems, page } = await titleOf(url, options);
  await page.close();
  assert.equal(title, TOKEN, problems.join("\n"));
  // Uncaught errors and unhandled rejections fail it even with a token.
  assert.deepEqual(problems.filter((p) => p.startsWith("pageerror")), [], "the page threw");
}

test("Vite production build, no config: the built page gets a token", { timeout: 30_000 }, async () => {
  await vite.build({ root: dir, configFile: false, logLevel: "error" });
  const built = readdirSync(join(dir, "dist/assets"));
  assert.ok(built.some((f) => f.endsWith(".wasm")), `Vite emitted the .wasm as an asset: ${built}`);
  await expectToken(await serve(join(dir, "dist")));
});

test("Vite dev server, no config: the page gets a token", { timeout: 30_000 }, async () => {
  devServer = await vite.createServer({
    root: dir, configFile: false, logLevel: "error", clearScreen: false,
    server: { port: 0, host: "127.0.0.1", strictPort: true },
  });
  await devServer.listen();
  await expectToken(`http://127.0.0.1:${devServer.httpServer.address().port}/`);
});

test("webpack 5 production build: the bundled page gets a token", { timeout: 30_000 }, async () => {
  const out = join(dir, "dist-webpack");
  const stats = await new Promise((resolve, reject) => webpack({
    mode: "production", context: dir, entry: "./main.js", devtool: false,
    output: { path: out, filename: "main.js" },
  }, (err, s) => (err ? reject(err) : resolve(s))));
  assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
  const emitted = readdirSync(out);
  assert.ok(emitted.some((f) => f.endsWith(".wasm")), `webpack emitted the .wasm as an asset: ${emitted}`);
  // The page is served, not written, so that Vite's dev server never scans it.
  const html = '<!doctype html><html><head><meta charset="utf-8"><title></title></head><body><script src="/main.js"></script></body></html>';
  await expectToken(await serve(out, { html }));
});

test("under CSP script-src 'self' 'wasm-unsafe-eval': the page gets a token, nothing refused", { timeout: 30_000 }, async () => {
  const html = '<!doctype html><html><head><meta charset="utf-8"><title></title></head><body><script type="module" src="/csp.js"></script></body></html>';
  const url = await serve(dir, { html, headers: { "content-security-policy": CSP } });
  const { title, problems, page, response } = await titleOf(url, {
    beforeLoad: (p) => p.addInitScript(() => {
      window.violations = [];
      document.addEventListener("securitypolicyviolation", (e) => window.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    }),
  });
  try {
    assert.equal(response.headers()["content-security-policy"], CSP);
    assert.equal(title, TOKEN, problems.join("\n"));
    assert.deepEqual(await page.evaluate(() => window.violations), [], "CSP violations");
    assert.deepEqual(problems.filter((p) => /Refused|Content Security Policy/i.test(p)), []);
    assert.deepEqual(problems.filter((p) => p.startsWith("pageerror")), [], "the page threw");
    // The policy is live and the listener hears it: an inline script is refused.
    const refused = await page.evaluate(async () => {
      const script = document.createElement("script");
      script.textContent = "document.body.dataset.inline = 'ran'";
      document.body.append(script);
      await new Promise((r) => setTimeout(r, 50));
      return { ran: document.body.dataset.inline ?? null, violations: window.violations };
    });
    assert.equal(refused.ran, null, "an inline script ran: the policy is not in force");
    assert.match(refused.violations.join("\n"), /^script-src/, "the inline script was refused and reported");
  } finally {
    await page.close();
  }
});

test("a module Web Worker: init(), a Session, and its token posted back to the page", { timeout: 30_000 }, async () => {
  const html = '<!doctype html><html><head><meta charset="utf-8"><title></title></head><body><script type="module" src="/page-worker.js"></script></body></html>';
  await expectToken(await serve(dir, { html }));
});
