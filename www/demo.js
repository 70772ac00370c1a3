// The demo page: one Session against the stand-in on this origin, its cache,
// the tokens it held, and every event, live. Plain DOM, no framework.
import init, { Session, SessionError, pickFreshestJwt } from "/pkg/index.js";

const $ = (id) => document.getElementById(id);
const decode = (part) => JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
const parse = (t) => ({ header: decode(t.split(".")[0]), claims: decode(t.split(".")[1]) });
const clock = (s) => new Date(s * 1000).toLocaleTimeString([], { hour12: false });
const short = (t) => `…${t.slice(-8)}`;

await init();
const sid = new URLSearchParams(location.search).get("sid") ?? "sess_demo";
$("sid").textContent = sid;

let mine = 0;
const session = new Session({
  frontendApi: location.origin,
  sessionId: sid,
  // Count this tab's own requests on their way out.
  fetch: (url, init) => {
    mine++;
    $("mine").textContent = mine;
    return fetch(url, init);
  },
});
window.session = session;

const cache = new Map(); // tokenId → token, from onTokenUpdate
const held = []; // every token this tab held: { iat, oiat, source }

function log(kind, text) {
  const li = document.createElement("li");
  li.dataset.kind = kind;
  li.innerHTML = `<time>${clock(Date.now() / 1000)}</time><span class="tag ${kind}">${kind}</span><span></span>`;
  li.lastChild.textContent = text;
  $("log").prepend(li);
  while ($("log").children.length > 200) $("log").lastChild.remove();
}

session.onTokenUpdate(({ tokenId, token, source }) => {
  cache.set(tokenId, token);
  const { header, claims } = parse(token);
  held.push({ iat: claims.iat, oiat: header.oiat ?? null, source });
  const age = header.oiat ? claims.iat - header.oiat : "?";
  log(source, `${tokenId} ${short(token)} · ver ${claims.ver} · claims ${age} s old`);
  render();
});

// Watch the channel too, to show what the guard turned away.
const watch = new BroadcastChannel("clerk:session_token");
watch.onmessage = ({ data }) => {
  if (data?.sessionId !== sid || typeof data.tokenRaw !== "string") return;
  const current = cache.get(data.tokenId);
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

async function get(extra) {
  const opts = { ...options(), ...extra };
  const started = performance.now();
  try {
    const t = await session.getToken(opts);
    const ms = (performance.now() - started).toFixed(1);
    log("info", `getToken(${JSON.stringify(opts)}) → ${short(t)} in ${ms} ms`);
  } catch (e) {
    const detail = e instanceof SessionError ? `${e.code}${e.status ? ` ${e.status}` : ""}` : String(e);
    log("error", `getToken(${JSON.stringify(opts)}) failed: ${detail}`);
  }
}

const admin = (path, body) =>
  fetch(`/admin/${path}`, body ? { method: "POST", body: JSON.stringify(body) } : {}).then((r) => r.json());

$("get").onclick = () => get({});
$("skip").onclick = () => get({ skipCache: true });
$("fresh").onclick = () => get({ refreshIfStale: true });
$("clear").onclick = () => {
  session.clearCache();
  cache.clear();
  log("info", "clearCache()");
  render();
};
$("bump").onclick = async () => log("info", `claims bumped to ver ${(await admin(`bump?sid=${sid}`, {})).ver}`);
$("stale").onclick = async () => {
  await admin("config", { staleNext: true });
  log("info", "the next mint will be an edge mint of stale claims");
};
$("edge").onchange = (e) => admin("config", { edge: e.target.checked });
$("latency").onchange = (e) => admin("config", { latencyMs: Number(e.target.value) });
$("failure").onchange = (e) => admin("config", { failureRate: Number(e.target.value) });
$("lifetime").onchange = (e) => admin("config", { lifetime: Number(e.target.value) });
$("unauth").onchange = (e) => admin("config", { unauthorized: e.target.checked });
$("ratelimit").onclick = () => admin("config", { rateLimit: { count: 3, retryAfter: 2 } });

function renderKeys() {
  const now = Date.now() / 1000;
  const rows = [...cache].map(([id, token]) => {
    const { header, claims } = parse(token);
    const left = claims.exp - now;
    const life = claims.exp - claims.iat;
    const state = left <= 5 ? "dead" : left <= 15 ? "window" : "fresh";
    const pct = Math.max(0, Math.min(100, (left / life) * 100));
    return `<tr data-key="${id}" data-state="${state}"><td class="key"></td><td>${clock(claims.iat)}</td>
      <td>${header.oiat ? clock(header.oiat) : "—"}</td><td>${clock(claims.exp)}</td>
      <td><div class="bar"><i class="${state}" style="width:${pct}%"></i><span>${left.toFixed(1)} s</span></div></td></tr>`;
  });
  $("keys").innerHTML = rows.join("") || `<tr class="empty"><td colspan="5">nothing cached yet</td></tr>`;
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
  const colors = { fetch: "#3b5bdb", background: "#7048e8", broadcast: "#2f9e6d" };
  svg.innerHTML = `
    <line x1="${x(lo)}" y1="${y(lo)}" x2="${x(hi)}" y2="${y(hi)}" stroke="#ccd" stroke-dasharray="4 3"/>
    <line x1="${P}" y1="${H - P}" x2="${W - 10}" y2="${H - P}" stroke="#99a"/>
    <line x1="${P}" y1="10" x2="${P}" y2="${H - P}" stroke="#99a"/>
    <text x="${W - 12}" y="${H - P + 14}" text-anchor="end">iat ${clock(hi)}</text>
    <text x="${P + 2}" y="${H - P + 14}">${clock(lo)}</text>
    <text x="${P - 4}" y="14" text-anchor="end" transform="rotate(-90 ${P - 4} 14)">oiat</text>
    ${pts.map((p) => `<circle cx="${x(p.iat)}" cy="${y(p.oiat)}" r="4" fill="${colors[p.source]}"><title>${p.source}: iat ${clock(p.iat)}, oiat ${clock(p.oiat)}</title></circle>`).join("")}`;
}

function render() {
  renderKeys();
  renderChart();
}

async function stats() {
  try {
    const s = await admin("stats");
    $("total").textContent = s.total;
    $("origin").textContent = s.origin;
    $("edgecount").textContent = s.edge;
    $("failed").textContent = s.failed;
  } catch {
    /* the server may be restarting */
  }
}

setInterval(renderKeys, 250);
setInterval(stats, 1000);
render();
stats();
await get({});
document.documentElement.dataset.ready = "1";
