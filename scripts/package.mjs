// Completes pkg/ after wasm-pack: copies the entry, its types and
// SessionError from src/web/ beside the glue, the Frontend API stand-in
// (www/server.mjs, the package's `session-swr-stand-in` command), and
// merges pkg.json (the package's metadata) into the package.json wasm-pack
// wrote.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const pkg = "pkg";
for (const file of ["index.js", "index.d.ts", "session_error.js"]) {
  copyFileSync(join("src/web", file), join(pkg, file));
}
const generated = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
const meta = JSON.parse(readFileSync("pkg.json", "utf8"));
writeFileSync(join(pkg, "package.json"), JSON.stringify({ ...generated, ...meta }, null, 2) + "\n");
copyFileSync("README.md", join(pkg, "README.md"));
copyFileSync("www/server.mjs", join(pkg, "stand-in.mjs"));
console.log(`pkg/ ready (${meta.name}@${meta.version})`);
