// The measures taken of both libraries the same way: awaited cache-hit
// getToken() latency on a signed-in page, and /tokens requests per refresh
// cycle with several tabs of one browser.
import { median } from "./cold.mjs";

/**
 * `rounds` rounds of `calls` awaited `window.__getToken()` calls on `page`
 * (a warm-up round first), each result compared with the cached token:
 * median ns per call.
 */
export const hits = (page, rounds = 21, calls = 1000) =>
  page.evaluate(
    async ({ rounds, calls }) => {
      const expected = await window.__getToken();
      const round = async () => {
        let wrong = 0;
        const t0 = performance.now();
        for (let i = 0; i < calls; i++) wrong += (await window.__getToken()) === expected ? 0 : 1;
        const ns = ((performance.now() - t0) * 1e6) / calls;
        if (wrong) throw new Error(`${wrong} getToken() results differ from the cached token`);
        return ns;
      };
      await round();
      const ns = [];
      for (let r = 0; r < rounds; r++) ns.push(await round());
      ns.sort((a, b) => a - b);
      return { medianNs: ns[Math.floor(rounds / 2)], rounds, callsPerRound: calls };
    },
    { rounds, calls },
  );

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `tabs` tabs of one fresh context of `browser`, opened together with
 * `openTab(context, i, onTokens)` (which resolves once the tab holds its
 * first token, to the number of Frontend API requests the tab made, if it
 * counts more than /tokens), then `windowMs` of watching: every /tokens
 * request, grouped into refresh cycles (bursts more than 1 s apart).
 */
export async function perCycle(browser, openTab, { tabs = 3, windowMs = 15_000 } = {}) {
  const context = await browser.newContext();
  try {
    const times = [];
    const made = await Promise.all(Array.from({ length: tabs }, (_, i) => openTab(context, i, () => times.push(Date.now()))));
    const atLoad = times.length;
    const apiAtLoad = made.every((n) => typeof n === "number") ? made.reduce((a, n) => a + n, 0) : atLoad;
    const start = Date.now();
    await sleep(windowMs);
    const seen = times.slice(atLoad).filter((t) => t - start <= windowMs);
    const bursts = [];
    for (const t of seen) {
      if (bursts.length && t - bursts.at(-1).at(-1) <= 1000) bursts.at(-1).push(t);
      else bursts.push([t]);
    }
    const gaps = bursts.slice(1).map((b, i) => (b[0] - bursts[i][0]) / 1000);
    return {
      tabs,
      windowS: windowMs / 1000,
      tokensAtLoad: atLoad,
      apiRequestsAtLoad: apiAtLoad,
      requests: seen.length,
      cycles: bursts.length,
      requestsPerCycle: bursts.length ? +(seen.length / bursts.length).toFixed(2) : null,
      cycleS: gaps.length ? +median(gaps).toFixed(2) : null,
    };
  } finally {
    await context.close();
  }
}
