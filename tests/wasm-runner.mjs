// Cargo runner for the wasm32 test binary: serves it with
// wasm-bindgen-test-runner's interactive mode and drives the page with
// Playwright and Debian's Chromium. chromedriver sometimes never gets a
// renderer's answer on this kind of machine; here a stuck launch is retried.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [wasm, ...args] = process.argv.slice(2);
const timeoutMs = Number(process.env.WASM_BINDGEN_TEST_TIMEOUT ?? 120) * 1000;
const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function serve() {
  const port = await freePort();
  const child = spawn("wasm-bindgen-test-runner", [wasm, ...args], {
    env: { ...process.env, NO_HEADLESS: "1", WASM_BINDGEN_TEST_ADDRESS: `127.0.0.1:${port}` },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  await new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("no tests to run")) resolve();
      if (out.includes("are now available")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`test server exited (${code}): ${out}`)));
  });
  return { child, url: `http://127.0.0.1:${port}/`, none: out.includes("no tests to run") };
}

async function runOnce(url) {
  const dir = mkdtempSync(join(tmpdir(), "wbt-"));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await ctx.newPage();
    const console_ = [];
    page.on("console", (m) => console_.push(m.text()));
    page.on("pageerror", (e) => console_.push(`pageerror: ${e.message}`));
    await page.goto(url, { timeout: 15_000 });
    // A launch that never starts running tests is the flaky case: retry it.
    await page.waitForFunction(() => /running \d+ tests?/.test(document.body.innerText), null, { timeout: 30_000 });
    await page.waitForFunction(() => /test result: /.test(document.body.innerText), null, { timeout: timeoutMs });
    const text = await page.evaluate(() => document.getElementById("output")?.innerText ?? document.body.innerText);
    return { text, console: console_ };
  } finally {
    await ctx.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

const { child, url, none } = await serve();
let code = 1;
try {
  if (none) {
    console.log("no tests to run!");
    code = 0;
  } else {
    let result;
    for (let attempt = 1; attempt <= 3 && !result; attempt++) {
      try {
        result = await runOnce(url);
      } catch (e) {
        console.error(`browser attempt ${attempt} failed: ${e.message.split("\n")[0]}`);
      }
    }
    if (!result) throw new Error("the browser never ran the tests");
    console.log(result.text.trim());
    const ok = /test result: ok\./.test(result.text);
    if (!ok && result.console.length) console.log(`\nconsole output:\n${result.console.join("\n")}`);
    code = ok ? 0 : 1;
  }
} catch (e) {
  console.error(e.message);
} finally {
  child.kill();
}
process.exit(code);
