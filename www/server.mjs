#!/usr/bin/env node
// A local stand-in for the Frontend API, and the demo's static server.
//
// Serves www/ and the built package (pkg/) on 127.0.0.1, and mints RS256
// session JWTs the way a Clerk-style Frontend API with a Session Minter does:
// an *origin* mint reads the session's current claims ("database version"
// `ver`) and sets `oiat = iat = now`; an *edge* mint clones the claims of the
// previous token sent in the body, with a new iat/exp and its oiat carried
// forward. Admin endpoints inject latency, failures, 429s, 401s and stale
// edge mints, and count requests. `GET /api/me` stands in for the app's own
// API: it accepts a Bearer token this server signed, unexpired, whose claims
// are the session's current ones. Refusals carry Clerk's error body,
// `{"errors": [{"code", "message", "long_message"}]}`. No npm dependencies:
// node:http, node:crypto.
//
//   node www/server.mjs [port] [--cors <origin>]…   (or PORT=…; 0 picks a free port)
//
// The package ships it as `session-swr-stand-in` (npx session-swr-stand-in
// --cors http://localhost:5173): an app on another origin points
// `frontendApi` at it, and `--cors` (repeatable) names the origins whose
// credentialed requests it answers, as a real Frontend API's CORS would.
import { createServer } from "node:http";
import { generateKeyPairSync, sign, verify, randomUUID } from "node:crypto";
import { existsSync, realpathSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// A checkout serves the demo; the package's copy (pkg/stand-in.mjs, its ROOT
// an app's node_modules) serves no files at all.
const STATIC = existsSync(join(ROOT, "www", "index.html"));
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".ts": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
};

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const KID = `ins_${randomUUID().slice(0, 8)}`;
const b64url = (buf) => Buffer.from(buf).toString("base64url");
const encode = (obj) => b64url(JSON.stringify(obj));

const defaults = () => ({
  lifetime: 60, // seconds
  latencyMs: 0,
  failureRate: 0, // share of /tokens requests answered 500
  rateLimit: null, // { count, retryAfter }: the next `count` requests get 429
  unauthorized: false, // every /tokens request gets 401
  edge: true, // edge minting on
  staleNext: false, // the next mint clones the session's oldest claims
});

export function createApi() {
  let config = defaults();
  const sessions = new Map(); // sid → { ver, first: claims of the first origin mint }
  // total counts /tokens requests only; api counts /api/me requests, of
  // which apiRefused were answered 401.
  const zero = () => ({ origin: 0, edge: 0, failed: 0, total: 0, api: 0, apiRefused: 0 });
  const stats = zero();

  const session = (sid) => {
    if (!sessions.has(sid)) sessions.set(sid, { ver: 1, first: null });
    return sessions.get(sid);
  };

  function mint(header, claims) {
    const input = `${encode({ alg: "RS256", kid: KID, typ: "JWT", ...header })}.${encode(claims)}`;
    return `${input}.${b64url(sign("RSA-SHA256", Buffer.from(input), privateKey))}`;
  }

  /** The header and claims of a token this server signed, or null. */
  function ours(token) {
    const parts = typeof token === "string" ? token.split(".") : [];
    if (parts.length !== 3) return null;
    try {
      const ok = verify("RSA-SHA256", Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, Buffer.from(parts[2], "base64url"));
      if (!ok) return null;
      return {
        header: JSON.parse(Buffer.from(parts[0], "base64url")),
        claims: JSON.parse(Buffer.from(parts[1], "base64url")),
      };
    } catch {
      return null;
    }
  }

  /**
   * `GET /api/me`: the claims of the request's Bearer token, or why it is
   * refused. A token is refused when it is missing, not signed by this
   * server's key, expired, or carries claims (`ver`) older than its
   * session's current ones (an edge mint of claims bumped since).
   */
  function me(req) {
    const auth = req.headers.authorization ?? "";
    const m = auth.match(/^Bearer\s+(\S+)$/i);
    if (!m) return { reason: "missing_token", message: "no Bearer token" };
    const token = ours(m[1]);
    if (!token || token.header.alg !== "RS256" || token.header.kid !== KID) {
      return { reason: "invalid_token", message: "the signature does not verify with this server's key" };
    }
    const { claims } = token;
    const now = Date.now() / 1000;
    if (typeof claims.exp !== "number" || claims.exp <= now) return { reason: "token_expired", message: `exp ${claims.exp} has passed` };
    if (typeof claims.nbf === "number" && claims.nbf > now) return { reason: "invalid_token", message: "not valid yet (nbf)" };
    const current = sessions.get(claims.sid)?.ver ?? 1;
    if (!(claims.ver >= current)) {
      return { reason: "stale_claims", message: `claims ver ${claims.ver}, the session's are ver ${current}` };
    }
    return { claims };
  }

  function tokens({ sid, template, query, form }) {
    const s = session(sid);
    const now = Math.floor(Date.now() / 1000);
    const times = { iat: now, nbf: now - 5, exp: now + config.lifetime, jti: randomUUID() };
    const org = form.get("organization_id") || undefined;
    let previous = null;
    if (form.has("token")) {
      previous = ours(form.get("token"));
      if (!previous) return { status: 400, body: { error: "invalid_token", message: "token was not signed here" } };
      if (previous.claims.sid !== sid) return { status: 400, body: { error: "invalid_token", message: "token of another session" } };
    }
    if (config.staleNext && s.first) {
      // A misrouted edge mint from the oldest claims: fresh iat, stale oiat.
      config.staleNext = false;
      stats.edge++;
      const { iat, nbf, exp, jti, ...kept } = s.first.claims;
      return { jwt: mint({ oiat: s.first.header.oiat }, { ...kept, ...times }) };
    }
    const edge = config.edge && previous && !template && query.get("force_origin") !== "true";
    if (edge) {
      stats.edge++;
      const { iat, nbf, exp, jti, ...kept } = previous.claims;
      return { jwt: mint({ oiat: previous.header.oiat ?? previous.claims.iat }, { ...kept, ...times }) };
    }
    stats.origin++;
    const claims = { sid, sub: `user_${sid.slice(5, 13) || "demo"}`, ...times, ver: s.ver };
    if (org) claims.org_id = org;
    if (template) claims.tmpl = template;
    const header = { oiat: now };
    if (!s.first && !template) s.first = { header, claims };
    return { jwt: mint(header, claims) };
  }

  async function handle(req, res, url, body) {
    const send = (status, obj, headers = {}) =>
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers }).end(JSON.stringify(obj));
    // Clerk's error body: what the library reads a refusal's reason from.
    const refuse = (status, code, message, headers = {}) =>
      send(status, { errors: [{ code, message, long_message: message }] }, headers);
    const m = url.pathname.match(/^\/v1\/client\/sessions\/([^/]+)\/tokens(?:\/([^/]+))?$/);
    if (m) {
      if (req.method !== "POST") return refuse(405, "method_not_allowed", "POST only");
      stats.total++;
      const type = (req.headers["content-type"] ?? "").split(";")[0].trim();
      if (body.length && type !== "application/x-www-form-urlencoded") {
        stats.failed++;
        return refuse(400, "form_param_format_invalid", "expected a form body");
      }
      const form = new URLSearchParams(body);
      let sid, template;
      try {
        sid = decodeURIComponent(m[1]);
        template = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
      } catch {
        stats.failed++;
        return refuse(400, "resource_not_found", "malformed path");
      }
      if (config.latencyMs) await new Promise((r) => setTimeout(r, config.latencyMs));
      if (config.unauthorized) {
        stats.failed++;
        return refuse(401, "authentication_invalid", "the session is signed out (the demo's 401 switch)");
      }
      if (config.rateLimit?.count > 0) {
        config.rateLimit.count--;
        stats.failed++;
        return refuse(429, "too_many_requests", "rate limited (the demo's 429 switch)", {
          "retry-after": String(config.rateLimit.retryAfter),
        });
      }
      if (Math.random() < config.failureRate) {
        stats.failed++;
        return refuse(500, "internal_clerk_error", "an injected failure (the demo's failure rate)");
      }
      const out = tokens({ sid, template, query: url.searchParams, form });
      if (out.status) {
        stats.failed++;
        return refuse(out.status, out.body.error, out.body.message);
      }
      return send(200, { object: "token", jwt: out.jwt });
    }
    if (url.pathname === "/api/me") {
      if (req.method !== "GET") return send(405, { error: "method_not_allowed" }, { allow: "GET" });
      stats.api++;
      const out = me(req);
      if (out.claims) return send(200, out.claims);
      stats.apiRefused++;
      const challenge = `Bearer error="${out.reason === "missing_token" ? "invalid_request" : "invalid_token"}", error_description="${out.message}"`;
      return send(401, { error: "unauthenticated", reason: out.reason, message: out.message }, { "www-authenticate": challenge });
    }
    if (url.pathname === "/.well-known/jwks.json") {
      return send(200, { keys: [{ ...publicKey.export({ format: "jwk" }), kid: KID, alg: "RS256", use: "sig" }] });
    }
    if (url.pathname.startsWith("/admin/")) {
      // A page on another origin (any site the developer visits) must not
      // reconfigure the stand-in: a browser names the origin of a request.
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${req.headers.host}`) {
        return send(403, { error: "forbidden", message: "admin requests only from this origin" });
      }
      let input = {};
      if (req.method === "POST" && body.length) {
        try {
          input = JSON.parse(body);
          if (typeof input !== "object" || input === null || Array.isArray(input)) throw new Error();
        } catch {
          return send(400, { error: "bad_request", message: "expected a JSON object" });
        }
      }
      switch (url.pathname) {
        case "/admin/stats":
          return send(200, { ...stats, config, sessions: Object.fromEntries([...sessions].map(([k, v]) => [k, { ver: v.ver }])) });
        case "/admin/config": {
          const known = Object.keys(defaults());
          const unknown = Object.keys(input).filter((k) => !known.includes(k));
          if (unknown.length) return send(400, { error: "bad_request", message: `unknown setting ${unknown[0]}` });
          config = { ...config, ...input };
          return send(200, { config });
        }
        case "/admin/bump": {
          const sid = url.searchParams.get("sid") ?? input.sid;
          if (!sid) return send(400, { error: "bad_request", message: "sid is required" });
          const s = session(sid);
          s.ver++;
          return send(200, { sid, ver: s.ver });
        }
        case "/admin/reset":
          config = defaults();
          sessions.clear();
          Object.assign(stats, zero());
          return send(200, { ok: true });
      }
    }
    return send(404, { error: "not_found" });
  }

  return { handle, stats: () => ({ ...stats }) };
}

async function serveStatic(res, pathname) {
  if (!STATIC) return false;
  let rel;
  try {
    rel = normalize(decodeURIComponent(pathname));
  } catch {
    return false;
  }
  const file = rel.startsWith(`${sep}pkg${sep}`)
    ? join(ROOT, rel)
    : join(ROOT, "www", rel === sep ? "index.html" : rel);
  if (!file.startsWith(ROOT) || file.endsWith(".mjs")) return false;
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" }).end(body);
    return true;
  } catch {
    return false;
  }
}

/**
 * CORS for credentialed requests from `origins` (each answered with its own
 * origin, never `*`), `Retry-After` readable by the page. Whether `req` was
 * a preflight, answered here.
 */
function cors(req, res, origins) {
  const origin = req.headers.origin;
  if (!origin || !origins.includes(origin)) return false;
  res.setHeader("access-control-allow-origin", origin);
  res.setHeader("access-control-allow-credentials", "true");
  res.setHeader("access-control-expose-headers", "Retry-After");
  res.setHeader("vary", "Origin");
  if (req.method !== "OPTIONS") return false;
  res.writeHead(204, {
    "access-control-allow-methods": "GET, POST",
    "access-control-allow-headers": "Content-Type, Authorization",
    "access-control-max-age": "600",
  }).end();
  return true;
}

/** Starts the server on `port` (0: a free one), answering CORS for `origins`. */
export function start(port = 0, { origins = [] } = {}) {
  const api = createApi();
  const server = createServer((req, res) => {
    if (cors(req, res, origins)) return;
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size > 64 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on("end", async () => {
      try {
        const url = new URL(req.url, "http://127.0.0.1");
        const body = Buffer.concat(chunks).toString("utf8");
        if (req.method === "GET" && !/^\/(admin|api)\//.test(url.pathname) && (await serveStatic(res, url.pathname))) return;
        await api.handle(req, res, url, body);
      } catch (e) {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: "internal", message: String(e?.message ?? e) }));
      }
    });
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve({ server, api, port: server.address().port })));
}

/** `[port] [--port n] [--cors origin]…` */
export function parseArgs(argv) {
  const out = { port: Number(process.env.PORT ?? 8787), origins: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--cors" || arg === "--port") {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      if (arg === "--port") out.port = Number(value);
      else out.origins.push(webOrigin(value));
    } else if (/^\d+$/.test(arg)) {
      out.port = Number(arg);
    } else {
      throw new Error(`unknown argument ${arg}; usage: [port] [--port n] [--cors origin]…`);
    }
  }
  return out;
}

/** The origin of `value`, an http(s) URL: `file:` and the like have none a
 * browser would send (theirs is "null", which any sandboxed page sends). */
function webOrigin(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`--cors ${value}: not a URL; give an origin such as http://localhost:5173`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`--cors ${value}: an http or https origin, such as http://localhost:5173`);
  }
  return url.origin;
}

/** Whether this module is the program being run (not imported). */
function isMain() {
  try {
    return Boolean(process.argv[1]) && fileURLToPath(import.meta.url) === realpathSync(process.argv[1]);
  } catch {
    return false;
  }
}

if (isMain()) {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  const { port } = await start(args.port, args);
  const base = `http://127.0.0.1:${port}`;
  console.log(`Frontend API stand-in: ${base}  (frontendApi: "${base}")`);
  if (args.origins.length) console.log(`CORS for ${args.origins.join(", ")}`);
  console.log(`demo (from a built package): ${base}/`);
}
