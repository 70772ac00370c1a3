// The README's code blocks, checked as written so that they cannot rot: every
// js, ts and tsx block is a module of its own, type-checked with tsc --strict
// against the built package (the browser's and Node's types, React's for
// TSX); every sh block's commands name scripts and commands that exist. The
// React recipe also runs, in the Vite app of react.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { codeBlocks } from "./markdown.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const blocks = codeBlocks(readme);

test("the README's js, ts and tsx blocks type-check with tsc --strict", () => {
  const typed = blocks.filter((b) => ["js", "ts", "tsx"].includes(b.lang));
  assert.ok(typed.length >= 12, `only ${typed.length} blocks found`);
  // Inside the repository (target/ is not committed), so that react, vite
  // and @types resolve from its node_modules.
  const dir = join(ROOT, "target/readme-blocks");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = typed.map((b) => {
    const file = `line-${b.line}.${b.lang}`;
    writeFileSync(join(dir, file), b.code + "\n");
    return file;
  });
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, allowJs: true, checkJs: true, isolatedModules: true,
      target: "ES2022", module: "ESNext", moduleResolution: "bundler", jsx: "react-jsx",
      lib: ["ES2022", "DOM", "DOM.Iterable", "ESNext.Disposable"], types: ["node"],
      // The package's own declarations are checked with skipLibCheck off
      // by the package test; here, the README's code.
      skipLibCheck: true,
      paths: { "session-swr": [join(ROOT, "pkg/index.d.ts")] },
    },
    files,
  }));
  try {
    execFileSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", join(dir, "tsconfig.json")], { cwd: dir, stdio: "pipe" });
  } catch (e) {
    // Errors point at README.md's lines.
    const out = `${e.stdout}${e.stderr}`.replace(/line-(\d+)\.(\w+)\((\d+),(\d+)\)/g, (_, start, _lang, l, c) => `README.md:${Number(start) + Number(l)}:${c}`);
    assert.fail(`tsc:\n${out}`);
  }
});

test("the README's sh blocks name scripts and commands that exist", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "pkg.json"), "utf8"));
  const sh = blocks.filter((b) => b.lang === "sh");
  assert.ok(sh.length >= 3);
  for (const b of sh) {
    for (const raw of b.code.split("\n")) {
      const line = raw.replace(/#.*$/, "").trim();
      if (!line) continue;
      const [cmd, arg] = line.split(/\s+/);
      if (cmd === "bash") assert.ok(existsSync(join(ROOT, arg)), `README.md:${b.line}: ${arg} does not exist`);
      else if (cmd === "npx") assert.ok(arg in (pkg.bin ?? {}), `README.md:${b.line}: the package has no ${arg} command`);
      else if (cmd === "npm") assert.ok(["pack", "install"].includes(arg), `README.md:${b.line}: npm ${arg}?`);
      else assert.fail(`README.md:${b.line}: an unchecked command: ${line}`);
    }
  }
});
