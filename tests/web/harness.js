// Test support for the browser tests: the library as JS sees it, a fake
// clock over Date.now/setTimeout, a scripted Frontend API behind an injected
// fetch, and JWT minting. Scenarios throw on failure.

/** The wasm-bindgen glue of this very test page: the exports exactly as JS sees them. */
export async function lib() {
  // The runner's page imports "./wasm-bindgen-test"; the same URL yields the
  // same, already initialised module instance.
  return import(new URL("/wasm-bindgen-test", location.href).href);
}

export function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

export function eq(actual, expected, msg) {
  if (actual !== expected) {
    throw new Error(`${msg}: expected ${short(expected)}, got ${short(actual)}`);
  }
}

function short(v) {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s && s.length > 60 ? `${s.slice(0, 28)}…${s.slice(-28)}` : s;
}

const b64 = (obj) =>
  btoa(JSON.stringify(obj)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** A JWT with header oiat (omitted when null) and the given claims. */
export function jwt({ iat, exp, oiat = iat, sid = "sess_1", ...rest }) {
  const header = { alg: "RS256", typ: "JWT" };
  if (oiat !== null) header.oiat = oiat;
  return `${b64(header)}.${b64({ sid, iat, exp, ...rest })}.c2ln`;
}

export function claims(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part));
}

/** Settles pending promise chains using the real (saved) timer. */
export const realSetTimeout = globalThis.setTimeout.bind(globalThis);
export const realClearTimeout = globalThis.clearTimeout.bind(globalThis);

// Every uncaught error and unhandled rejection in the page, from the moment
// the tests load (SPEC 5: the library leaves none): each test fails on what
// surfaced while it ran (see `pageErrors`).
const uncaught = [];
const describeError = (e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
addEventListener("unhandledrejection", (e) => uncaught.push(`unhandled rejection: ${describeError(e.reason)}`));
addEventListener("error", (e) => uncaught.push(`uncaught: ${describeError(e.error ?? e.message)}`));

/**
 * What the page reported uncaught since the last call ("" for nothing),
 * once rejections left unhandled by the test just run have surfaced (they
 * are reported a task after the microtasks that could handle them).
 */
export async function pageErrors() {
  await new Promise((r) => realSetTimeout(r, 0));
  await new Promise((r) => realSetTimeout(r, 0));
  return uncaught.splice(0).join("\n");
}
// Lock requests are answered through the browser process; a lock query
// queued behind them returns once they are, so a fake clock never outruns a
// pending grant.
export async function flush() {
  for (let i = 0; i < 2; i++) {
    await navigator.locks?.query();
    await new Promise((r) => realSetTimeout(r, 0));
  }
}

/** Names of the Web Locks held or requested in this origin. */
export async function heldLocks() {
  const { held = [], pending = [] } = (await navigator.locks?.query()) ?? {};
  return [...held, ...pending].map((l) => l.name);
}

/**
 * Replaces Date.now, setTimeout and clearTimeout, as @sinonjs/fake-timers
 * does, so that minutes of token life pass in milliseconds.
 */
export class FakeClock {
  constructor(startMs = 1_700_000_000_000) {
    this.now = startMs;
    this.timers = new Map();
    this.nextId = 1;
  }
  install() {
    this.saved = { now: Date.now, setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
    Date.now = () => this.now;
    globalThis.setTimeout = (fn, ms = 0) => {
      const id = this.nextId++;
      this.timers.set(id, { at: this.now + Math.max(0, Number(ms) || 0), fn });
      return id;
    };
    globalThis.clearTimeout = (id) => void this.timers.delete(id);
    return this;
  }
  uninstall() {
    Date.now = this.saved.now;
    globalThis.setTimeout = this.saved.setTimeout;
    globalThis.clearTimeout = this.saved.clearTimeout;
  }
  get nowSec() {
    return this.now / 1000;
  }
  /**
   * Moves the clock `ms` on without firing any timer, as a throttled
   * (hidden, sleeping) tab sees it; a later tick fires the ones due.
   */
  jump(ms) {
    this.now += ms;
  }
  /**
   * Sets the wall clock back `ms` (Date.now() jumps back; no time passes):
   * timers armed before still fire after their delay, as real ones do.
   */
  stepBack(ms) {
    this.now -= ms;
    for (const t of this.timers.values()) t.at -= ms;
  }
  /** Advances `ms`, firing due timers in order and settling promises between them. */
  async tick(ms) {
    const target = this.now + ms;
    for (;;) {
      await flush();
      let next = null;
      for (const [id, t] of this.timers) {
        if (t.at <= target && (!next || t.at < next.t.at)) next = { id, t };
      }
      if (!next) break;
      this.timers.delete(next.id);
      this.now = Math.max(this.now, next.t.at);
      next.t.fn();
    }
    this.now = target;
    await flush();
  }
}

/**
 * A scripted Frontend API behind `fetch`. Each request takes the next
 * scripted step, or mints a fresh origin token when the script is empty.
 * Steps: {status, body, headers}, {token}, {throws}, {hold: true}.
 */
export class FakeApi {
  constructor(clock, { lifetime = 60, realResponses = false, serverBehind = 0 } = {}) {
    this.clock = clock;
    // The server's clock reads this many seconds less than the page's.
    this.serverBehind = serverBehind;
    // Chromium reads a real Response body a task or more later, which races a
    // fake clock; duck-typed responses keep timelines deterministic, and the
    // tests that opt in check real Responses work too.
    this.realResponses = realResponses;
    this.lifetime = lifetime;
    this.requests = [];
    this.script = [];
    this.held = [];
    this.minted = 0;
    this.fetch = (url, init) => this.handle(url, init);
  }
  mint(extra = {}) {
    const iat = Math.floor(this.clock.nowSec - this.serverBehind);
    this.minted++;
    return jwt({ iat, exp: iat + this.lifetime, n: this.minted, ...extra });
  }
  respondWith(...steps) {
    this.script.push(...steps);
    return this;
  }
  async handle(url, init) {
    const body = new URLSearchParams(init.body);
    this.requests.push({ url, method: init.method, headers: new Headers(init.headers), credentials: init.credentials, signal: init.signal, rawBody: init.body, body, at: this.clock.now });
    const step = this.script.length ? this.script.shift() : { token: this.mint() };
    if (step.hold) {
      // Held until released, or aborted: then it rejects as fetch does.
      return new Promise((resolve, reject) => {
        const held = { resolve, reject };
        this.held.push(held);
        init.signal?.addEventListener("abort", () => {
          this.held = this.held.filter((h) => h !== held);
          reject(new DOMException("The operation was aborted.", "AbortError"));
        });
      });
    }
    return this.toResponse(step);
  }
  toResponse(step) {
    if (step.throws) throw new TypeError(step.throws);
    const [body, status, headers] =
      step.token !== undefined
        ? [JSON.stringify({ object: "token", jwt: step.token }), 200, {}]
        : [step.body ?? "{}", step.status ?? 200, step.headers ?? {}];
    if (this.realResponses) return new Response(body, { status, headers });
    return { status, headers: new Headers(headers), text: async () => body };
  }
  /** Answers the oldest held request with `step` (default: a fresh token). */
  release(step = { token: this.mint() }) {
    const h = this.held.shift();
    assert(h, "no held request to release");
    try {
      h.resolve(this.toResponse(step));
    } catch (e) {
      h.reject(e);
    }
  }
}

/** Options for a session against `api`, with no cross-tab channel unless given. */
export function options(api, extra = {}) {
  return {
    frontendApi: "https://fapi.test",
    sessionId: "sess_1",
    fetch: api.fetch,
    broadcastChannel: null,
    ...extra,
  };
}

/** Rejection of `promise`, or a failure if it resolves. */
export async function rejection(promise, msg) {
  try {
    const v = await promise;
    throw new Error(`${msg}: expected a rejection, got ${short(v)}`);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(`${msg}: expected a rejection`)) throw e;
    return e;
  }
}

/** Whether `p` has settled after pending work ran. */
export async function settled(p) {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  await flush();
  return done;
}

/** Runs `fn(ctx)` with a fake clock installed and every session disposed after. */
export async function scenario(fn, { lifetime = 60, realResponses = false, serverBehind = 0 } = {}) {
  const { Session } = await lib();
  const clock = new FakeClock().install();
  const api = new FakeApi(clock, { lifetime, realResponses, serverBehind });
  const sessions = [];
  const make = (extra = {}) => {
    const s = new Session(options(api, extra));
    sessions.push(s);
    return s;
  };
  try {
    // A hung scenario must fail alone, not stall the whole browser run.
    let timer;
    await Promise.race([
      fn({ Session, clock, api, make }),
      new Promise((_, reject) => (timer = realSetTimeout(() => reject(new Error("scenario timed out")), 20_000))),
    ]).finally(() => realClearTimeout(timer));
  } finally {
    for (const s of sessions) s.dispose();
    clock.uninstall();
    await flush();
    eq((await heldLocks()).join(), "", "every lock released");
  }
}

export async function waitFor(pred, msg) {
  for (let i = 0; i < 50; i++) {
    if (pred()) return;
    await flush();
  }
  throw new Error(`timed out waiting for ${msg}`);
}

/** The fake clock fires timers in order and restores the real globals. */
export async function harness_fake_clock_fires_timers_in_order() {
  const realNow = Date.now;
  const clock = new FakeClock(1000).install();
  const fired = [];
  setTimeout(() => fired.push("b"), 20);
  setTimeout(() => fired.push("a"), 10);
  const c = setTimeout(() => fired.push("c"), 5);
  clearTimeout(c);
  await clock.tick(15);
  eq(fired.join(","), "a", "only due timers fire");
  eq(Date.now(), 1015, "Date.now follows the clock");
  await clock.tick(10);
  eq(fired.join(","), "a,b", "in order");
  clock.uninstall();
  eq(Date.now, realNow, "Date.now restored");
}
