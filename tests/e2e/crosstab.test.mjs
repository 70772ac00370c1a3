// Several pages of one origin, one Frontend API stand-in, counting /tokens
// requests: cross-tab sync, single flight and the oiat guard in a real browser.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, sleep, failOnPageErrors } from "./support.mjs";

let env;
before(async () => {
  env = await launch();
});
failOnPageErrors(() => env);
after(async () => {
  await env?.close();
});

// s; the refresh window is min(15 s, half the lifetime), so a cycle is 6 s.
const LIFETIME = 12;
const CYCLE = LIFETIME - Math.min(15, LIFETIME / 2);

test("three tabs cold-started within 100 ms make exactly one request", async () => {
  await env.admin("reset");
  const pages = await Promise.all([1, 2, 3].map(() => env.open("/e2e.html?sid=sess_cold")));
  const tokens = await Promise.all(pages.map((p, i) => sleep(i * 40).then(() => p.evaluate(() => window.take()))));
  const stats = await env.admin("stats");
  assert.equal(stats.total, 1, `requests: ${JSON.stringify(stats)}`);
  assert.ok(tokens.every((t) => t === tokens[0]), "every tab holds the one minted token");
  await Promise.all(pages.map((p) => p.close()));
});

test("refresh cycles: the tabs together make one request per cycle", async () => {
  const sid = "sess_cycles";
  const measure = async (n) => {
    await env.admin("reset");
    await env.admin("config", { lifetime: LIFETIME });
    const pages = [];
    for (let i = 0; i < n; i++) pages.push(await env.open(`/e2e.html?sid=${sid}_${n}`));
    // Every page reads its token every 250 ms, as an app would.
    await Promise.all(pages.map((p) => p.evaluate(() => { window.poll = setInterval(() => window.take(), 250); return window.take(); })));
    const start = (await env.admin("stats")).total;
    const cycles = 3;
    await sleep((cycles * CYCLE + 1) * 1000);
    const total = (await env.admin("stats")).total - start;
    const served = (await Promise.all(pages.map((p) => p.evaluate(() => window.served)))).flat();
    await Promise.all(pages.map((p) => p.close()));
    return { total, cycles, served };
  };
  const one = await measure(1);
  const three = await measure(3);
  const ratio = three.total / three.cycles;
  console.log(
    `refresh cycles (${CYCLE} s each): 3 tabs made ${three.total} requests in ${three.cycles} cycles ` +
      `(${ratio.toFixed(2)} per cycle); 1 tab made ${one.total}`,
  );
  assert.ok(three.total <= three.cycles + 1, `3 tabs: ${three.total} requests for ${three.cycles} cycles`);
  assert.ok(three.total >= three.cycles, "tokens were refreshed every cycle");
  assert.ok(three.total <= one.total + 1, "three tabs cost what one tab costs");
  const worst = Math.min(...three.served.concat(one.served).map((s) => s.remaining));
  assert.ok(worst > 5, `a page was served a token with ${worst.toFixed(2)} s left`);
  assert.ok(three.served.length > 50, "pages kept reading tokens");
});

test("a token with stale oiat never replaces the fresher token in any tab", async () => {
  await env.admin("reset");
  const sid = "sess_guard";
  const pages = [];
  for (let i = 0; i < 3; i++) pages.push(await env.open(`/e2e.html?sid=${sid}`));
  await pages[0].evaluate(() => window.take()); // origin mint: oldest claims
  await sleep(1100);
  const fresh = await pages[0].evaluate(() => window.take({ skipCache: true })); // newer origin mint
  await sleep(300);
  for (const p of pages) assert.equal(await p.evaluate(() => window.session.peekToken()), fresh, "all tabs adopted the fresher token");
  // The next mint is an edge mint of the oldest claims: fresh iat, stale oiat.
  await sleep(1100); // JWT times are whole seconds: make its iat newer
  await env.admin("config", { staleNext: true });
  const stale = await pages[1].evaluate(() => window.session.getToken({ skipCache: true }));
  const [freshOiat, staleOiat, staleIat, freshIat] = await pages[1].evaluate(
    ([f, s]) => [window.lib.header(f).oiat, window.lib.header(s).oiat, window.lib.claims(s).iat, window.lib.claims(f).iat],
    [fresh, stale],
  );
  assert.ok(staleOiat < freshOiat && staleIat > freshIat, "the edge token has newer iat but staler claims");
  // Another library (or a buggy tab) broadcasts it anyway, in clerk-js's shape.
  await pages[1].evaluate((tokenRaw) => {
    const ch = new BroadcastChannel("clerk:session_token");
    ch.postMessage({ tokenId: "sess_guard", tokenRaw, sessionId: "sess_guard", template: undefined, organizationId: null, traceId: "bc_1_x" });
    ch.close();
  }, stale);
  await sleep(300);
  for (const p of pages) assert.equal(await p.evaluate(() => window.session.peekToken()), fresh, "no tab took the stale token");
  await Promise.all(pages.map((p) => p.close()));
});

test("clerk-js interop: raw clerk-shaped messages are adopted and ours pass clerk's receive rule", async () => {
  await env.admin("reset");
  const [a, b] = [await env.open("/e2e.html?sid=sess_interop"), await env.open("/e2e.html?sid=sess_interop")];
  // Listen like clerk-js does.
  await b.evaluate(() => {
    window.seen = [];
    const ch = new BroadcastChannel("clerk:session_token");
    ch.onmessage = (e) => {
      const { tokenId, sessionId, template, organizationId, tokenRaw, traceId } = e.data;
      const expected = [sessionId, template, organizationId].filter(Boolean).join("-");
      window.seen.push({ ok: tokenId === expected, tokenRaw, traceId, keys: Object.keys(e.data).sort().join() });
    };
  });
  const t = await a.evaluate(() => window.take({ organizationId: "org_1" }));
  await sleep(300);
  const seen = await b.evaluate(() => window.seen);
  assert.equal(seen.length, 1);
  assert.ok(seen[0].ok, "tokenId matches clerk-js's rule");
  assert.equal(seen[0].tokenRaw, t);
  assert.match(seen[0].traceId, /^bc_\d+_[0-9a-z]+$/);
  assert.equal(seen[0].keys, "organizationId,sessionId,template,tokenId,tokenRaw,traceId");
  // A message posted by a raw BroadcastChannel in clerk's shape is adopted.
  const minted = await a.evaluate(async () => {
    const res = await fetch("/v1/client/sessions/sess_interop/tokens", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "organization_id=" });
    const { jwt } = await res.json();
    const ch = new BroadcastChannel("clerk:session_token");
    ch.postMessage({ tokenId: "sess_interop", tokenRaw: jwt, sessionId: "sess_interop", organizationId: null, traceId: `bc_${Date.now()}_abc` });
    ch.close();
    return jwt;
  });
  await sleep(300);
  const before = (await env.admin("stats")).total;
  assert.equal(await b.evaluate(() => window.take()), minted, "adopted without a request");
  assert.equal((await env.admin("stats")).total, before);
  await Promise.all([a.close(), b.close()]);
});
