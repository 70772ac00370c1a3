// The package entry's cache-hit memos (see scripts/package.mjs), rewritten by
// the core after every change of state: per key {token, fresh, servable}
// (times in ms, local clock) beside the entry's verdict on them (q, f, s), in
// `keys` by tokenId, the default key's also as `d`; `sid` and `org` (the
// session's organization) let the entry build a tokenId as the core does.
export const newMemos = (sid, org) => ({ sid, org, keys: new Map(), d: undefined, gen: 0 });

// Rewrites the memo of `id`, made on first use: the driver names the default
// key first, which makes its memo `d`.
export function setMemo(memos, id, token, fresh, servable) {
  let m = memos.keys.get(id);
  if (m === undefined) memos.keys.set(id, (m = { q: false, f: false, s: false }));
  memos.d ??= m;
  m.gen = memos.gen;
  m.token = token;
  m.fresh = fresh;
  m.servable = servable;
}

// After a round of setMemo: every verdict (q) is void, and a memo the round
// did not rewrite belongs to a key the core no longer has (clearCache,
// dispose) and serves nothing.
export function endMemos(memos) {
  for (const m of memos.keys.values()) {
    if (m.gen !== memos.gen) m.fresh = m.servable = -Infinity;
    m.q = false;
  }
  memos.gen++;
}
