// Writes pkg/index.js, pkg/index.d.ts and pkg/package.json around the
// wasm-bindgen output. SessionError must extend Error, which only JS can do,
// so it ships as a snippet; the entry re-exports it under a stable path.
import { readFileSync, writeFileSync, readdirSync, copyFileSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { minify } from "terser";
import { build } from "esbuild";

const pkg = "pkg";
const snippets = join(pkg, "snippets");
const dir = readdirSync(snippets).find((d) =>
  existsSync(join(snippets, d, "src/web/session_error.js")),
);
if (!dir) throw new Error("session_error.js snippet missing from the wasm-bindgen output");
const errorPath = `./snippets/${dir}/src/web/session_error.js`;

// The entry's Session adds two things to the wasm class: free() as dispose()
// (below), and a cache hit served from a memo per key that the core rewrites
// after every change of state (token, fresh-until and servable-until times;
// see src/web/memo.js), so the hot path makes no call into wasm. Every rule stays in the core: a memo of a
// key other than the default one is only filled while the key is in use, so
// the first read of each new token still reaches the core (SPEC 2.7), and
// anything the fast path does not recognise as plainly valid options goes to
// the wasm methods, which judge it (and report errors). A property the fast
// path reads may be read again by the wasm method when it falls through.
//
// Reading the clock costs several times a Map lookup, so the verdict of one
// reading (`f`: fresh, `s`: servable) is reused until the current task's
// microtasks have run: `q` holds the task's number (`task`, moved on by one
// microtask queued at the first verdict of a task), and the core clears it
// whenever it rewrites the memo. A token is only served this way while it
// has more than SLACK ms in hand beyond its cutoff, so a verdict can only
// mislead a task that runs for longer than that without yielding. A fake
// clock (@sinonjs/fake-timers, vitest, Jest) jumps by any amount inside one
// task, so a verdict is reused only while Date.now is the engine's own.
writeFileSync(
  join(pkg, "index.js"),
  `import { Session as WasmSession } from "./session_swr.js";
export { default, initSync, pickFreshestJwt } from "./session_swr.js";
export { SessionError } from "${errorPath}";

const SLACK = 1000;
// The engine's clock, or null if Date.now was already replaced at load.
const NATIVE = Function.prototype.toString.call(Date.now).includes("[native code]") ? Date.now : null;
// A settled promise's then() queues the expiry with the task's microtasks at a
// tenth of queueMicrotask's cost in Chromium.
const TICK = Promise.resolve();
let task = 0;
let queued = false;
const nextTask = () => {
  task++;
  queued = false;
};

export class Session extends WasmSession {
  #memos;
  constructor(options) {
    super(options);
    this.#memos = super.__memo;
  }
  // The memo of the key plainly valid options name, judged; else undefined.
  // The options are read as options.js reads them (each field by name, any
  // other enumerable key an error), and anything unusual falls through to
  // wasm (a skipCache getToken among them).
  #memo(o, get) {
    const memos = this.#memos;
    let m = memos.d;
    if (o !== undefined) {
      let template, org;
      // A throwing getter or proxy trap falls through too: wasm turns it
      // into the SessionError getToken may reject with.
      try {
        if (o === null || typeof o !== "object" || Object.getPrototypeOf(o) !== Object.prototype) return;
        for (const k in o) {
          if (k !== "template" && k !== "organizationId" && k !== "skipCache" && k !== "refreshIfStale") return;
        }
        template = o.template;
        org = o.organizationId;
        const skip = o.skipCache ?? false;
        const stale = o.refreshIfStale ?? false;
        if (template !== undefined && typeof template !== "string") return;
        if (org != null && typeof org !== "string") return;
        // getToken with skipCache always goes to origin.
        if (typeof stale !== "boolean" || (get ? skip !== false : typeof skip !== "boolean")) return;
      } catch {
        return;
      }
      // tokenId as the core builds it: [sessionId, template, organizationId]
      // with the empty ones left out, joined by "-".
      if (org === undefined) org = memos.org;
      let id = memos.sid;
      if (template) id += "-" + template;
      if (org) id += "-" + org;
      if ((m = memos.keys.get(id)) === undefined) return;
    }
    if (m.q !== task || Date.now !== NATIVE) {
      const now = Date.now();
      m.f = now < m.fresh - SLACK;
      m.s = now < m.servable - SLACK;
      // A verdict on a fake clock's time is never reused, not even once
      // the engine's clock is back.
      m.q = Date.now === NATIVE && task;
      if (m.q !== false && !queued) {
        queued = true;
        TICK.then(nextTask);
      }
    }
    return m;
  }
  getToken(options) {
    const m = this.#memo(options, true);
    return m?.f ? Promise.resolve(m.token) : super.getToken(options);
  }
  peekToken(options) {
    const m = this.#memo(options, false);
    return m?.s ? m.token : super.peekToken(options);
  }
  // free() (and Symbol.dispose, which wasm-bindgen points at its own free)
  // is dispose(): every method then answers as after dispose(), and the
  // little a disposed session holds in wasm memory goes with the garbage
  // collector (wasm-bindgen's FinalizationRegistry), never while a method
  // of it may still be running.
  free() {
    this.dispose();
  }
}
if (Symbol.dispose) Session.prototype[Symbol.dispose] = Session.prototype.free;
`,
);
writeFileSync(
  join(pkg, "index.d.ts"),
  `import type { InitInput, SyncInitInput } from "./session_swr.js";
export { Session, pickFreshestJwt } from "./session_swr.js";
export type { SessionOptions, GetTokenOptions, TokenUpdate, InitInput, SyncInitInput } from "./session_swr.js";
/** Loads the .wasm (by default from beside this file). Call once before anything else. */
export default function init(
  input?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<void>;
/** Synchronous init from bytes or a compiled module (workers, tests). */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): void;
/** The only error getToken rejects with. */
export declare class SessionError extends Error {
  /** network_error, http_error, unauthenticated, rate_limited, invalid_response, offline, disposed or invalid_options. */
  code: string;
  /** HTTP status, for http_error, unauthenticated and rate_limited. */
  status?: number;
  /** Seconds the server asked to wait, for rate_limited. */
  retryAfter?: number;
}
`,
);
// wasm-opt shortened the module's import, export and module names (see
// build.sh); the glue must use the new ones. Every old name must be found
// and none may be left, or the build fails here rather than in a page.
const namesPath = join(pkg, "wasm-names.json");
if (existsSync(namesPath)) {
  const { imports, exports } = JSON.parse(readFileSync(namesPath, "utf8"));
  rmSync(namesPath);
  rmSync(join(pkg, "session_swr_bg.wasm.d.ts"), { force: true });
  const module = new WebAssembly.Module(readFileSync(join(pkg, "session_swr_bg.wasm")));
  const modules = [...new Set(WebAssembly.Module.imports(module).map((i) => i.module))];
  if (modules.length !== 1) throw new Error(`expected one import module, got ${modules}`);
  const word = (name) => new RegExp(`(?<![\\w$])${name.replace(/[$.]/g, "\\$&")}(?![\\w$])`, "g");
  // Every import must be found (the glue provides them all); an export the
  // glue never calls is simply absent.
  const rename = (text, pairs, prefix, file, required) => {
    for (const [from, to] of pairs) {
      const re = word(prefix + from);
      if (required && !re.test(text)) throw new Error(`${from} not found in ${file}`);
      text = text.replace(re, prefix + to);
    }
    return text;
  };
  const gluePath = join(pkg, "session_swr.js");
  let glue = readFileSync(gluePath, "utf8");
  // wasm-bindgen hands the module one object per import module: its own
  // functions (import0) and the namespaces of snippets imported as they are.
  const block = /return \{\n\s*__proto__: null,\n((?:\s*"[^"]+": import\d+,\n)+)\s*\};/;
  const found = glue.match(block);
  if (!found) throw new Error("the glue's import object was not found");
  const sources = new Map([...found[1].matchAll(/"([^"]+)": (import\d+)/g)].map((m) => [m[1], m[2]]));
  const own = imports.filter(([m]) => sources.get(m) === "import0");
  glue = rename(glue, own.map(([, from, to]) => [from, to]), "", "the glue", true);
  const borrowed = imports
    .filter(([m]) => sources.get(m) !== "import0")
    .map(([m, from, to]) => {
      if (!sources.has(m)) throw new Error(`no source for ${m} in the glue`);
      return `${to}: ${sources.get(m)}.${from}`;
    });
  glue = glue.replace(block, `return { __proto__: null, ${JSON.stringify(modules[0])}: { ...import0, ${borrowed.join(", ")} } };`);
  glue = rename(glue, exports, "wasm.", "the glue", false);
  for (const name of [...own.map(([, from]) => from), ...exports.map(([from]) => `wasm.${from}`)]) {
    if (word(name).test(glue)) throw new Error(`${name} left in the glue`);
  }
  writeFileSync(gluePath, glue);
  // The raw exports' types, which the package's own init() hides.
  const dtsPath = join(pkg, "session_swr.d.ts");
  writeFileSync(dtsPath, rename(readFileSync(dtsPath, "utf8"), exports, "readonly ", "session_swr.d.ts", false));
}

// One JS file: the entry, the glue and the snippets bundled together, so a
// page fetches two files and gzip sees all the JS at once (a kilobyte less
// than five files). It ships minified; NO_MINIFY=1 leaves it readable.
const bundled = await build({
  entryPoints: [join(pkg, "index.js")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  write: false,
  logLevel: "error",
});
let code = bundled.outputFiles[0].text;
if (!code.includes('new URL("session_swr_bg.wasm", import.meta.url)')) {
  throw new Error("the bundle lost the .wasm URL relative to import.meta.url");
}
if (process.env.NO_MINIFY !== "1") {
  code = (await minify(code, { module: true, compress: { passes: 2 } })).code;
}
writeFileSync(join(pkg, "index.js"), code);
rmSync(join(pkg, "session_swr.js"));
rmSync(snippets, { recursive: true });

const meta = JSON.parse(readFileSync("pkg.json", "utf8"));
writeFileSync(join(pkg, "package.json"), JSON.stringify(meta, null, 2) + "\n");
copyFileSync("README.md", join(pkg, "README.md"));
console.log(`pkg/ ready (${meta.name}@${meta.version})`);
