// The package entry: wasm-bindgen's glue (session_swr.js) re-exported with
// what it cannot express itself. `SessionError` extends Error, so it is JS
// (session_error.js, the very module the glue imports, hence one class);
// `init()` with no argument reads the .wasm from disk in Node, whose fetch
// cannot load a file: URL; `free()` and `Symbol.dispose` end the session as
// dispose() does, because wasm-bindgen's own free() would leave every later
// call throwing instead of answering "disposed".
import initWasm, { Session as WasmSession, initSync, pickFreshestJwt } from "./session_swr.js";

export { SessionError } from "./session_error.js";
export { initSync, pickFreshestJwt };

/**
 * Loads the .wasm: by default from beside this module (read from disk in
 * Node), else from what `input` names or holds.
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
}

/**
 * Node's fs/promises, or undefined outside Node. The specifier is not a
 * literal, so that bundlers leave it alone.
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
  /** Ends the session, as `dispose()` does. */
  free() {
    this.dispose();
  }
}
if (Symbol.dispose) Object.defineProperty(Session.prototype, Symbol.dispose, { value: Session.prototype.free, writable: true, configurable: true });
