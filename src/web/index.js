// The package entry: the glue (session_swr.js) with what wasm-bindgen cannot
// express. SessionError extends Error (session_error.js, the module the glue
// imports: one class). init() reads the .wasm from disk in Node, whose fetch
// cannot load a file: URL. A Session made before init() says to call it.
// free() and Symbol.dispose are dispose(): the glue's free() would leave
// later calls throwing instead of answering "disposed".
import initWasm, { Session as WasmSession, initSync as initWasmSync, pickFreshestJwt } from "./session_swr.js";

export { SessionError } from "./session_error.js";
export { pickFreshestJwt };

let ready = false;

/**
 * Loads the .wasm: by default from beside this module (from disk in Node).
 * @param {Parameters<typeof initWasm>[0]} [input]
 * @returns {Promise<void>}
 */
export default async function init(input) {
  if (input === undefined) {
    const url = new URL("session_swr_bg.wasm", import.meta.url);
    const fs = url.protocol === "file:" ? await nodeFs() : undefined;
    if (fs) input = { module_or_path: await fs.readFile(url) };
  }
  await initWasm(input);
  ready = true;
}

/** @param {Parameters<typeof initWasmSync>[0]} module */
export function initSync(module) {
  initWasmSync(module);
  ready = true;
}

/**
 * Node's fs/promises, else undefined; not a literal, so bundlers leave it.
 * @returns {Promise<{ readFile(path: URL): Promise<Uint8Array> } | undefined>}
 */
async function nodeFs() {
  /** @type {{ versions?: { node?: string }, getBuiltinModule?: (id: string) => any } | undefined} */
  const process = Reflect.get(globalThis, "process");
  if (!process?.versions?.node) return undefined;
  const id = "node:fs/promises";
  return process.getBuiltinModule?.(id) ?? (await import(/* webpackIgnore: true */ /* @vite-ignore */ id));
}

export class Session extends WasmSession {
  /** @param {ConstructorParameters<typeof WasmSession>[0]} options */
  constructor(options) {
    if (!ready) throw new Error("session-swr: call `await init()` (or initSync) before `new Session()`");
    super(options);
  }

  /** Ends the session, as `dispose()` does. */
  free() {
    this.dispose();
  }
}
if (Symbol.dispose) Object.defineProperty(Session.prototype, Symbol.dispose, { value: Session.prototype.free, writable: true, configurable: true });
