// The demo page: one Session against the stand-in on this origin, its cache,
// the tokens it held, its /tokens requests and every event, live. Plain DOM,
// no framework.
import init, { Session, SessionError, pickFreshestJwt } from "/pkg/index.js";

const $ = (id) => document.getElementById(id);
const decode = (part) => JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
const parse = (t) => ({ header: decode(t.split(".")[0]), claims: decode(t.split(".")[1]) });
const clock = (s) => new Date(s * 1000).toLocaleTimeString([], { hour12: false });
const short = (t) => `…${t.slice(-8)}`;
const failure = (e) => (e instanceof SessionError ? `${e.code}${e.status ? ` ${e.status}` : ""}` : String(e?.message ?? e));

await init();
const sid = new URLSearchParams(location.search).get("sid") ?? "sess_demo";
$("sid").textContent = sid;
// A name for this tab, so that the log can say which tab a token came from.
const tab = `tab ${Math.random().toString(36).slice(2, 5).toUpperCase()}`;
$("tab").textContent = tab;

// The demo's own channel, beside the library's: each tab says which tokens
// it minted, and a tab that opens asks, so that a token from another tab is
// logged with the name of the tab that minted it.
const minters = new Map(); // token → the tab that minted it
const unnamed = new Map(); // token → log entries that await its minter's name
const tabs = new BroadcastChannel(`demo:tabs:${sid}`);
const mintedHere = [];
tabs.onmessage = ({ data }) => {
  if (data?.hello) tabs.postMessage({ tab, tokens: mintedHere });
  for (const token of data?.tokens ?? []) {
    minters.set(token, data.tab);
    for (const li of unnamed.get(token) ?? []) li.lastChild.textContent = li.lastChild.textContent.replace("another tab", data.tab);
    unnamed.delete(token);
  }
  // Another tab's activity: the counters of every tab follow at once.
  stats();
};
tabs.postMessage({ hello: true, tab, tokens: [] });

// What a request the session sends is: a /tokens request (the token layer's
// own), or one of the app's, sent by fetchWithAuth (a Request).
const TOKENS = /^\/v1\/client\/sessions\/[^/]+\/tokens(?:\/[^/]+)?$/;
const urlOf = (input) => new URL(input instanceof Request ? input.url : String(input), location.href);

let mine = 0; // this tab's /tokens requests
let mineApi = 0; // this tab's /api/me requests
const session = new Session({
  frontendApi: location.origin,
  sessionId: sid,
  // Count this tab's own requests on their way out, and show what the API
  // answers each one (fetchWithAuth returns only the last response).
  fetch: async (input, init) => {
    const url = urlOf(input);
    if (TOKENS.test(url.pathname)) {
      mine++;
      $("mine").textContent = mine;
      return fetch(input, init);
    }
    if (url.pathname !== "/api/me") return fetch(input, init);
    mineApi++;
    $("mineapi").textContent = mineApi;
    const bearer = (input instanceof Request ? input.headers : new Headers(init?.headers)).get("authorization") ?? "";
    const sent = `GET ${url.pathname} (Bearer ${short(bearer)})`;
    try {
      const res = await fetch(input, init);
      // Why a 401: the stand-in says so in its challenge (read at once, so
      // that the log keeps the order things happened in).
      const why = res.headers.get("www-authenticate")?.match(/error_description="([^"]*)"/)?.[1];
      log("api", `${sent} → ${res.status}${why ? ` · ${why}` : ""}`, { status: res.status });
      return res;
    } catch (e) {
      log("api", `${sent} failed: ${failure(e)}`, { status: "" });
      throw e;
    }
  },
});
window.session = session;

const cache = new Map(); // tokenId → { token, expiresAt }, from onTokenUpdate / getTokenInfo
const held = []; // every token this tab held: { iat, oiat, source }
const refreshes = []; // every settled /tokens request: RefreshEvent + { at }

function log(kind, text, data = {}) {
  const li = document.createElement("li");
  li.dataset.kind = kind;
  Object.assign(li.dataset, data);
  const cls = data.outcome ? `${kind} ${data.outcome}` : kind;
  li.innerHTML = `<time>${clock(Date.now() / 1000)}</time><span class="tag ${cls}">${kind}</span><span></span>`;
  li.lastChild.textContent = text;
  $("log").prepend(li);
  while ($("log").children.length > 200) $("log").lastChild.remove();
  return li;
}

session.onTokenUpdate(({ tokenId, token, source, expiresAt }) => {
  cache.set(tokenId, { token, expiresAt });
  const { header, claims } = parse(token);
  held.push({ iat: claims.iat, oiat: header.oiat ?? null, source });
  const age = header.oiat ? claims.iat - header.oiat : null;
  const mint = age === null ? "legacy token" : age > 0 ? `edge mint, claims ${age} s old` : "origin mint";
  const left = ((expiresAt - Date.now()) / 1000).toFixed(1);
  const from = source === "broadcast" ? ` · from ${minters.get(token) ?? "another tab"}, no request` : "";
  const li = log(source, `${tokenId} ${short(token)} · ${mint} · ver ${claims.ver} · expires in ${left} s${from}`);
  // A tab that has not said its name yet: named when it does.
  if (source === "broadcast" && !minters.has(token)) unnamed.set(token, [...(unnamed.get(token) ?? []), li]);
  if (source !== "broadcast") {
    mintedHere.push(token);
    if (mintedHere.length > 20) mintedHere.shift();
    tabs.postMessage({ tab, tokens: [token] });
  }
  render();
});

// One event per settled /tokens request, each retry its own: failing
// background refreshes show up here, with their status and attempt number.
session.onRefresh((e) => {
  refreshes.push({ ...e, at: Date.now() });
  while (refreshes.length > 200) refreshes.shift();
  const how = e.trigger === "skipCache" ? "skipCache (force_origin)" : e.trigger;
  const result = e.outcome === "ok" ? `ok ${e.status ?? ""}`.trim() : `error ${e.code}${e.status ? ` ${e.status}` : ""}`;
  log("refresh", `${e.tokenId} · ${how} · attempt ${e.attempt} · ${result} · ${e.durationMs.toFixed(0)} ms`, {
    outcome: e.outcome, trigger: e.trigger, attempt: String(e.attempt), status: String(e.status ?? ""),
  });
  renderLatency();
  stats();
  tabs.postMessage({ tab, tokens: [] });
});

// A /tokens request answered 401 ends the session for good: the session
// itself stops refreshing; the page only says so.
function ended(reason) {
  $("ended").hidden = false;
  $("ended-reason").textContent = reason;
  document.documentElement.dataset.ended = "1";
  document.documentElement.dataset.endedAt = String(Date.now());
  cache.clear();
  render();
}
session.onSessionEnd(({ reason }) => {
  log("ended", `session ended (${reason}), here or in another tab: no more requests; every call rejects at once`);
  ended(reason);
});

// Watch the channel too, to show what the guard turned away.
const watch = new BroadcastChannel("clerk:session_token");
watch.onmessage = ({ data }) => {
  if (session.ended || data?.sessionId !== sid || typeof data.tokenRaw !== "string") return;
  const current = cache.get(data.tokenId)?.token;
  if (current && current !== data.tokenRaw && pickFreshestJwt(current, data.tokenRaw) === current) {
    const { header } = parse(data.tokenRaw);
    log("rejected", `${data.tokenId} ${short(data.tokenRaw)} from another tab: stale claims (oiat ${clock(header.oiat ?? 0)})`);
  }
};

function options() {
  const o = {};
  if ($("template").value.trim()) o.template = $("template").value.trim();
  if ($("org").value.trim()) o.organizationId = $("org").value.trim();
  return o;
}

// The buttons call getToken, as they say; getTokenInfo (the same call, with
// the expiry) is what the page makes at load.
async function get(extra, info = false) {
  const opts = { ...options(), ...extra };
  const call = `${info ? "getTokenInfo" : "getToken"}(${JSON.stringify(opts)})`;
  const started = performance.now();
  try {
    const { token, expiresAt } = info
      ? await session.getTokenInfo(opts)
      : { token: await session.getToken(opts), expiresAt: undefined };
    const ms = (performance.now() - started).toFixed(1);
    const until = expiresAt ?? [...cache.values()].find((e) => e.token === token)?.expiresAt;
    const left = until === undefined ? "" : `, expires in ${((until - Date.now()) / 1000).toFixed(1)} s`;
    log("info", `${call} → ${short(token)}${left}, in ${ms} ms`);
    // The latest word on when the cached token expires (the skew estimate moves).
    if (expiresAt !== undefined) for (const entry of cache.values()) if (entry.token === token) entry.expiresAt = expiresAt;
    // A caller gets what its own request minted; the cache may keep a
    // token with fresher claims (the guard): say so.
    const cached = session.peekToken(options());
    if (cached && cached !== token && pickFreshestJwt(cached, token) === cached) {
      const claims = (t) => parse(t).header.oiat;
      log("kept", `the cache kept ${short(cached)} (claims read at ${clock(claims(cached) ?? 0)}): fresher than the ` +
        `${short(token)} this call got (claims read at ${clock(claims(token) ?? 0)})`);
    }
  } catch (e) {
    log("error", `${call} failed: ${failure(e)}`);
  }
}

async function callApi() {
  const started = performance.now();
  $("me-result").textContent = "…";
  try {
    const res = await session.fetchWithAuth("/api/me", { tokenOptions: options() });
    const body = await res.json().catch(() => null);
    const ms = (performance.now() - started).toFixed(1);
    const what = res.ok ? `sub ${body?.sub} · ver ${body?.ver}` : (body?.reason ?? "refused");
    log("info", `fetchWithAuth("/api/me") → ${res.status} in ${ms} ms: ${what}`);
    $("me-result").textContent = `${res.status}: ${what}`;
    $("me-result").dataset.status = res.status;
  } catch (e) {
    log("error", `fetchWithAuth("/api/me") failed: ${failure(e)}`);
    $("me-result").textContent = `failed: ${failure(e)}`;
    $("me-result").dataset.status = "";
  }
}

const admin = (path, body) =>
  fetch(`/admin/${path}`, body ? { method: "POST", body: JSON.stringify(body) } : {}).then((r) => r.json());
// An admin call from a control; a stand-in that is down is logged, not thrown.
const act = (fn) => () => fn().catch((e) => log("error", `stand-in: ${failure(e)}`));

$("get").onclick = () => get({});
$("skip").onclick = () => get({ skipCache: true });
$("fresh").onclick = () => get({ refreshIfStale: true });
$("clear").onclick = () => {
  session.clearCache();
  cache.clear();
  log("info", "clearCache()");
  render();
};
$("me").onclick = () => callApi();
// A new start for the stand-in too: a page reloaded while it still answers
// 401 would end its new session at once.
$("restart").onclick = act(async () => {
  await admin("reset", {});
  location.reload();
});
$("bump").onclick = act(async () => log("info", `claims bumped to ver ${(await admin(`bump?sid=${sid}`, {})).ver}`));
$("stale").onclick = act(async () => {
  await admin("config", { staleNext: true });
  log("info", "the next mint will be an edge mint of stale claims");
});
const setting = (id, fn) =>
  ($(id).onchange = (e) => act(async () => showConfig((await admin("config", fn(e.target))).config))());
setting("edge", (el) => ({ edge: el.checked }));
setting("latency", (el) => ({ latencyMs: Number(el.value) }));
setting("failure", (el) => ({ failureRate: Number(el.value) }));
setting("lifetime", (el) => ({ lifetime: Number(el.value) }));
setting("unauth", (el) => ({ unauthorized: el.checked }));
$("ratelimit").onclick = act(() => admin("config", { rateLimit: { count: 3, retryAfter: 2 } }));

// The controls show the stand-in's settings as they are, whichever tab set
// them: read back after every change and with every poll of the counters.
function showConfig(config) {
  if (!config) return;
  const choose = (id, value) => {
    const el = $(id);
    const text = String(value);
    const label = id === "failure" ? `${Math.round(value * 100)}%` : text;
    if (![...el.options].some((o) => o.value === text)) el.add(new Option(label, text));
    if (el !== document.activeElement) el.value = text;
  };
  choose("latency", config.latencyMs);
  choose("failure", config.failureRate);
  choose("lifetime", config.lifetime);
  $("edge").checked = config.edge;
  $("unauth").checked = config.unauthorized;
}

function renderKeys() {
  const now = Date.now();
  const rows = [...cache].map(([id, { token, expiresAt }]) => {
    const { header, claims } = parse(token);
    // The countdown is the session's own word (expiresAt: exp on this tab's
    // clock, skew corrected), not exp read against a clock that may be off.
    const left = (expiresAt - now) / 1000;
    const life = claims.exp - claims.iat;
    // The refresh window: 15 s, or half a short token's life (SPEC 2).
    const window = Math.min(15, life / 2);
    const state = left <= 0 ? "expired" : left <= 5 ? "dead" : left <= window ? "window" : "fresh";
    const pct = Math.max(0, Math.min(100, (left / life) * 100));
    const shown = left <= 0 ? "expired" : `${left.toFixed(1)} s`;
    return `<tr data-key="${id}" data-state="${state}" data-expires-at="${expiresAt}"><td class="key"></td><td class="time">${clock(claims.iat)}</td>
      <td class="time">${header.oiat ? clock(header.oiat) : "—"}</td><td class="time" title="expiresAt, on this tab's clock">${clock(expiresAt / 1000)}</td>
      <td><div class="remaining"><div class="bar"><i class="${state}" style="width:${pct}%"></i></div><span class="left">${shown}</span></div></td></tr>`;
  });
  const empty = session.ended ? "session ended: nothing cached" : "nothing cached yet";
  $("keys").innerHTML = rows.join("") || `<tr class="empty"><td colspan="5">${empty}</td></tr>`;
  [...$("keys").querySelectorAll("td.key")].forEach((td) => (td.textContent = td.parentElement.dataset.key));
}

function renderChart() {
  const pts = held.filter((p) => p.oiat !== null).slice(-40);
  const svg = $("chart");
  if (!pts.length) {
    svg.innerHTML = `<text x="210" y="110" text-anchor="middle">no tokens yet</text>`;
    return;
  }
  const lo = Math.min(...pts.map((p) => Math.min(p.iat, p.oiat))) - 5;
  const hi = Math.max(...pts.map((p) => p.iat)) + 5;
  const W = 420, H = 220, P = 34;
  const x = (v) => P + ((v - lo) / (hi - lo)) * (W - P - 10);
  const y = (v) => H - P - ((v - lo) / (hi - lo)) * (H - P - 10);
  // The same colours as the legend and the log's tags.
  const colors = { fetch: "#3b5bdb", background: "#7048e8", broadcast: "#0b7285" };
  svg.innerHTML = `
    <line x1="${x(lo)}" y1="${y(lo)}" x2="${x(hi)}" y2="${y(hi)}" stroke="#ccd" stroke-dasharray="4 3"/>
    <line x1="${P}" y1="${H - P}" x2="${W - 10}" y2="${H - P}" stroke="#99a"/>
    <line x1="${P}" y1="10" x2="${P}" y2="${H - P}" stroke="#99a"/>
    <text x="${W - 12}" y="${H - P + 14}" text-anchor="end">iat ${clock(hi)}</text>
    <text x="${P + 2}" y="${H - P + 14}">${clock(lo)}</text>
    <text x="${P - 4}" y="14" text-anchor="end" transform="rotate(-90 ${P - 4} 14)">oiat</text>
    ${pts.map((p) => `<circle cx="${x(p.iat)}" cy="${y(p.oiat)}" r="4" fill="${colors[p.source]}"><title>${p.source}: iat ${clock(p.iat)}, oiat ${clock(p.oiat)}</title></circle>`).join("")}`;
}

// Latency of each /tokens request over time, coloured by outcome.
function renderLatency() {
  const pts = refreshes.slice(-60);
  const svg = $("latency-chart");
  if (!pts.length) {
    // A tab that holds tokens another tab minted needs no request of its own.
    const handed = held.length > 0 && held.every((h) => h.source === "broadcast");
    const text = handed ? "no /tokens requests: this tab's tokens came from another tab" : "no /tokens requests yet";
    svg.innerHTML = `<text x="210" y="80" text-anchor="middle">${text}</text>`;
    return;
  }
  const W = 420, H = 160, P = 34;
  const t0 = pts[0].at;
  const t1 = Math.max(t0 + 10_000, pts[pts.length - 1].at);
  // A round top for the y axis: 10, 20, 50, 100, 200, 500 ms, ...
  const peak = Math.max(10, ...pts.map((p) => p.durationMs));
  const step = 10 ** Math.floor(Math.log10(peak));
  const top = [1, 2, 5, 10].map((k) => k * step).find((v) => v >= peak);
  const x = (t) => P + ((t - t0) / (t1 - t0)) * (W - P - 10);
  const y = (ms) => H - P - (Math.min(ms, top) / top) * (H - P - 10);
  const colors = { ok: "#2f9e6d", error: "#d6453d" };
  svg.innerHTML = `
    <line x1="${P}" y1="${H - P}" x2="${W - 10}" y2="${H - P}" stroke="#99a"/>
    <line x1="${P}" y1="10" x2="${P}" y2="${H - P}" stroke="#99a"/>
    <line x1="${P}" y1="10" x2="${W - 10}" y2="10" stroke="#eef" stroke-dasharray="4 3"/>
    <text x="${P - 4}" y="14" text-anchor="end">${top}</text>
    <text x="${P - 4}" y="${H - P}" text-anchor="end">0</text>
    <text x="${P - 4}" y="${(H - P) / 2 + 8}" text-anchor="end">ms</text>
    <text x="${P + 2}" y="${H - P + 14}">${clock(t0 / 1000)}</text>
    <text x="${W - 12}" y="${H - P + 14}" text-anchor="end">${clock(t1 / 1000)}</text>
    <polyline fill="none" stroke="#ccd" points="${pts.map((p) => `${x(p.at)},${y(p.durationMs)}`).join(" ")}"/>
    ${pts.map((p) => `<circle cx="${x(p.at)}" cy="${y(p.durationMs)}" r="4" fill="${colors[p.outcome]}" data-outcome="${p.outcome}"><title>${p.tokenId} · ${p.trigger} · attempt ${p.attempt} · ${p.outcome}${p.status ? ` ${p.status}` : ""} · ${p.durationMs.toFixed(1)} ms</title></circle>`).join("")}`;
}

function render() {
  renderKeys();
  renderChart();
  renderLatency();
}

async function stats() {
  try {
    const s = await admin("stats");
    showConfig(s.config);
    $("total").textContent = s.total;
    $("origin").textContent = s.origin;
    $("edgecount").textContent = s.edge;
    $("failed").textContent = s.failed;
    $("apitotal").textContent = s.api;
    $("apirefused").textContent = s.apiRefused;
  } catch {
    /* the server may be restarting */
  }
}

// Only the page's own views and the stand-in's counters are polled: the
// session refreshes by itself, and once it has ended it must not be poked.
setInterval(renderKeys, 250);
setInterval(stats, 500);
// The session's status, as a UI shows it (getSnapshot / subscribe): the
// state, the token's countdown, and the last failure with where and why.
function renderStatus() {
  const { status, token, expiresAt, error } = session.getSnapshot();
  const el = $("status");
  el.dataset.status = status;
  const parts = [`<b>${status}</b>`];
  if (token) parts.push(`token ${short(token)} expires in ${((expiresAt - Date.now()) / 1000).toFixed(0)} s`);
  if (error) {
    const why = [error.code, error.status, error.reason].filter(Boolean).join(" · ");
    parts.push(`last failure: ${why}${error.url ? ` at <code class="url"></code>` : ""}`);
  }
  el.innerHTML = parts.join(" · ");
  const url = el.querySelector(".url");
  if (url) url.textContent = error.url;
  el.title = error?.message ?? "";
}
session.subscribe(renderStatus);
setInterval(renderStatus, 1000); // the countdown

render();
renderStatus();
stats();
await get({}, true);
document.documentElement.dataset.ready = "1";
