// The real clerk-js browser build, signed in, in a Playwright page, against a
// fake Frontend API that Playwright routes (no network at all): the baseline
// the benchmark measures session-swr against.
//
//   import { clerkPage } from "./clerk/clerk.mjs";
//   const { page, tokensRequests } = await clerkPage(context, { lifetime: 60 });
//   await page.evaluate(() => window.__firstTokenAt); // ms from navigation start
//
// Needs `npm ci --prefix tests/bench` (clerk-js is a dependency of the
// benchmark only; scripts/bench.sh installs it).
//
// Origins: the app page is https://app.bench.test/, the Frontend API (and, as
// in production, the clerk-js bundle under /npm/@clerk/clerk-js@<v>/dist/) is
// https://clerk.bench.test. Both are answered by page.route handlers, so the
// page is a secure context and cookies behave as on a real https site.
// A production publishable key (pk_live_) keeps clerk-js off the development
// instance's dev-browser handshake.
import { generateKeyPairSync, sign, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, normalize, sep } from "node:path";

const require = createRequire(import.meta.url);
// The package's `exports` hide package.json; its CommonJS entry is dist/clerk.js.
const DIST = dirname(require.resolve("@clerk/clerk-js"));
export const CLERK_VERSION = JSON.parse(readFileSync(join(DIST, "..", "package.json"), "utf8")).version;

export const APP_ORIGIN = "https://app.bench.test";
export const FAPI_HOST = "clerk.bench.test";
export const FAPI_ORIGIN = `https://${FAPI_HOST}`;
export const PUBLISHABLE_KEY = `pk_live_${Buffer.from(`${FAPI_HOST}$`).toString("base64")}`;
const BUNDLE_PATH = `/npm/@clerk/clerk-js@${CLERK_VERSION}/dist/`;
export const BUNDLE_URL = `${FAPI_ORIGIN}${BUNDLE_PATH}clerk.browser.js`;

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const KID = `ins_${randomUUID().slice(0, 8)}`;
const b64url = (buf) => Buffer.from(buf).toString("base64url");
const encode = (obj) => b64url(JSON.stringify(obj));

/** An RS256 session JWT as the Frontend API mints one (origin mint: oiat = iat). */
export function mintJwt({ sid, sub, lifetime, template, orgId }) {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: "RS256", kid: KID, typ: "JWT", oiat: now };
  const claims = {
    azp: APP_ORIGIN,
    exp: now + lifetime,
    fva: [0, -1],
    iat: now,
    iss: FAPI_ORIGIN,
    jti: randomUUID().replace(/-/g, "").slice(0, 20),
    nbf: now - 5,
    sid,
    sts: "active",
    sub,
    v: 2,
  };
  if (orgId) claims.o = { id: orgId };
  if (template) claims.tmpl = template;
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${b64url(sign("RSA-SHA256", Buffer.from(input), privateKey))}`;
}

// One signed-in user and session per BrowserContext, so every tab of a
// context shares the session (and clerk-js's cross-tab token sync applies).
const identities = new WeakMap();
function identity(context) {
  if (!identities.has(context)) {
    const id = randomUUID().replace(/-/g, "").slice(0, 24);
    identities.set(context, {
      sid: `sess_${id}`,
      sub: `user_${id}`,
      clientId: `client_${id}`,
      createdAt: Date.now() - 3_600_000,
    });
  }
  return identities.get(context);
}

function environmentJson() {
  const now = Date.now();
  return {
    object: "environment",
    id: "env_bench",
    auth_config: {
      object: "auth_config",
      id: "aac_bench",
      single_session_mode: true,
      claimed_at: null,
      reverification: false,
      session_minter: false,
    },
    display_config: {
      object: "display_config",
      id: "display_config_bench",
      instance_environment_type: "production",
      application_name: "bench",
      home_url: `${APP_ORIGIN}/`,
      sign_in_url: `${APP_ORIGIN}/sign-in`,
      sign_up_url: `${APP_ORIGIN}/sign-up`,
      after_sign_in_url: `${APP_ORIGIN}/`,
      after_sign_up_url: `${APP_ORIGIN}/`,
      after_sign_out_one_url: `${APP_ORIGIN}/`,
      after_sign_out_all_url: `${APP_ORIGIN}/`,
      after_switch_session_url: `${APP_ORIGIN}/`,
      user_profile_url: `${APP_ORIGIN}/user`,
      organization_profile_url: `${APP_ORIGIN}/org`,
      create_organization_url: `${APP_ORIGIN}/org/new`,
      after_leave_organization_url: `${APP_ORIGIN}/`,
      after_create_organization_url: `${APP_ORIGIN}/`,
      branded: false,
      captcha_public_key: null,
      captcha_widget_type: null,
      captcha_provider: null,
      captcha_public_key_invisible: null,
      captcha_oauth_bypass: [],
      captcha_heartbeat: false,
    },
    user_settings: {
      attributes: {
        email_address: { enabled: true, required: true, used_for_first_factor: true, first_factors: ["email_code"], used_for_second_factor: false, second_factors: [], verifications: ["email_code"], verify_at_sign_up: true },
        password: { enabled: false, required: false },
      },
      social: {},
      enterprise_sso: { enabled: false },
      saml: { enabled: false },
      sign_in: { second_factor: { required: false } },
      sign_up: { captcha_enabled: false, mode: "public", progressive: true },
      password_settings: {},
      passkey_settings: { allow_autofill: false, show_sign_in_button: false },
      username_settings: {},
      actions: { delete_self: true, create_organization: false },
      attack_protection: {},
    },
    organization_settings: { enabled: false, max_allowed_memberships: 5, actions: { admin_delete: false }, domains: { enabled: false, enrollment_modes: [], default_role: null } },
    commerce_settings: { billing: { enabled: false, user: { enabled: false, has_paid_plans: false }, organization: { enabled: false, has_paid_plans: false } } },
    api_keys_settings: { enabled: false },
    maintenance_mode: false,
    client_debug_mode: false,
    partitioned_cookies: false,
    updated_at: now,
  };
}

function userJson({ sub, createdAt }) {
  return {
    object: "user",
    id: sub,
    external_id: null,
    primary_email_address_id: "idn_bench",
    primary_phone_number_id: null,
    primary_web3_wallet_id: null,
    username: null,
    first_name: "Bench",
    last_name: "User",
    image_url: "",
    has_image: false,
    email_addresses: [
      {
        object: "email_address",
        id: "idn_bench",
        email_address: "bench@example.com",
        reserved: false,
        verification: { object: "verification_email_code", status: "verified", strategy: "email_code", attempts: 1, expire_at: null },
        linked_to: [],
        created_at: createdAt,
        updated_at: createdAt,
      },
    ],
    phone_numbers: [],
    web3_wallets: [],
    passkeys: [],
    external_accounts: [],
    saml_accounts: [],
    enterprise_accounts: [],
    organization_memberships: [],
    public_metadata: {},
    unsafe_metadata: {},
    password_enabled: false,
    totp_enabled: false,
    backup_code_enabled: false,
    two_factor_enabled: false,
    delete_self_enabled: true,
    create_organization_enabled: false,
    last_sign_in_at: createdAt,
    created_at: createdAt,
    updated_at: createdAt,
  };
}

function sessionJson(who, lifetime) {
  const now = Date.now();
  return {
    object: "session",
    id: who.sid,
    status: "active",
    expire_at: now + 7 * 86_400_000,
    abandon_at: now + 30 * 86_400_000,
    last_active_at: now,
    last_active_organization_id: null,
    actor: null,
    tasks: null,
    factor_verification_age: [0, -1],
    user: userJson(who),
    public_user_data: { first_name: "Bench", last_name: "User", image_url: "", has_image: false, identifier: "bench@example.com", user_id: who.sub },
    last_active_token: { object: "token", jwt: mintJwt({ sid: who.sid, sub: who.sub, lifetime }) },
    created_at: who.createdAt,
    updated_at: now,
  };
}

function clientJson(who, lifetime) {
  const now = Date.now();
  return {
    object: "client",
    id: who.clientId,
    sessions: [sessionJson(who, lifetime)],
    sign_in: null,
    sign_up: null,
    last_active_session_id: who.sid,
    last_authentication_strategy: null,
    cookie_expires_at: now + 90 * 86_400_000,
    captcha_bypass: false,
    created_at: who.createdAt,
    updated_at: now,
  };
}

const page = (bundleUrl, key) => `<!doctype html>
<meta charset="utf-8">
<title>clerk-js bench</title>
<script>
  window.__errors = [];
  // Times below are performance.now(): ms since this navigation started.
  window.__navStart = 0;
  window.__timeOrigin = performance.timeOrigin;
  window.__getToken = () => window.Clerk.session.getToken();
</script>
<script async crossorigin="anonymous" data-clerk-publishable-key="${key}" src="${bundleUrl}"
  onload="window.__scriptLoadedAt = performance.now(); window.__start()"
  onerror="window.__errors.push('script failed to load'); document.title = 'error'"></script>
<script>
  window.__start = async () => {
    try {
      await window.Clerk.load();
      window.__loadedAt = performance.now();
      if (!window.Clerk.session) throw new Error("signed out after load()");
      window.__firstToken = await window.Clerk.session.getToken();
      window.__firstTokenAt = performance.now();
      if (!window.__firstToken) throw new Error("getToken() resolved " + window.__firstToken);
      window.__tokenAt = window.__firstTokenAt;
      document.title = "ready";
    } catch (e) {
      window.__errors.push(String(e && e.stack || e));
      document.title = "error";
    }
  };
</script>
`;

const DIST_ROOT = normalize(DIST + sep);
function bundleFile(pathname) {
  const file = normalize(join(DIST, decodeURIComponent(pathname.slice(BUNDLE_PATH.length))));
  if (!file.startsWith(DIST_ROOT)) return null;
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/**
 * Opens a page in `context` running clerk-js signed in against the fake
 * Frontend API. Resolves once navigation is committed (not when the token is
 * in hand: wait for `document.title === "ready"`, or use `ready()`).
 *
 * The page exposes `window.__firstTokenAt` (performance.now(), i.e. ms since
 * navigation start, when the first `Clerk.session.getToken()` resolved),
 * `window.__loadedAt` (when `Clerk.load()` resolved), `window.__scriptLoadedAt`,
 * and `window.__getToken()`.
 *
 * @param {import("playwright-core").BrowserContext} context
 * @param {{ lifetime?: number, onTokens?: (r: { path: string, template: string|null, body: string, at: number, jwt: string }) => void, log?: (line: string) => void }} [options]
 */
export async function clerkPage(context, { lifetime = 60, onTokens, log } = {}) {
  const who = identity(context);
  const p = await context.newPage();
  let tokens = 0;
  const scripts = []; // { url, bytes: Buffer }
  const unknown = [];
  const requests = []; // every Frontend API request: "METHOD /path"

  await p.addInitScript(() => {
    // clerk-js refuses to run in a browser whose navigator.webdriver is true.
    Object.defineProperty(Navigator.prototype, "webdriver", { get: () => false, configurable: true });
  });

  await p.route(`${APP_ORIGIN}/**`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === "/" || url.pathname === "/index.html") {
      return route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", headers: { "cache-control": "no-store" }, body: page(BUNDLE_URL, PUBLISHABLE_KEY) });
    }
    if (url.pathname === "/favicon.ico") return route.fulfill({ status: 204 });
    unknown.push(`${route.request().method()} ${url.href}`);
    return route.fulfill({ status: 404, body: "" });
  });

  await p.route(`${FAPI_ORIGIN}/**`, async (route) => {
    const req = route.request();
    const url = new URL(req.url());
    const method = req.method();
    const cors = {
      "access-control-allow-origin": APP_ORIGIN,
      "access-control-allow-credentials": "true",
      "timing-allow-origin": APP_ORIGIN, // full Resource Timing for the breakdown
      vary: "Origin",
    };
    if (url.pathname.startsWith(BUNDLE_PATH)) {
      const body = bundleFile(url.pathname);
      if (!body) {
        unknown.push(`${method} ${url.href}`);
        return route.fulfill({ status: 404, headers: cors, body: "" });
      }
      scripts.push({ url: url.href, bytes: body });
      return route.fulfill({ status: 200, headers: { ...cors, "content-type": "application/javascript; charset=utf-8", "cache-control": "no-store" }, body });
    }
    requests.push(`${method} ${url.pathname}`);
    log?.(`${method} ${url.pathname}${url.search}`);
    if (method === "OPTIONS") {
      return route.fulfill({
        status: 204,
        headers: {
          ...cors,
          "access-control-allow-methods": "GET, POST, PATCH, PUT, DELETE, OPTIONS",
          "access-control-allow-headers": req.headers()["access-control-request-headers"] ?? "content-type",
          "access-control-max-age": "600",
        },
      });
    }
    const json = (status, obj) => route.fulfill({ status, headers: { ...cors, "content-type": "application/json", "cache-control": "no-store" }, body: JSON.stringify(obj) });
    const path = url.pathname;
    if (method === "GET" && path === "/v1/environment") return json(200, environmentJson());
    if (method === "GET" && path === "/v1/client") return json(200, { response: clientJson(who, lifetime), client: null });
    let m = path.match(/^\/v1\/client\/sessions\/([^/]+)\/tokens(?:\/([^/]+))?$/);
    if (m && method === "POST") {
      const [, sid, template] = m;
      tokens++;
      const jwt = mintJwt({ sid, sub: who.sub, lifetime, template: template && decodeURIComponent(template) });
      onTokens?.({ path, template: template ?? null, body: req.postData() ?? "", at: Date.now(), jwt });
      return json(200, { object: "token", jwt });
    }
    m = path.match(/^\/v1\/client\/sessions\/([^/]+)\/touch$/);
    if (m && method === "POST") {
      const client = clientJson(who, lifetime);
      return json(200, { response: client.sessions[0], client });
    }
    unknown.push(`${method} ${url.href}`);
    return json(404, { errors: [{ code: "resource_not_found", message: "not found", long_message: `bench FAPI: no ${method} ${path}` }], clerk_trace_id: "bench" });
  });

  // Anything else (telemetry, CDNs, captcha…) is refused and recorded.
  await p.route(/^(?!https:\/\/(app|clerk)\.bench\.test\/).*/, (route) => {
    unknown.push(`${route.request().method()} ${route.request().url()}`);
    return route.abort("blockedbyclient");
  });

  await p.goto(`${APP_ORIGIN}/`, { waitUntil: "commit" });

  return {
    page: p,
    tokensRequests: () => tokens,
    /** Every clerk-js script file the page fetched, with its bytes. */
    scripts: () => scripts.slice(),
    /** Requests no route knew (answered 404 or aborted). */
    unknownRequests: () => unknown.slice(),
    /** Every Frontend API request, "METHOD /path", in order. */
    fapiRequests: () => requests.slice(),
    /** Waits until the first token is in hand; throws with the page's errors. */
    async ready(timeout = 30_000) {
      await p.waitForFunction(() => document.title === "ready" || document.title === "error", null, { timeout });
      const errors = await p.evaluate(() => window.__errors);
      if (errors.length) throw new Error(`clerk-js page failed:\n${errors.join("\n")}\nunknown requests: ${unknown.join(", ")}`);
      return p.evaluate(() => window.__firstTokenAt);
    },
  };
}

/**
 * Where a clerk-js page's time to the first token went: each phase's
 * duration (ms), from resource timing and the page's own marks.
 * @param {import("playwright-core").Page} page
 */
export const clerkPhases = (page) =>
  page.evaluate(() => {
    const res = performance.getEntriesByType("resource");
    const entry = (re) => res.find((e) => re.test(e.name));
    const script = entry(/clerk\.browser\.js/);
    const fapi = [entry(/\/v1\/environment/), entry(/\/v1\/client\?/)];
    const fapiStart = Math.min(...fapi.map((e) => e.startTime));
    const fapiEnd = Math.max(...fapi.map((e) => e.responseEnd));
    return {
      "HTML received": performance.getEntriesByType("navigation")[0].responseEnd,
      "script fetched (routed)": script.responseEnd - script.startTime,
      "script parse + run": window.__scriptLoadedAt - script.responseEnd,
      "load() until it calls the API": fapiStart - window.__scriptLoadedAt,
      "GET /v1/environment ∥ /v1/client (routed)": fapiEnd - fapiStart,
      "load() after the responses": window.__loadedAt - fapiEnd,
      "first getToken()": window.__firstTokenAt - window.__loadedAt,
    };
  });
