// Placeholder demo server: serves www/ and the built package on 127.0.0.1.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".css": "text/css", ".json": "application/json" };
const port = Number(process.env.PORT ?? process.argv[2] ?? 8787);

const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
  const file = path.startsWith("/pkg/") ? join(root, path) : join(root, "www", path === "/" ? "index.html" : path);
  if (!file.startsWith(root)) return void res.writeHead(403).end();
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not_found"}');
  }
});
server.listen(port, "127.0.0.1", () => console.log(`demo: http://127.0.0.1:${server.address().port}/`));
