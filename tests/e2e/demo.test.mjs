// The demo page in two tabs, driven through its controls; asserts what the
// pages show and saves screenshots under artifacts/ (git-ignored).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, sleep, ARTIFACTS } from "./support.mjs";

let env;
before(async () => {
  env = await launch();
});
after(async () => {
  await env?.close();
});

const events = (page, kind) => page.$$eval(`#log li[data-kind="${kind}"]`, (els) => els.map((e) => e.textContent));
const tokenOf = (page) => page.evaluate(() => window.session.peekToken());
const until = async (what, fn) => {
  for (let i = 0; i < 50; i++) {
    if (await fn()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
};

test("two demo tabs: adoption, the oiat guard, and the request counter", async () => {
  await env.admin("reset");
  const a = await env.open("/?sid=sess_demo");
  await until("tab A's first token", async () => (await events(a, "fetch")).length === 1);
  const b = await env.open("/?sid=sess_demo");
  // B starts while A's token is fresh: B's own first mint, shared by A via broadcast.
  await until("tab B's token", async () => (await tokenOf(b)) !== null);

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
  await a.click("#stale");
  await a.click("#skip");
  await until("A's skipCache call", async () => (await events(a, "info")).some((t) => t.includes('"skipCache":true') && t.includes("→")));
  assert.equal(await tokenOf(a), fresh, "A's cache kept the fresher claims");
  assert.equal(await tokenOf(b), fresh, "B never saw it");

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
  await Promise.all([a.close(), b.close()]);
});

test("fault injection: a 401 evicts, failures are retried until the stand-in recovers", async () => {
  await env.admin("reset");
  const a = await env.open("/?sid=sess_faults");
  await until("first token", async () => (await tokenOf(a)) !== null);
  await a.check("#unauth");
  await a.click("#skip");
  await until("the 401", async () => (await events(a, "error")).some((e) => e.includes("unauthenticated 401")));
  await a.uncheck("#unauth");
  await a.selectOption("#failure", "1");
  await a.fill("#template", "tmpl");
  await a.click("#get");
  await until("retries", async () => (await env.admin("stats")).failed >= 3);
  await a.selectOption("#failure", "0");
  await until("the template token after retries", async () => (await events(a, "fetch")).some((e) => e.includes("sess_faults-tmpl")));
  assert.equal(await tokenOf(a), null, "the 401 evicted the session token");
  await a.close();
});

test("the stand-in rejects bad input and keeps running", async () => {
  const post = (path, body, type = "application/x-www-form-urlencoded") =>
    fetch(`${env.origin}${path}`, { method: "POST", headers: { "content-type": type }, body });
  assert.equal((await fetch(`${env.origin}/nope`)).status, 404);
  assert.equal((await post("/v1/client/sessions/s/tokens", "organization_id=&token=forged")).status, 400);
  assert.equal((await post("/v1/client/sessions/s/tokens", "{}", "application/json")).status, 400);
  assert.equal((await post("/admin/config", "{nope", "application/json")).status, 400);
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
});
