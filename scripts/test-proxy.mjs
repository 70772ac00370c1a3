// An HTTP proxy between headless Chromium and wasm-bindgen-test-runner's
// server, started by scripts/browser-tests.sh.
//
// Why: the runner's server (tiny_http 0.12) gives each connection a pool
// thread for the connection's whole life, and a pool that is handed several
// new connections at once can queue one while every thread waits on an idle
// keep-alive connection. The queued connection's request is never answered,
// the test page's load event never comes, and the run hangs (seen in about one
// run in three, always on one of the modules the page loads at once). Through
// this proxy each request upstream goes on a connection of its own that the
// server closes after answering, so no thread is held and a queued connection
// waits milliseconds, not forever.
//
// Usage: node scripts/test-proxy.mjs <webdriver.json> <out.json>
// Listens on a free loopback port, then writes <out.json>: the capabilities
// of <webdriver.json> with Chromium told to use this proxy for loopback too.
import http from "node:http";
import { readFileSync, writeFileSync } from "node:fs";

const [capsIn, capsOut] = process.argv.slice(2);
if (!capsIn || !capsOut) {
  console.error("usage: node scripts/test-proxy.mjs <webdriver.json> <out.json>");
  process.exit(2);
}

// Hop-by-hop headers: they describe one connection, not the message.
const HOP = ["connection", "keep-alive", "proxy-connection", "transfer-encoding"];
const without = (headers, names) =>
  Object.fromEntries(Object.entries(headers).filter(([k]) => !names.includes(k)));

const server = http.createServer((req, res) => {
  let target = null;
  try {
    target = new URL(req.url);
  } catch {}
  // Only the test server; Chromium's own background traffic goes nowhere.
  if (target?.protocol !== "http:" || target.hostname !== "127.0.0.1") {
    res.writeHead(502).end();
    return;
  }
  const upstream = http.request(
    {
      host: target.hostname,
      port: target.port,
      path: target.pathname + target.search,
      method: req.method,
      headers: { ...without(req.headers, HOP), connection: "close" },
      agent: false,
    },
    (answer) => {
      res.writeHead(answer.statusCode, without(answer.headers, HOP));
      answer.pipe(res);
    },
  );
  upstream.on("error", () => res.destroy());
  req.pipe(upstream);
});
// HTTPS through the proxy (CONNECT) is Chromium's background traffic only.
server.on("connect", (_req, socket) => socket.destroy());

server.listen(0, "127.0.0.1", () => {
  const caps = JSON.parse(readFileSync(capsIn, "utf8"));
  const options = (caps["goog:chromeOptions"] ??= {});
  options.args = [
    ...(options.args ?? []),
    `--proxy-server=http://127.0.0.1:${server.address().port}`,
    // Chromium never proxies loopback unless told to drop that implicit rule.
    "--proxy-bypass-list=<-loopback>",
  ];
  writeFileSync(capsOut, JSON.stringify(caps));
});
