// The demo page, one or two tabs, driven through its controls; asserts what
// the pages show (and what the stand-in counted) and saves screenshots under
// artifacts/ (git-ignored). Every test starts from a reset stand-in, and its
// pages close when it ends, pass or fail, so no test leaves the next one a
// misconfigured stand-in or a tab still refreshing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, sleep, ARTIFACTS, failOnPageErrors } from "./support.mjs";

let env;
before(async () => {
  env = await launch();
});
failOnPageErrors(() => env);
after(async () => {
  await env?.close();
});

const errorsOf = new Map(); // page → its uncaught errors and unhandled rejections

/**
 * Opens `path` for test `t` and waits for the page's ready mark; the page is
 * closed when `t` ends. `init` runs in the page before its own scripts.
 */
async function open(t, path, init) {
  const page = await env.context.newPage();
  const errors = [];
  errorsOf.set(page, errors);
  page.on("pageerror", (e) => errors.push(e.message));
  t.after(() => page.close().catch(() => {}));
  if (init) await page.addInitScript(init);
  await page.goto(`${env.origin}${path}`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === "1");
  return page;
}
const noPageErrors = (page) => assert.deepEqual(errorsOf.get(page), [], "no uncaught errors or unhandled rejections");

const events = (page, kind) => page.$$eval(`#log li[data-kind="${kind}"]`, (els) => els.map((e) => e.textContent));
/** The event log, oldest first: `{kind, text, outcome?, trigger?, attempt?, status?}` per entry. */
const log = (page) => page.$$eval("#log li", (els) => els.map((e) => ({ ...e.dataset, text: e.textContent })).reverse());
/** onRefresh entries of the log, oldest first, optionally of one key and trigger. */
const refreshes = async (page, tokenId, trigger) =>
  (await log(page)).filter((e) => e.kind === "refresh" && (!tokenId || e.text.includes(`${tokenId} ·`)) && (!trigger || e.trigger === trigger));
const tokenOf = (page) => page.evaluate(() => window.session.peekToken());
const jwt = (token) => {
  const [header, claims] = token.split(".").slice(0, 2).map((x) => JSON.parse(Buffer.from(x, "base64url")));
  return { header, claims };
};
const count = async (page, id) => Number(await page.textContent(`#${id}`));
const until = async (what, fn, ms = 5000) => {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
};

test("two demo tabs: adoption, the oiat guard, and the request counter", async (t) => {
  await env.admin("reset");
  const a = await open(t, "/?sid=sess_demo");
  await until("tab A's first token", async () => (await events(a, "fetch")).length === 1);
  const b = await open(t, "/?sid=sess_demo");
  // B starts while A's token is fresh: A hands it over, no request (SPEC 10),
  // and B's log names the tab it came from.
  await until("tab B's token", async () => (await tokenOf(b)) !== null);
  assert.equal(await tokenOf(b), await tokenOf(a), "A's token");
  assert.equal((await env.admin("stats")).total, 1, "no request for B");
  const nameA = await a.textContent("#tab");
  assert.ok((await events(b, "broadcast")).some((e) => e.includes(`from ${nameA}, no request`)), "from tab A");

  // A mints at origin; B adopts it without a request. (JWT times are whole
  // seconds: wait one so this mint's claims are strictly newer than the first.)
  await sleep(1100);
  const before = (await env.admin("stats")).total;
  const old = await tokenOf(a);
  await a.click("#skip");
  await until("A's new token", async () => (await tokenOf(a)) !== old);
  await until("B adopting A's token", async () => (await tokenOf(b)) === (await tokenOf(a)));
  assert.equal((await env.admin("stats")).total, before + 1, "one request for both tabs");
  assert.ok((await events(b, "broadcast")).length >= 1, "B's log shows the broadcast");
  assert.equal(await b.$eval("#keys tr", (tr) => tr.dataset.key), "sess_demo");

  // The request counter shows the server's count.
  await until("the counter", async () => Number(await a.textContent("#total")) === (await env.admin("stats")).total);

  // The next mint is an edge mint of stale claims: A's caller gets it, no cache takes it.
  const fresh = await tokenOf(a);
  const skips = async () => (await events(a, "info")).filter((t) => t.includes('"skipCache":true') && t.includes("→")).length;
  const skipped = await skips();
  await a.click("#stale");
  await a.click("#skip");
  await until("A's skipCache call", async () => (await skips()) === skipped + 1);
  assert.equal(await tokenOf(a), fresh, "A's cache kept the fresher claims");
  assert.equal(await tokenOf(b), fresh, "B never saw it");
  const kept = await events(a, "kept");
  assert.equal(kept.length, 1, "A's log says the cache kept a fresher token than the call got");
  assert.ok(kept[0].includes(fresh.slice(-8)), kept[0]);

  // A naive client broadcasts a stale token anyway: B's page shows it rejected.
  const stale = await a.evaluate(async () => {
    await fetch("/admin/config", { method: "POST", body: JSON.stringify({ staleNext: true }) });
    const res = await fetch("/v1/client/sessions/sess_demo/tokens?force_origin=true", {
      method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "organization_id=",
    });
    const { jwt } = await res.json();
    const ch = new BroadcastChannel("clerk:session_token");
    ch.postMessage({ tokenId: "sess_demo", tokenRaw: jwt, sessionId: "sess_demo", organizationId: null, traceId: "bc_1_naive" });
    ch.close();
    return jwt;
  });
  await until("B logging the rejection", async () => (await events(b, "rejected")).length === 1);
  assert.notEqual(await tokenOf(b), stale);
  assert.equal(await b.$eval("#keys tr", (tr) => tr.dataset.state), "fresh");
  assert.ok(await b.$$eval("#chart circle", (c) => c.length >= 2), "the chart plots the tokens held");

  await a.screenshot({ path: `${ARTIFACTS}demo-tab-a.png`, fullPage: true });
  await b.screenshot({ path: `${ARTIFACTS}demo-tab-b.png`, fullPage: true });
  noPageErrors(a);
  noPageErrors(b);
});

test("fault injection: failures are retried until the stand-in recovers; a 401 ends the session in every tab", async (t) => {
  await env.admin("reset");
  const a = await open(t, "/?sid=sess_faults");
  await until("first token", async () => (await tokenOf(a)) !== null);

  // Every request fails: a waited-on template fetch is retried with backoff
  // (about 1, 2, 4 s) and gets its token once the stand-in recovers.
  await a.selectOption("#failure", "1");
  await until("failures on", async () => (await env.admin("stats")).config.failureRate === 1);
  await a.fill("#template", "tmpl");
  await a.click("#get");
  await until("retries", async () => (await env.admin("stats")).failed >= 3, 8000);
  await a.selectOption("#failure", "0");
  await until("the template token after retries", async () => (await events(a, "fetch")).some((e) => e.includes("sess_faults-tmpl")), 15_000);
  assert.ok((await events(a, "info")).some((e) => e.includes('getToken({"template":"tmpl"}) →')), "the caller got it");
  const tries = await refreshes(a, "sess_faults-tmpl", "caller");
  const failed = tries.filter((e) => e.outcome === "error");
  assert.ok(failed.length >= 3, `the log shows each failed attempt: ${JSON.stringify(tries)}`);
  assert.ok(failed.every((e) => e.status === "500" && e.text.includes("http_error 500")), "with its status");
  assert.deepEqual(tries.map((e) => Number(e.attempt)), tries.map((_, i) => i + 1), "attempts 1, 2, 3, ...");
  assert.equal(tries.at(-1).outcome, "ok", "the last attempt got the token");
  assert.notEqual(await tokenOf(a), null, "failures never evict the session token");

  // A 401 ends the session (SPEC 8.3) in the tab that got it and, through
  // the library's own channel, in every other tab of it (SPEC 10.2).
  await a.fill("#template", "");
  const b = await open(t, "/?sid=sess_faults");
  await until("tab B's token", async () => (await tokenOf(b)) !== null);
  await b.check("#unauth");
  await until("401 on", async () => (await env.admin("stats")).config.unauthorized === true);
  await b.click("#skip");
  await until("the 401", async () => (await events(b, "error")).some((e) => e.includes("unauthenticated 401")));
  await b.uncheck("#unauth");
  await until("401 off", async () => (await env.admin("stats")).config.unauthorized === false);
  assert.ok(await b.isVisible("#ended"), "B's banner");
  assert.equal(await b.evaluate(() => window.session.ended), true);
  assert.equal(await tokenOf(b), null, "the 401 evicted B's token");
  assert.equal((await events(b, "ended")).length, 1, "B's log shows the end once");
  await until("A's end", () => a.evaluate(() => window.session.ended));
  assert.ok(await a.isVisible("#ended"), "A's banner too");
  assert.equal(await tokenOf(a), null, "A serves nothing");
  assert.equal((await events(a, "ended")).length, 1, "A's log shows the end once");

  // Neither makes a request however it is asked.
  const before = (await env.admin("stats")).total;
  for (const page of [a, b]) {
    await page.click("#get");
    await page.click("#skip");
  }
  await until("the rejections", async () => (await events(a, "error")).filter((e) => e.includes("unauthenticated")).length >= 2);
  await sleep(1100);
  assert.equal((await env.admin("stats")).total, before, "no request after the end");
  noPageErrors(a);
  noPageErrors(b);
});

test("fetchWithAuth(\"/api/me\"): an edge mint of bumped claims gets 401, the retry with a force_origin mint gets 200", async (t) => {
  await env.admin("reset");
  const a = await open(t, "/?sid=sess_api");
  await until("first token", async () => (await tokenOf(a)) !== null);

  // The claims change at origin, and the next mint is an edge mint of the
  // old ones: the session caches it (same oiat, newer iat).
  await sleep(1100);
  await a.click("#bump");
  await until("the bump", async () => (await events(a, "info")).some((e) => e.includes("claims bumped to ver 2")));
  await a.click("#stale");
  await until("stale next", async () => (await env.admin("stats")).config.staleNext === true);
  await a.click("#skip");
  await until("the edge mint", async () => (await events(a, "fetch")).some((e) => e.includes("edge mint")));
  const stale = await tokenOf(a);
  assert.equal(jwt(stale).claims.ver, 1, "the cached token carries the old claims");
  assert.ok(jwt(stale).header.oiat < jwt(stale).claims.iat, "an edge mint");

  const s0 = await env.admin("stats");
  const [mine0, api0] = [await count(a, "mine"), await count(a, "mineapi")];
  const seen = (await log(a)).length;
  await a.click("#me");
  await until("the API's answer", async () => (await a.getAttribute("#me-result", "data-status")) !== null);
  assert.equal(await a.getAttribute("#me-result", "data-status"), "200", await a.textContent("#me-result"));
  assert.match(await a.textContent("#me-result"), /ver 2/);

  // The log: the 401 (stale claims), the force_origin mint, the 200.
  const flow = (await log(a)).slice(seen);
  const refused = flow.findIndex((e) => e.kind === "api" && e.status === "401");
  const mint = flow.findIndex((e, i) => i > refused && e.kind === "refresh" && e.trigger === "skipCache" && e.outcome === "ok");
  const ok = flow.findIndex((e, i) => i > mint && e.kind === "api" && e.status === "200");
  assert.ok(refused >= 0 && mint > refused && ok > mint, `401, force_origin mint, 200: ${JSON.stringify(flow)}`);
  assert.match(flow[refused].text, /401 · claims ver 1, the session's are ver 2/);
  assert.ok(flow[refused].text.includes(stale.slice(-8)), "sent with the cached edge mint");
  assert.match(flow[mint].text, /skipCache \(force_origin\) · attempt 1 · ok 200/);
  assert.ok(flow.some((e) => e.kind === "fetch" && e.text.includes("origin mint · ver 2")), "the origin mint, current claims");

  // The stand-in: two /api/me requests, one refused; one /tokens request, at origin.
  const s1 = await env.admin("stats");
  assert.equal(s1.api - s0.api, 2, "two /api/me requests for the click");
  assert.equal(s1.apiRefused - s0.apiRefused, 1);
  assert.equal(s1.total - s0.total, 1, "total counts /tokens requests only");
  assert.equal(s1.origin - s0.origin, 1, "minted at origin");
  assert.equal(await count(a, "mine") - mine0, 1, "this tab's /tokens counter");
  assert.equal(await count(a, "mineapi") - api0, 2, "this tab's /api/me counter");
  await until("the all-tabs /api/me counter", async () => (await count(a, "apitotal")) === s1.api);
  const now = jwt(await tokenOf(a));
  assert.equal(now.claims.ver, 2, "the session now caches the current claims");
  assert.equal(now.header.oiat, now.claims.iat, "an origin mint");

  await a.screenshot({ path: `${ARTIFACTS}demo-api-me.png`, fullPage: true });
  noPageErrors(a);
});

test("the cache countdown is expiresAt − now, also in a tab whose clock is 2 minutes behind", async (t) => {
  await env.admin("reset");
  const check = async (page, sid) => {
    await until("the token", async () => (await page.$(`#keys tr[data-key="${sid}"]`)) !== null);
    await sleep(300); // a render after the token's arrival
    return page.evaluate(async (sid) => {
      const { token, expiresAt } = await window.session.getTokenInfo();
      const shown = document.querySelector(`#keys tr[data-key="${sid}"] .left`).textContent;
      const exp = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).exp;
      return { expected: (expiresAt - Date.now()) / 1000, shown: parseFloat(shown), fromExp: exp - Date.now() / 1000 };
    }, sid);
  };
  const a = await open(t, "/?sid=sess_clock");
  const plain = await check(a, "sess_clock");
  assert.ok(Math.abs(plain.shown - plain.expected) < 1, `countdown ${plain.shown} s, expiresAt − now ${plain.expected} s`);
  assert.ok(plain.shown > 50 && plain.shown <= 60);

  // Date.now() 120 s behind the stand-in's clock: exp read against it would
  // show about 180 s; the session's expiresAt (skew corrected) still ~60 s.
  const b = await open(t, "/?sid=sess_skew", () => {
    const now = Date.now.bind(Date);
    Date.now = () => now() - 120_000;
  });
  const skewed = await check(b, "sess_skew");
  assert.ok(Math.abs(skewed.shown - skewed.expected) < 1, `countdown ${skewed.shown} s, expiresAt − now ${skewed.expected} s`);
  assert.ok(skewed.shown > 50 && skewed.shown <= 61, `countdown ${skewed.shown} s`);
  assert.ok(skewed.fromExp > 170, `exp − now on the page clock is ${skewed.fromExp} s`);
  assert.equal(await b.$eval(`#keys tr[data-key="sess_skew"]`, (tr) => tr.dataset.state), "fresh");
  noPageErrors(a);
  noPageErrors(b);
});

test("onRefresh: a failing background refresh shows each attempt's status in the log and the latency chart", async (t) => {
  await env.admin("reset");
  const a = await open(t, "/?sid=sess_bg");
  await until("first token", async () => (await tokenOf(a)) !== null);
  await a.selectOption("#lifetime", "20");
  await until("lifetime 20 s", async () => (await env.admin("stats")).config.lifetime === 20);
  await a.click("#skip");
  await until("a 20 s token", async () => {
    const { claims } = jwt(await tokenOf(a));
    return claims.exp - claims.iat === 20;
  });
  await a.selectOption("#failure", "1");
  await until("failures on", async () => (await env.admin("stats")).config.failureRate === 1);

  // At exp − 15 s (about 5 s from now) the session refreshes in the
  // background, and retries while its token is still servable.
  await until("two failed background attempts", async () =>
    (await refreshes(a, "sess_bg", "background")).filter((e) => e.outcome === "error").length >= 2, 12_000);
  const failed = (await refreshes(a, "sess_bg", "background")).filter((e) => e.outcome === "error");
  assert.ok(failed.every((e) => e.status === "500" && e.text.includes("error http_error 500")), JSON.stringify(failed));
  assert.deepEqual(failed.slice(0, 2).map((e) => e.attempt), ["1", "2"], "numbered attempts");
  assert.match(failed[1].text, /sess_bg · background · attempt 2 · error http_error 500 · \d+ ms/);
  assert.notEqual(await tokenOf(a), null, "the stale token is still served");
  const chart = await a.$$eval("#latency-chart circle", (cs) => cs.map((c) => c.dataset.outcome));
  assert.ok(chart.filter((o) => o === "error").length >= 2, `error points: ${chart}`);
  assert.ok(chart.filter((o) => o === "ok").length >= 2, `ok points: ${chart}`);
  assert.equal(await a.$eval("#latency-chart circle[data-outcome=error]", (c) => c.getAttribute("fill")), "#d6453d");

  // The stand-in recovers: the next retry gets the token.
  await a.selectOption("#failure", "0");
  await until("a background refresh that succeeds", async () =>
    (await refreshes(a, "sess_bg", "background")).some((e) => e.outcome === "ok" && e.status === "200"), 10_000);
  assert.ok((await events(a, "background")).length >= 1, "the refreshed token arrived");
  await a.screenshot({ path: `${ARTIFACTS}demo-refresh-failures.png`, fullPage: true });
  noPageErrors(a);
});

test("\"401 everything\" ends the session in every open tab at once: the banner, session.ended, and no more requests", async (t) => {
  await env.admin("reset");
  const a = await open(t, "/?sid=sess_end");
  await until("first token", async () => (await tokenOf(a)) !== null);
  const other = await open(t, "/?sid=sess_end");
  await until("the other tab's token", async () => (await tokenOf(other)) !== null);
  await a.check("#unauth");
  await until("401 on", async () => (await env.admin("stats")).config.unauthorized === true);
  assert.equal(await a.isVisible("#ended"), false, "the tab learns it from its own next request");
  await a.click("#skip");
  await until("the banner", () => a.isVisible("#ended"));
  // The other tab of the session ends at the same moment, without a request.
  await until("the other tab's banner", () => other.isVisible("#ended"), 1000);
  assert.equal(await other.evaluate(() => window.session.ended), true);
  assert.equal((await events(other, "ended")).length, 1);
  const endedAt = (p) => p.evaluate(() => Number(document.documentElement.dataset.endedAt));
  const apart = Math.abs((await endedAt(a)) - (await endedAt(other)));
  assert.ok(apart <= 100, `the tabs ended ${apart} ms apart`);
  assert.equal(await a.evaluate(() => window.session.ended), true);
  assert.equal(await tokenOf(a), null);
  assert.match(await a.textContent("#ended"), /Session ended/);
  assert.equal((await events(a, "ended")).length, 1);
  assert.ok((await refreshes(a, "sess_end")).some((e) => e.outcome === "error" && e.status === "401"), "the 401 in the log");
  assert.match(await a.textContent("#keys"), /session ended/);

  // A tab opened while the stand-in answers 401: its first request ends it,
  // and the page's start-up code throws nothing.
  const b = await open(t, "/?sid=sess_end_2");
  await until("B's banner", () => b.isVisible("#ended"));
  assert.equal(await b.evaluate(() => window.session.ended), true);

  // However the tabs are poked, no more requests.
  const s0 = await env.admin("stats");
  const mine = [await count(a, "mine"), await count(b, "mine")];
  for (const page of [a, b]) {
    await page.click("#get");
    await page.click("#skip");
    await page.click("#fresh");
    await page.click("#me");
    await page.evaluate(() => {
      for (const type of ["focus", "online", "pageshow"]) window.dispatchEvent(new Event(type));
      document.dispatchEvent(new Event("visibilitychange"));
    });
  }
  for (let i = 0; i < 4; i++) {
    await sleep(1000);
    const s = await env.admin("stats");
    assert.equal(s.total, s0.total, `/tokens requests after the end (${i + 1} s)`);
    assert.equal(s.api, s0.api, "no /api/me requests either");
  }
  assert.deepEqual([await count(a, "mine"), await count(b, "mine")], mine);
  for (const page of [a, b]) {
    const rejected = (await events(page, "error")).filter((e) => e.includes("unauthenticated"));
    assert.ok(rejected.length >= 4, `each call rejected: ${rejected}`);
    assert.equal((await events(page, "ended")).length, 1, "the end is reported once");
  }
  await a.screenshot({ path: `${ARTIFACTS}demo-ended.png`, fullPage: true });
  noPageErrors(a);
  noPageErrors(b);
});

test("the stand-in rejects bad input and keeps running; /api/me checks the Bearer token", async () => {
  await env.admin("reset");
  const post = (path, body, type = "application/x-www-form-urlencoded") =>
    fetch(`${env.origin}${path}`, { method: "POST", headers: { "content-type": type }, body });
  assert.equal((await fetch(`${env.origin}/nope`)).status, 404);
  assert.equal((await post("/v1/client/sessions/s/tokens", "organization_id=&token=forged")).status, 400);
  assert.equal((await post("/v1/client/sessions/s/tokens", "{}", "application/json")).status, 400);
  assert.equal((await post("/admin/config", "{nope", "application/json")).status, 400);
  // A page on another origin cannot reconfigure it; its own page can.
  const from = (origin) => fetch(`${env.origin}/admin/config`, { method: "POST", headers: { origin }, body: "{}" });
  assert.equal((await from("https://evil.example")).status, 403, "another origin's page");
  assert.equal((await from(env.origin)).status, 200, "its own page");
  const ok = await post("/v1/client/sessions/s/tokens", "organization_id=");
  assert.equal(ok.status, 200);
  const { jwt } = await ok.json();
  const [h, p] = jwt.split(".").slice(0, 2).map((x) => JSON.parse(Buffer.from(x, "base64url")));
  assert.equal(h.alg, "RS256");
  assert.ok(h.kid && h.oiat === p.iat);
  assert.equal(p.exp - p.iat, 60);
  for (const k of ["sid", "sub", "nbf", "jti", "ver"]) assert.ok(k in p, k);
  const jwks = await (await fetch(`${env.origin}/.well-known/jwks.json`)).json();
  assert.equal(jwks.keys[0].kid, h.kid);

  // /api/me: the claims of a valid token; 401 with the reason otherwise.
  const me = async (token) => {
    const res = await fetch(`${env.origin}/api/me`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json(), challenge: res.headers.get("www-authenticate") };
  };
  const good = await me(jwt);
  assert.equal(good.status, 200);
  assert.deepEqual(good.body, p, "the token's claims");
  assert.equal((await me()).body.reason, "missing_token");
  const forged = `${jwt.split(".").slice(0, 2).join(".")}.${Buffer.from("nope").toString("base64url")}`;
  assert.deepEqual([(await me(forged)).status, (await me(forged)).body.reason], [401, "invalid_token"]);
  const resigned = `${jwt.split(".")[0]}.${Buffer.from(JSON.stringify({ ...p, ver: 99 })).toString("base64url")}.${jwt.split(".")[2]}`;
  assert.equal((await me(resigned)).body.reason, "invalid_token", "claims changed after signing");
  assert.match((await me(forged)).challenge, /^Bearer error="invalid_token"/);
  assert.equal((await fetch(`${env.origin}/api/me`, { method: "POST" })).status, 405);

  // Edge mint: previous claims, new times, oiat carried forward.
  await sleep(1100);
  await fetch(`${env.origin}/admin/bump?sid=s`, { method: "POST", body: "{}" });
  const edge = await (await post("/v1/client/sessions/s/tokens", `organization_id=&token=${jwt}`)).json();
  const [eh, ep] = edge.jwt.split(".").slice(0, 2).map((x) => JSON.parse(Buffer.from(x, "base64url")));
  assert.equal(eh.oiat, h.oiat, "oiat carried forward");
  assert.equal(ep.ver, p.ver, "stale claims");
  assert.ok(ep.iat > p.iat, "new iat");
  const origin = await (await post("/v1/client/sessions/s/tokens?force_origin=true", `organization_id=&token=${jwt}`)).json();
  const [, op] = origin.jwt.split(".").slice(0, 2).map((x) => JSON.parse(Buffer.from(x, "base64url")));
  assert.equal(op.ver, p.ver + 1, "force_origin reads current claims");
  // After the bump the API refuses both tokens of the old claims and takes the origin mint.
  assert.deepEqual([(await me(jwt)).status, (await me(jwt)).body.reason], [401, "stale_claims"]);
  assert.equal((await me(edge.jwt)).body.reason, "stale_claims", "the edge mint of stale claims");
  assert.equal((await me(origin.jwt)).status, 200);

  // An expired token.
  await env.admin("config", { lifetime: 1 });
  const brief = await (await post("/v1/client/sessions/s/tokens?force_origin=true", "organization_id=")).json();
  assert.equal((await me(brief.jwt)).status, 200);
  await sleep(1100);
  assert.equal((await me(brief.jwt)).body.reason, "token_expired");

  // /api/me requests have their own counter; total is /tokens requests only.
  const stats = await env.admin("stats");
  assert.equal(stats.total, 6);
  assert.equal(stats.api, 12);
  assert.equal(stats.apiRefused, 9);
  await env.admin("reset");
  const zero = await env.admin("stats");
  assert.deepEqual([zero.total, zero.api, zero.apiRefused], [0, 0, 0]);
});

test("\"start over\" after \"401 everything\" resets the stand-in: the new session gets a token", async (t) => {
  await env.admin("reset");
  const a = await open(t, "/?sid=sess_over");
  await until("first token", async () => (await tokenOf(a)) !== null);
  await a.check("#unauth");
  await until("401 on", async () => (await env.admin("stats")).config.unauthorized === true);
  await a.click("#skip");
  await until("the banner", () => a.isVisible("#ended"));
  await Promise.all([a.waitForNavigation(), a.click("#restart")]);
  await a.waitForFunction(() => document.documentElement.dataset.ready === "1");
  assert.equal((await env.admin("stats")).config.unauthorized, false, "401 off at the stand-in");
  assert.equal(await a.evaluate(() => window.session.ended), false, "the new session goes on");
  assert.notEqual(await tokenOf(a), null, "with a token");
  assert.equal(await a.isChecked("#unauth"), false, "and the box says so");
  assert.equal(await a.isVisible("#ended"), false);
  noPageErrors(a);
});

test("the controls show the stand-in's settings, whichever tab changed them", async (t) => {
  await env.admin("reset");
  const a = await open(t, "/?sid=sess_controls");
  const b = await open(t, "/?sid=sess_controls");
  await a.selectOption("#lifetime", "30");
  await a.selectOption("#failure", "0.5");
  await a.uncheck("#edge");
  const shown = (p) =>
    p.evaluate(() => ["lifetime", "failure", "edge"].map((id) => {
      const el = document.getElementById(id);
      return el.type === "checkbox" ? el.checked : el.value;
    }).join());
  await until("tab B showing A's settings", async () => (await shown(b)) === "30,0.5,false", 3000);
  // A tab opened after the change shows them at once.
  const c = await open(t, "/?sid=sess_controls");
  assert.equal(await shown(c), "30,0.5,false");
  // A setting the controls have no option for is added, not hidden.
  await env.admin("config", { lifetime: 12, failureRate: 0 });
  await until("the odd lifetime", async () => (await shown(c)) === "12,0,false", 3000);
  noPageErrors(a);
  noPageErrors(b);
  noPageErrors(c);
});

test("the counters of every tab follow a request at once", async (t) => {
  await env.admin("reset");
  const a = await open(t, "/?sid=sess_counts");
  const b = await open(t, "/?sid=sess_counts");
  await until("B's token", async () => (await tokenOf(b)) !== null);
  for (let i = 0; i < 3; i++) {
    const before = (await env.admin("stats")).total;
    await sleep(1100);
    await a.click("#skip");
    // From the moment the stand-in counted it to B showing it.
    const poll = async (fn) => {
      for (;;) {
        if (await fn()) return Date.now();
        await sleep(20);
      }
    };
    const counted = await poll(async () => (await env.admin("stats")).total === before + 1);
    const shown = await poll(async () => (await count(b, "total")) === before + 1);
    assert.ok(shown - counted <= 300, `B's "all tabs" counter followed after ${shown - counted} ms`);
  }
  noPageErrors(a);
  noPageErrors(b);
});

test("expired rows say expired, and every chart has a legend in the one colour language", async (t) => {
  await env.admin("reset");
  await env.admin("config", { lifetime: 6 });
  const a = await open(t, "/?sid=sess_rows");
  await a.fill("#template", "brief");
  await a.click("#get");
  await until("the template row", async () => (await a.$(`#keys tr[data-key="sess_rows-brief"]`)) !== null);
  // Read once, refreshed once, then unread: it lapses.
  await until("the row marked expired", async () =>
    (await a.$eval(`#keys tr[data-key="sess_rows-brief"]`, (tr) => tr.dataset.state)) === "expired", 15_000);
  const text = await a.$eval(`#keys tr[data-key="sess_rows-brief"] .left`, (el) => el.textContent);
  assert.equal(text, "expired", "not a negative countdown");
  // The tokens chart: a legend for each way a token came, in the colours of
  // the points and the log's tags; green only for fresh and ok.
  const colours = await a.evaluate(() => {
    const css = (sel) => getComputedStyle(document.querySelector(sel)).backgroundColor;
    return {
      legend: { fetch: css("#timeline .sw.fetch"), background: css("#timeline .sw.background"), broadcast: css("#timeline .sw.broadcast") },
      fresh: css("#cache .sw.fresh"),
      points: [...document.querySelectorAll("#chart circle")].map((c) => c.getAttribute("fill")),
      okPoint: css("#refreshes .sw.fresh"),
    };
  });
  const hex = (rgb) => "#" + rgb.match(/\d+/g).slice(0, 3).map((n) => Number(n).toString(16).padStart(2, "0")).join("");
  assert.ok(colours.points.length >= 1, "points plotted");
  const legend = Object.values(colours.legend).map(hex);
  assert.ok(colours.points.every((p) => legend.includes(p)), `points ${colours.points} in the legend ${legend}`);
  assert.ok(!legend.includes(hex(colours.fresh)), "no source is drawn in the green of fresh");
  assert.equal(colours.okPoint, colours.fresh, "ok is the green of fresh");
  noPageErrors(a);
});

test("the page holds from 390 to 1600 px wide (screenshots at 390 and 1400)", async (t) => {
  await env.admin("reset");
  const a = await open(t, "/?sid=sess_layout");
  await a.fill("#template", "a-rather-long-template-name");
  await a.click("#get");
  await until("two rows", async () => (await a.$$("#keys tr[data-key]")).length === 2);
  for (const width of [390, 800, 1400, 1600]) {
    await a.setViewportSize({ width, height: 900 });
    await sleep(300);
    const fit = await a.evaluate(() => {
      const out = [];
      const page = document.documentElement.scrollWidth;
      for (const panel of document.querySelectorAll(".panel")) {
        const box = panel.getBoundingClientRect();
        // What shows inside a panel stays inside it (a wide table scrolls in its own box).
        for (const el of panel.querySelectorAll(".scroll, h2, .row, p, svg")) {
          const r = el.getBoundingClientRect();
          if (r.right > box.right + 1) out.push(`${el.tagName}.${el.className} ends at ${r.right} > ${box.right}`);
        }
      }
      return { page, view: window.innerWidth, out };
    });
    assert.ok(fit.page <= fit.view, `${width} px: the page is ${fit.page} px wide`);
    assert.deepEqual(fit.out, [], `${width} px`);
    if (width === 390 || width === 1400) await a.screenshot({ path: `${ARTIFACTS}demo-${width}.png`, fullPage: true });
  }
  noPageErrors(a);
});

// Issue 28's five defects, each shown fixed, and the session's status (SPEC
// 11.3) with its error's where and why.

test("the time left is written beside its bar, never over it, at every width", async (t) => {
  await env.admin("reset");
  const a = await open(t, "/?sid=sess_bar");
  await until("a row", async () => (await a.$$("#keys tr[data-key]")).length === 1);
  for (const width of [390, 800, 1400, 1600]) {
    await a.setViewportSize({ width, height: 900 });
    await sleep(300);
    const overlap = await a.$$eval("#keys tr[data-key]", (rows) => rows.map((row) => {
      const bar = row.querySelector(".bar").getBoundingClientRect();
      const label = row.querySelector(".left").getBoundingClientRect();
      return label.left < bar.right && label.right > bar.left && label.top < bar.bottom && label.bottom > bar.top;
    }));
    assert.deepEqual(overlap, [false], `${width} px: the label overlaps the bar`);
  }
  noPageErrors(a);
});

test("the inputs' placeholders show whole at 390 px", async (t) => {
  await env.admin("reset");
  const a = await open(t, "/?sid=sess_placeholder");
  await a.setViewportSize({ width: 390, height: 900 });
  await sleep(200);
  const cut = await a.$$eval("#template, #org", (inputs) => inputs.map((input) => {
    const style = getComputedStyle(input);
    const ctx = document.createElement("canvas").getContext("2d");
    ctx.font = `${style.fontSize} ${style.fontFamily}`;
    const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return ctx.measureText(input.placeholder).width > room ? `${input.id}: "${input.placeholder}"` : null;
  }));
  assert.deepEqual(cut.filter(Boolean), [], "a placeholder is cut");
  noPageErrors(a);
});

test("the getToken() button calls getToken, and the log says so", async (t) => {
  await env.admin("reset");
  const a = await open(t, "/?sid=sess_button");
  assert.equal(await a.textContent("#get"), "getToken()");
  await a.evaluate(() => {
    window.calls = [];
    for (const name of ["getToken", "getTokenInfo"]) {
      const real = window.session[name].bind(window.session);
      window.session[name] = (...args) => (window.calls.push(name), real(...args));
    }
  });
  await a.click("#get");
  await until("the call's log entry", async () => (await events(a, "info")).some((e) => e.includes("getToken({}) →")));
  assert.deepEqual(await a.evaluate(() => window.calls), ["getToken"]);
  noPageErrors(a);
});

test("the stand-in's switches say they act on every tab and session", async (t) => {
  await env.admin("reset");
  const a = await open(t, "/?sid=sess_labels");
  const heading = await a.locator("#controls h2", { hasText: "Frontend API stand-in" }).textContent();
  assert.match(heading, /shared by every tab and session/);
  assert.match(await a.textContent("#ratelimit"), /any tab/);
  assert.match(await a.textContent("label:has(#unauth)"), /every tab/);
  noPageErrors(a);
});

test("a tab whose token came from another tab says so where its requests would be", async (t) => {
  await env.admin("reset");
  const a = await open(t, "/?sid=sess_handed");
  await until("a's token", async () => (await tokenOf(a)) !== null);
  const b = await open(t, "/?sid=sess_handed");
  await until("b's token", async () => (await tokenOf(b)) !== null);
  assert.equal(await count(b, "mine"), 0, "b sent no request");
  const text = await b.textContent("#latency-chart");
  assert.match(text, /came from another tab/);
  assert.doesNotMatch(text, /yet/);
  noPageErrors(a);
  noPageErrors(b);
});

test("the status shows ready with the countdown, then the error with its URL and reason, then ready again", async (t) => {
  await env.admin("reset");
  const a = await open(t, "/?sid=sess_status");
  const status = () => a.$eval("#status", (el) => ({ status: el.dataset.status, text: el.textContent }));
  await until("ready", async () => (await status()).status === "ready");
  assert.match((await status()).text, /expires in \d+ s/);
  // The stand-in fails; the cache is cleared and a call fails: the session
  // has no token and keeps trying (SPEC 11.2), and the status says why.
  await env.admin("config", { failureRate: 1 });
  await a.click("#clear");
  await a.click("#get");
  await until("error", async () => (await status()).status === "error", 10_000);
  const shown = (await status()).text;
  assert.match(shown, /http_error · 500 · internal_clerk_error/);
  assert.ok(shown.includes(`${env.origin}/v1/client/sessions/sess_status/tokens`), shown);
  await a.screenshot({ path: `${ARTIFACTS}demo-status-error.png`, fullPage: true });
  await env.admin("config", { failureRate: 0 });
  await until("ready again, with no click", async () => (await status()).status === "ready", 50_000);
  noPageErrors(a);
});
