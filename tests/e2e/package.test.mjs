// The npm package as a user gets it: `npm pack`, installed into a fresh
// project, imported from Node ESM (instantiating the .wasm shipped in the
// package), loaded in a page, and type-checked with tsc --strict.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { appSize, APP_BUDGET } from "./app-size.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
let dir;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "pkg-smoke-"));
  execFileSync("npm", ["pack", join(ROOT, "pkg"), "--pack-destination", dir, "--silent"], { stdio: "pipe" });
  const tgz = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "smoke", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", join(dir, tgz)], { cwd: dir, stdio: "pipe" });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = (() => {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: "RS256", oiat: now })}.${b64({ sid: "sess_1", iat: now, exp: now + 60 })}.c2ln`;
})();

// Runs `body` as an ES module in the fresh project, which must print "ok".
// The prelude gives it the packaged .wasm's bytes (`wasm`), check(), b64()
// and @sinonjs/fake-timers (`FakeTimers`).
function runModule(name, body) {
  const prelude = `
    import { readFileSync } from "node:fs";
    import { fileURLToPath } from "node:url";
    import { createRequire } from "node:module";
    const FakeTimers = createRequire(${JSON.stringify(join(ROOT, "package.json"))})("@sinonjs/fake-timers");
    const wasm = readFileSync(fileURLToPath(import.meta.resolve("session-swr/session_swr_bg.wasm")));
    const check = (c, m) => { if (!c) throw new Error(m); };
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  `;
  writeFileSync(join(dir, name), prelude + body + 'console.log("ok");\n');
  assert.equal(execFileSync("node", [name], { cwd: dir }).toString().trim(), "ok");
}

test("the tarball holds what package.json promises", () => {
  const meta = JSON.parse(readFileSync(join(dir, "node_modules/session-swr/package.json"), "utf8"));
  assert.equal(meta.type, "module");
  assert.equal(meta.sideEffects, false);
  assert.equal(meta.types, "./index.d.ts");
  const files = readdirSync(join(dir, "node_modules/session-swr")).sort();
  assert.deepEqual(files, [
    "README.md", "index.d.ts", "index.js", "package.json",
    "session_error.js", "session_swr.d.ts", "session_swr.js", "session_swr_bg.wasm", "stand-in.mjs",
  ]);
});

// The README's local loop: the Frontend API stand-in from the installed
// package, one command, answering an app on another origin.
test("npx session-swr-stand-in --cors <origin> mints for that origin, Retry-After readable", async () => {
  const app = "http://localhost:5173";
  const bin = join(dir, "node_modules/.bin/session-swr-stand-in");
  const child = spawn(bin, ["0", "--cors", app], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  try {
    const base = await new Promise((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const m = out.match(/http:\/\/127\.0\.0\.1:\d+/);
        if (m) resolve(m[0]);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const url = `${base}/v1/client/sessions/sess_1/tokens`;
    const preflight = await fetch(url, { method: "OPTIONS", headers: { origin: app, "access-control-request-method": "POST" } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), app);
    assert.equal(preflight.headers.get("access-control-allow-credentials"), "true");
    const minted = await fetch(url, { method: "POST", headers: { origin: app } });
    assert.equal(minted.status, 200);
    assert.equal((await minted.json()).object, "token");
    assert.equal(minted.headers.get("access-control-expose-headers"), "Retry-After");
    const other = await fetch(url, { method: "POST", headers: { origin: "https://evil.test" } });
    assert.equal(other.headers.get("access-control-allow-origin"), null, "only the origins named");
    // Installed, it serves no files: its directory is the app's node_modules.
    assert.equal((await fetch(`${base}/`)).status, 404, "no demo page");
    assert.equal((await fetch(`${base}/session-swr/package.json`)).status, 404, "no file of node_modules");
  } finally {
    child.kill();
  }
});

test("the stand-in refuses a --cors value that is not an http(s) origin", () => {
  const bin = join(dir, "node_modules/.bin/session-swr-stand-in");
  for (const value of ["file:///app/index.html", "localhost:5173", "nope"]) {
    const run = spawnSync(bin, ["0", "--cors", value], { cwd: dir, encoding: "utf8", timeout: 10_000 });
    assert.equal(run.status, 2, `${value}: ${run.stdout}${run.stderr}`);
    assert.match(run.stderr, /http or https origin|not a URL/, value);
  }
});

// What an app ships: a minimal app bundled and minified by esbuild, plus the
// .wasm, each gzip -9 (app-size.mjs), held to the budget so that a change
// that outgrows it fails the test command. Beside it, the package's own
// total (every .js and .wasm file, each gzip -9 as a server sends them),
// reported.
test(`what an app ships (bundled and minified, plus the .wasm, gzip -9) is at most ${APP_BUDGET} B`, () => {
  const pkg = join(dir, "node_modules/session-swr");
  const app = appSize(pkg);
  const files = readdirSync(pkg).filter((f) => f.endsWith(".js") || f.endsWith(".wasm"));
  const total = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(pkg, f)), { level: 9 }).length, 0);
  console.log(`  an app ships ${app.total} B (bundled JS ${app.js} + .wasm ${app.wasm}); the package's files: ${total} B`);
  assert.ok(app.total <= APP_BUDGET, `${app.total} B (JS ${app.js} + .wasm ${app.wasm}), over the ${APP_BUDGET} B budget`);
  assert.ok(app.js > 1000 && app.wasm > 10_000, "the measure measured something");
});

test("Node ESM: import, instantiate the packaged wasm, mint and read a token", () => {
  runModule("smoke.mjs", `
    import { initSync, Session, SessionError, pickFreshestJwt } from "session-swr";
    initSync({ module: wasm });
    const token = ${JSON.stringify(TOKEN)};
    let calls = 0;
    const session = new Session({
      frontendApi: "https://fapi.test", sessionId: "sess_1", broadcastChannel: null, pollInterval: 0,
      fetch: async () => { calls++; return new Response(JSON.stringify({ jwt: token }), { status: 200 }); },
    });
    const t = await session.getToken();
    if (t !== token || (await session.getToken()) !== token || calls !== 1) throw new Error("getToken");
    if (pickFreshestJwt(null, token) !== token) throw new Error("pickFreshestJwt");
    try { new Session({ sessionId: "x" }); throw new Error("no throw"); }
    catch (e) { if (!(e instanceof SessionError) || e.code !== "invalid_options") throw e; }
    session.dispose();
  `);
});

// SPEC 9: plain init() in Node reads the .wasm from beside the module (Node's
// fetch cannot load a file: URL).
test("Node ESM: plain await init() loads the packaged wasm", () => {
  runModule("init.mjs", `
    import init, { Session, pickFreshestJwt } from "session-swr";
    await init();
    const token = ${JSON.stringify(TOKEN)};
    check(pickFreshestJwt(null, token) === token, "pickFreshestJwt after init()");
    const session = new Session({
      frontendApi: "https://fapi.test", sessionId: "sess_1", broadcastChannel: null, lastActiveToken: token,
    });
    check(session.peekToken() === token, "a session after init()");
    session.dispose();
  `);
});

// What an app's own strict tsconfig often is, with the package's .d.ts
// checked too (skipLibCheck: false), under ES2022 and under ESNext, and a
// server's: Node's types and no DOM library (server code imports it too).
const PROJECTS = [
  { lib: ["ES2022", "DOM"], types: [] },
  { lib: ["ESNext", "DOM"], types: [] },
  { lib: ["ES2022"], types: ["node"] },
];
for (const { lib, types } of PROJECTS) {
  test(`tsc --strict, skipLibCheck: false, lib ${lib.join(" + ")}${types.length ? `, types ${types}` : ""} accepts the packaged types`, () => {
    writeFileSync(join(dir, "usage.ts"), `
      import init, { Session, SessionError, pickFreshestJwt, type TokenUpdate, type SessionErrorCode } from "session-swr";
      export async function main(): Promise<string> {
        await init();
        const s = new Session({ frontendApi: "https://x.test", sessionId: "sess_1" });
        s.onTokenUpdate((u: TokenUpdate) => void u.source);
        const t: string = await s.getToken({ template: "t" });
        const p: string | null = s.peekToken();
        try { await s.getToken(); } catch (e) {
          if (e instanceof SessionError) {
            const c: SessionErrorCode = e.code;
            // @ts-expect-error: not a code
            if (c === "unauthenticaed") throw e;
          }
        }
        return pickFreshestJwt(p, t);
      }
    `);
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: "ES2022", module: "ES2022", moduleResolution: "bundler",
        lib, types, typeRoots: [join(ROOT, "node_modules/@types")], skipLibCheck: false,
      },
      files: ["usage.ts"],
    }));
    try {
      execFileSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", join(dir, "tsconfig.json")], { cwd: dir, stdio: "pipe" });
    } catch (e) {
      assert.fail(`tsc: ${e.stdout}${e.stderr}`);
    }
  });
}

test("a Session made before init() throws an Error that says to call init() first", () => {
  runModule("before-init.mjs", `
    import { Session } from "session-swr";
    let error;
    try { new Session({ frontendApi: "https://fapi.test", sessionId: "sess_1" }); } catch (e) { error = e; }
    check(error instanceof Error, "it throws an Error: " + error);
    check(error.message.includes("init()"), "that says to call init(): " + error.message);
  `);
});

test("a page loads the installed package and gets a token", async () => {
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end(`<script type="module">
        import init, { Session } from "/node_modules/session-swr/index.js";
        await init();
        const s = new Session({ frontendApi: location.origin, sessionId: "sess_1", broadcastChannel: null,
          fetch: async () => new Response(JSON.stringify({ jwt: ${JSON.stringify(TOKEN)} })) });
        document.title = await s.getToken();
      </script>`);
      return;
    }
    try {
      const body = readFileSync(join(dir, path));
      const type = path.endsWith(".wasm") ? "application/wasm" : "text/javascript";
      res.writeHead(200, { "content-type": type }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const profile = mkdtempSync(join(tmpdir(), "pkg-page-"));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking"],
  });
  try {
    const page = await ctx.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction((t) => document.title === t, TOKEN, { timeout: 10_000 });
    assert.deepEqual(errors, [], "uncaught errors or unhandled rejections in the page");
  } finally {
    await ctx.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test("cache hits follow the core: freshness window, clearCache, the end of a session, dispose, free", () => {
  runModule("memo.mjs", `
    import { initSync, Session } from "session-swr";
    initSync({ module: wasm });
    let clock = 1_700_000_000_000;
    Date.now = () => clock;
    let minted = 0, status = 200;
    const mint = () => { const iat = Math.floor(clock / 1000); minted++; return b64({ oiat: iat }) + "." + b64({ sid: "sess_1", iat, exp: iat + 60, n: minted }) + ".c2ln"; };
    const session = new Session({
      frontendApi: "https://fapi.test", sessionId: "sess_1", broadcastChannel: null, pollInterval: 0,
      fetch: async () => status === 200 ? new Response(JSON.stringify({ jwt: mint() })) : new Response("{}", { status }),
    });
    const flush = () => new Promise((r) => setImmediate(r));
    const t1 = await session.getToken();
    check((await session.getToken()) === t1 && minted === 1, "cache hit");
    clock += 46_000; // 14 s left: stale
    check((await session.getToken()) === t1, "stale token still served");
    // Node has no Web Locks: a background refresh starts after up to 1 s.
    clock += 1100;
    await new Promise((r) => setTimeout(r, 1100)); await flush();
    check(minted === 2, "and refreshed in the background: " + minted);
    const t2 = session.peekToken();
    check(t2 !== t1 && (await session.getToken()) === t2, "the cache serves the new token");
    clock += 60_000; // expired
    check(session.peekToken() === null, "an expired token is never served");
    const t4 = await session.getToken();
    check(session.peekToken() === t4, "cached");
    session.clearCache();
    // Same task as the hit above.
    check(session.peekToken() === null, "clearCache clears the cache");
    const before = minted;
    const t5 = await session.getToken();
    check(t5 && t5 !== t4 && minted === before + 1, "after clearCache the next getToken fetches");
    // A 401 ends the session (SPEC 8.3): nothing is served or asked for again.
    status = 401;
    try { await session.getToken({ skipCache: true }); check(false, "401 expected"); } catch (e) { check(e.code === "unauthenticated", e.code); }
    check(session.ended && session.peekToken() === null, "401 ended the session and evicted the token");
    status = 200;
    clock += 60_000;
    const asked = minted;
    try { await session.getToken(); check(false, "unauthenticated expected"); } catch (e) { check(e.code === "unauthenticated", e.code); }
    check(minted === asked, "no request after the end");
    session.dispose();
    try { await session.getToken(); check(false, "disposed expected"); } catch (e) { check(e.code === "disposed", e.code); }
    // free() and Symbol.dispose end the session as dispose() does.
    for (const end of ["free", Symbol.dispose].filter(Boolean)) {
      const other = new Session({ frontendApi: "https://fapi.test", sessionId: "sess_1", broadcastChannel: null, fetch: async () => new Response(JSON.stringify({ jwt: mint() })) });
      await other.getToken();
      await other.getToken({ template: "t" });
      other[end]();
      check(other.peekToken() === null && other.peekToken({ template: "t" }) === null, String(end) + ": a freed session serves nothing");
      const rejection = async (p) => { try { await p.catch((e) => { throw { rejected: e }; }); } catch (e) { return e.rejected ?? { sync: e }; } };
      check((await rejection(other.getToken({ template: "t" }))).code === "disposed", String(end) + ": getToken rejects with disposed");
      // Every other method answers as after dispose().
      check((await rejection(other.getToken({ bogus: 1 }))).code === "invalid_options", String(end) + ": options are still checked");
      other.clearCache();
      other.onTokenUpdate(() => {})();
      check(other.sessionId === "sess_1", String(end) + ": sessionId");
      other.dispose();
      other.free();
    }
  `);
});

// SPEC 2.8: fake clocks drive the package exactly as they drive clerk-js,
// even when they move time inside one task (setSystemTime, tick): every
// cache read reads the clock.
test("fake timers: time moved inside one task is seen by every cache read", () => {
  runModule("fake-timers.mjs", `
    const tokenAt = (ms, life = 60) => { const iat = Math.floor(ms / 1000); return b64({ oiat: iat }) + "." + b64({ sid: "sess_1", iat, exp: iat + life }) + ".c2ln"; };
    // A fresh instance of the package module each time, so each case sees its own load.
    let n = 0;
    const load = async () => { const m = await import(import.meta.resolve("session-swr") + "?" + n++); m.initSync({ module: wasm }); return m; };
    const toFake = ["Date", "setTimeout", "clearTimeout", "setInterval", "clearInterval"];
    const open = (m) => {
      const s = { calls: 0 };
      s.session = new m.Session({
        frontendApi: "https://fapi.test", sessionId: "sess_1", broadcastChannel: null, pollInterval: 0,
        lastActiveToken: tokenAt(Date.now()),
        fetch: async () => { s.calls++; return new Response(JSON.stringify({ jwt: tokenAt(Date.now()) })); },
      });
      return s;
    };

    // Loaded on the real clock; a fake one installed later in the same task.
    // The refresh timer was armed with the real setTimeout and is cleared
    // with the fake clearTimeout, which cannot clear it: when it fires, it
    // must find itself cancelled, not throw (an uncaught error ends Node).
    {
      const s = open(await load());
      const session = s.session;
      const t0 = session.peekToken();
      check(t0 && (await session.getToken()) === t0, "hydrated");
      check(session.peekToken() === t0, "served on the real clock");
      const clock = FakeTimers.install({ now: Date.now(), toFake });
      clock.setSystemTime(Date.now() + 3_600_000);
      check(session.peekToken() === null, "setSystemTime past exp: peekToken must not serve the expired token");
      const fresh = session.getToken();
      const t1 = await fresh;
      check(t1 !== t0, "setSystemTime past exp: getToken must fetch, not resolve the expired token");
      clock.uninstall();
      session.dispose();
    }
    // Loaded while a fake clock is installed (a test setup file), then tick.
    {
      const clock = FakeTimers.install({ now: Date.now(), toFake });
      const s = open(await load());
      const t0 = s.session.peekToken();
      check(t0, "hydrated under the fake clock");
      // The refresh timer runs on the way, but its request is answered only
      // after this task: the expired token must not be served meanwhile.
      clock.tick(120_000);
      check(s.session.peekToken() === null, "tick past exp: peekToken must not serve the expired token");
      clock.uninstall();
      s.session.dispose();
    }
    // Into the refresh window inside one task: the hit must start the refresh.
    {
      const clock = FakeTimers.install({ now: Date.now(), toFake });
      const s = open(await load());
      const t0 = s.session.peekToken();
      clock.setSystemTime(Date.now() + 50_000); // 10 s left: stale but servable
      const served = s.session.getToken();
      // Node has no Web Locks: the background refresh starts after up to 1 s.
      await clock.tickAsync(1_100);
      check((await served) === t0, "the stale token is served at once");
      check(s.calls === 1, "and one background refresh went out: " + s.calls);
      clock.uninstall();
      s.session.dispose();
    }
    // A verdict on a fake clock's time is not reused once the real clock is back.
    {
      const m = await load();
      const session = new m.Session({
        frontendApi: "https://fapi.test", sessionId: "sess_1", broadcastChannel: null, pollInterval: 0,
        fetch: async () => new Response(JSON.stringify({ jwt: tokenAt(Date.now(), 3) })),
      });
      const short = await session.getToken(); // the caller gets its own mint, with 3 s left
      check(short && session.peekToken() === null, "3 s left: not servable");
      const clock = FakeTimers.install({ now: Date.now() + 1_000, toFake });
      check(session.peekToken() === null, "nor on a fake clock");
      // Set back a minute: no skew bound is left standing, so nothing is
      // served on a guess until a fetch bounds the skew again.
      clock.setSystemTime(Date.now() - 60_000);
      check(session.peekToken() === null, "nor on a clock set back a minute");
      clock.uninstall();
      check(session.peekToken() === null, "nor on the real clock again, in the same task");
      session.dispose();
    }
  `);
});

// Template and organization keys are served from the cache like the default
// one, and a key read only through peekToken stays refreshed (SPEC 2.7).
test("template and organization keys: cache hits, option checks, and refresh while in use", () => {
  runModule("memos.mjs", `
    import { initSync, Session } from "session-swr";
    initSync({ module: wasm });
    const clock = FakeTimers.install({ now: 1_700_000_000_000, toFake: ["Date", "setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    const requests = [];
    const session = new Session({
      frontendApi: "https://fapi.test", sessionId: "sess_1", organizationId: "org_s", broadcastChannel: null,
      fetch: async (url, init) => {
        requests.push(url.split("/").pop() + " " + init.body);
        const iat = Math.floor(Date.now() / 1000);
        return new Response(JSON.stringify({ jwt: b64({ oiat: iat }) + "." + b64({ sid: "sess_1", iat, exp: iat + 60, n: requests.length }) + ".c2ln" }));
      },
    });
    // A listener reads the cache while its token is new.
    const inListener = [];
    const unsubscribe = session.onTokenUpdate((u) => {
      if (u.tokenId === "sess_1-t-org_s") inListener.push(session.peekToken({ template: "t" }) === u.token);
    });
    const t = await session.getToken({ template: "t" });
    const personal = await session.getToken({ organizationId: null });
    const other = await session.getToken({ template: "u", organizationId: "org_x" });
    check(requests.length === 3, "three keys, three requests: " + requests);
    check(session.peekToken({ template: "t" }) === t, "a template hit");
    check((await session.getToken({ template: "t", organizationId: "org_s", refreshIfStale: false })) === t, "the session's organization named outright is the same key");
    check((await session.getToken({ organizationId: "" })) === personal && session.peekToken({ organizationId: "" }) === personal, "an empty organization is the personal key");
    check(session.peekToken({ template: "u", organizationId: "org_x" }) === other && session.peekToken({ template: "u" }) === null && session.peekToken({ template: "t" }) === t, "each key its own token");
    check(requests.length === 3, "and no request");

    // Options are an object's own enumerable fields, as spreading reads
    // them; one with none is read by name.
    const hidden = Object.defineProperty({}, "template", { value: "t" });
    check(session.peekToken(hidden) === t, "a non-enumerable template, alone, names the template key");
    const hiddenSkip = Object.defineProperty({ template: "t" }, "skipCache", { value: true });
    const before = requests.length;
    check((await session.getToken(hiddenSkip)) === t && requests.length === before, "a non-enumerable skipCache beside an own field is not read, as a spread would not copy it");
    check((await session.getToken({ ...hiddenSkip, skipCache: true })) !== t && requests.length === before + 1, "an own skipCache goes to origin");

    // Bad options are SessionErrors naming the field.
    for (const [bad, what] of [[{ template: "t", bogus: 1 }, "unknown option"], [{ template: 5 }, "template"], [{ template: "t", skipCache: "yes" }, "skipCache"]]) {
      let error;
      try { session.peekToken(bad); } catch (e) { error = e; }
      check(error?.code === "invalid_options" && error.message.includes(what.split(" ")[0]), JSON.stringify(bad) + ": " + error?.message);
    }
    // Options that throw when read: getToken still rejects with a SessionError, never throws.
    const fail = () => { throw new Error("read"); };
    const throwing = [
      ["a throwing getter", { template: "t", get organizationId() { return fail(); } }],
      ["a throwing proxy", new Proxy({}, { getPrototypeOf: fail, ownKeys: fail })],
    ];
    for (const [what, options] of throwing) {
      let sync, rejected;
      try { await session.getToken(options).catch((e) => { rejected = e; }); } catch (e) { sync = e; }
      check(!sync && rejected?.code === "invalid_options", what + ": " + (sync ?? rejected));
    }
    const forced = await session.getToken({ template: "t", skipCache: true });
    check(requests.length === 5 && forced !== t, "skipCache always goes to origin");

    // Four minutes of 60 s tokens, read every 5 s: a template read only
    // through peekToken must still be refreshed before it lapses, since each
    // new token's first read marks the key in use. For the first two minutes
    // the listener makes each first read, then the loop's own reads do.
    let listened = 0;
    for (let i = 0; i < 48; i++) {
      if (i === 24) {
        unsubscribe();
        listened = inListener.length;
      }
      await clock.tickAsync(5_000);
      check(session.peekToken({ template: "t" }) !== null, "the template lapsed at " + (i + 1) * 5 + " s");
    }
    const refreshes = requests.slice(5).filter((r) => r.startsWith("t ")).length;
    check(refreshes >= 4 && refreshes <= 6, refreshes + " template refreshes in four minutes");
    check(listened >= 3 + 2 && inListener.length === listened && inListener.every(Boolean), "the listener read each new token: " + inListener);
    session.dispose();
    check(session.peekToken({ template: "t" }) === null && session.peekToken() === null, "dispose empties the cache");
    clock.uninstall();
  `);
});
