// What an app ships for session-swr, measured as apps ship it: a minimal
// app (init, new Session, getToken, fetchWithAuth) bundled and minified by
// esbuild, plus the .wasm, each gzip -9. Shared by the package test (which
// holds it to the budget) and the benchmark (which reports it).
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { buildSync } from "esbuild";

/** The budget the package test holds the measure to, in bytes. */
export const APP_BUDGET = 64_000;

/** The minimal app: what every app of the library does, and nothing more. */
export const APP = `
import init, { Session } from "session-swr";
await init();
const session = new Session({ frontendApi: "https://clerk.example.com", sessionId: "sess_1" });
console.log(await session.getToken());
console.log((await session.fetchWithAuth("/api/me")).status);
`;

const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** The measure for the package in `pkg` (a directory): bytes gzip -9. */
export function appSize(dir) {
  const pkg = resolve(dir);
  const out = buildSync({
    stdin: { contents: APP, resolveDir: pkg, loader: "js" },
    alias: { "session-swr": join(pkg, "index.js") },
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const js = gzip(out.outputFiles[0].contents);
  const wasm = gzip(readFileSync(join(pkg, "session_swr_bg.wasm")));
  return { js, wasm, total: js + wasm };
}
