// Shared set-up for the end-to-end tests: the stand-in server and Debian's
// Chromium driven by playwright-core, pages of one origin in one context.
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { start } from "../../www/server.mjs";

export const ARTIFACTS = new URL("../../artifacts/", import.meta.url).pathname;

export async function launch() {
  const { server, port } = await start(0);
  const origin = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "e2e-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  // Every page's uncaught errors and unhandled rejections (Chromium reports
  // both as page errors), whoever opened the page.
  const errors = [];
  const watch = (page) => page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  context.pages().forEach(watch);
  context.on("page", watch);
  const admin = async (path, body) => {
    const res = await fetch(`${origin}/admin/${path}`, body ? { method: "POST", body: JSON.stringify(body) } : {});
    return res.json();
  };
  const open = async (path = "/e2e.html") => {
    const page = await context.newPage();
    await page.goto(`${origin}${path}`);
    // Both pages mark themselves ready once their Session exists.
    await page.waitForFunction(() => document.documentElement.dataset.ready === "1");
    return page;
  };
  const close = async () => {
    await context.close().catch(() => {});
    server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { origin, context, admin, open, close, takeErrors: () => errors.splice(0) };
}

/**
 * Fails each test of the calling file in which any page threw or left a
 * rejection unhandled (SPEC 5). `env` is read when each test ends.
 */
export function failOnPageErrors(env) {
  afterEach(() => {
    assert.deepEqual(env()?.takeErrors() ?? [], [], "uncaught errors or unhandled rejections in a page");
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
