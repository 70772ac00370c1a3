// Rewrites the package entry's cache-hit memo (see scripts/package.mjs) and
// voids its current verdict (q). A token of undefined keeps the JS string it
// has: making one from wasm memory costs more than the rest of a cache hit.
export function setMemo(memo, token, fresh, servable) {
  memo.q = false;
  if (token !== undefined) memo.token = token;
  memo.fresh = fresh;
  memo.servable = servable;
}
