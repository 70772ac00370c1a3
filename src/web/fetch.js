// Sends one /tokens request and reads the response, trusting nothing an
// injected fetch returns. Calls done(status, retryAfter, body) once with the
// response, or done(0, undefined, why) when there is none; never throws. A
// body is cut to `limit` + 1 UTF-16 units (still over the core's byte limit)
// so a huge one is never copied into wasm memory.
// Only plumbing lives here: what a status or body means is the core's call.
const describe = (e) => {
  try {
    if (typeof e?.message === "string") return e.message;
    if (typeof e === "string") return e;
  } catch {}
  return "fetch failed";
};

async function read(response, limit) {
  const status = response?.status;
  if (typeof status !== "number" || !(status >= 100 && status <= 599)) {
    return [0, undefined, "fetch resolved to something that is not a Response"];
  }
  let retryAfter;
  try {
    retryAfter = response.headers.get("Retry-After");
  } catch {}
  if (typeof response.text !== "function") return [0, undefined, "the response has no text()"];
  let body;
  try {
    body = await response.text();
  } catch {}
  if (typeof body !== "string") return [0, undefined, "reading the response body failed"];
  return [status, typeof retryAfter === "string" ? retryAfter : undefined, body.slice(0, limit + 1)];
}

export function sendTokens(fetch, url, body, contentType, credentials, limit, done) {
  let sent;
  try {
    const init = { method: "POST", headers: { "Content-Type": contentType }, body, credentials };
    sent = fetch ? fetch(url, init) : globalThis.fetch(url, init);
  } catch (e) {
    sent = Promise.reject(e);
  }
  Promise.resolve(sent)
    .then((response) => read(response, limit))
    .catch((e) => [0, undefined, describe(e)])
    .then(([status, retryAfter, text]) => done(status, retryAfter, text));
}
