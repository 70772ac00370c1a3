// SPEC 10 in a real browser: pages of one origin against the stand-in. A
// page opened while another holds a token gets it from that page with no
// /tokens request; a 401 in one page ends the session in all of them; and
// a page alone is not slowed by asking.
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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test("pages opened while another holds the token get it from that page: no request, within 15 ms of new Session()", async () => {
  await env.admin("reset");
  const first = await env.open("/e2e.html?sid=sess_handover");
  const held = await first.evaluate(() => window.take());
  const totals = [], handovers = [];
  for (let i = 0; i < 5; i++) {
    const page = await env.open("/e2e.html?sid=sess_handover&first=1");
    const { token, ms, total } = await page.evaluate(() => window.start());
    assert.equal(token, held, `page ${i + 2} was handed the open page's token`);
    totals.push(total);
    handovers.push(ms);
    await page.close();
  }
  const stats = await env.admin("stats");
  assert.equal(stats.total, 1, `/tokens requests: ${JSON.stringify(stats)}`);
  // Milliseconds from just before new Session() to the token in hand (the
  // constructor's first run in a new page, one round trip on the channel,
  // the first run of the code that adopts the token), and from the
  // constructor's return.
  console.log(`second tab: new Session() → first token ${totals.map((t) => t.toFixed(1)).join(", ")} ms; ` +
    `from the constructor's return ${handovers.map((t) => t.toFixed(1)).join(", ")} ms`);
  assert.ok(median(totals) <= 15, `new Session() → first token: ${totals.join(", ")} ms`);
  await first.close();
});

test("a 401 in one page ends the session in every page within 100 ms, and none requests again", async () => {
  await env.admin("reset");
  const pages = [];
  for (let i = 0; i < 3; i++) pages.push(await env.open("/e2e.html?sid=sess_end"));
  await Promise.all(pages.map((p) => p.evaluate(() => window.take())));
  await env.admin("config", { unauthorized: true });
  const code = await pages[0].evaluate(() => window.session.getToken({ skipCache: true }).catch((e) => e.code));
  assert.equal(code, "unauthenticated");
  await sleep(300);
  const ends = await Promise.all(pages.map((p) => p.evaluate(() => ({ ended: window.session.ended, at: window.endedAt }))));
  assert.ok(ends.every((e) => e.ended), `ended: ${JSON.stringify(ends)}`);
  const spread = Math.max(...ends.map((e) => e.at)) - Math.min(...ends.map((e) => e.at));
  console.log(`session end: every page within ${spread} ms of the first`);
  assert.ok(spread <= 100, `ends spread over ${spread} ms`);
  const before = (await env.admin("stats")).total;
  await Promise.all(pages.map((p) => p.evaluate(() => window.session.getToken().catch((e) => e.code))));
  await sleep(1500);
  assert.equal((await env.admin("stats")).total, before, "no request after the end");
  await env.admin("config", { unauthorized: false });
  await Promise.all(pages.map((p) => p.close()));
});

test("a page alone is at most 5 ms slower to its first token than with broadcastChannel: null", async () => {
  await env.admin("reset");
  const timings = { own: [], none: [] };
  const totals = { own: [], none: [] };
  for (let i = 0; i < 15; i++) {
    for (const kind of i % 2 ? ["own", "none"] : ["none", "own"]) {
      const channel = kind === "none" ? "&channel=none" : "";
      const page = await env.open(`/e2e.html?sid=sess_alone_${kind}_${i}&first=1${channel}`);
      const first = await page.evaluate(() => window.start());
      timings[kind].push(first.ms);
      totals[kind].push(first.total);
      await page.close();
    }
  }
  const diff = median(timings.own) - median(timings.none);
  console.log(
    `a page alone, construction → first token (median of 15): ${median(timings.own).toFixed(1)} ms, ` +
      `with broadcastChannel: null ${median(timings.none).toFixed(1)} ms, difference ${diff.toFixed(1)} ms ` +
      `(with the constructor: ${median(totals.own).toFixed(1)} against ${median(totals.none).toFixed(1)} ms)`,
  );
  assert.ok(diff <= 5, `${diff.toFixed(1)} ms slower`);
});
