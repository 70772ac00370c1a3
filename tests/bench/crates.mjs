// What each crate puts in the module: code bytes per crate, read from the
// name section of a release build optimised like the package but with its
// names kept (scripts/bench.sh makes it). Functions are counted where the
// optimiser left them, so a crate's code inlined into ours counts as ours.
import { readFileSync } from "node:fs";

const leb = (b, i) => {
  let r = 0, s = 0, x;
  do { x = b[i++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
  return [r, i];
};

export function crateSizes(path) {
  const b = readFileSync(path);
  let i = 8, imported = 0;
  const code = [], names = new Map();
  let data = 0;
  while (i < b.length) {
    const id = b[i++];
    let size;
    [size, i] = leb(b, i);
    const end = i + size;
    if (id === 2) {
      let [n, j] = leb(b, i);
      for (let k = 0; k < n; k++) {
        let l;
        [l, j] = leb(b, j); j += l;
        [l, j] = leb(b, j); j += l;
        const kind = b[j++];
        if (kind === 0) { imported++; [, j] = leb(b, j); }
        else if (kind === 1) { j++; const [flags, j2] = leb(b, j); j = j2; [, j] = leb(b, j); if (flags & 1) [, j] = leb(b, j); }
        else if (kind === 2) { const flags = b[j++]; [, j] = leb(b, j); if (flags & 1) [, j] = leb(b, j); }
        else if (kind === 3) j += 2;
      }
    } else if (id === 10) {
      let [n, j] = leb(b, i);
      for (let k = 0; k < n; k++) { const [sz, j2] = leb(b, j); code.push(sz + (j2 - j)); j = j2 + sz; }
    } else if (id === 11) {
      data = size;
    } else if (id === 0) {
      let [l, j] = leb(b, i);
      if (b.subarray(j, j + l).toString() === "name") {
        j += l;
        while (j < end) {
          const sub = b[j++];
          let ssz;
          [ssz, j] = leb(b, j);
          if (sub === 1) {
            let [n, k] = leb(b, j);
            for (let m = 0; m < n; m++) {
              let idx, nl;
              [idx, k] = leb(b, k); [nl, k] = leb(b, k);
              names.set(idx, b.subarray(k, k + nl).toString()); k += nl;
            }
          }
          j += ssz;
        }
      }
    }
    i = end;
  }
  const owner = (name) => {
    // wasm-bindgen's export shims, with our code inlined into them.
    if (/^(session_[a-zA-Z]+|pickFreshestJwt)( |$)/.test(name)) return "session-swr";
    // The first path names the crate: `<T as Trait>::f` is T's.
    const m = name.match(/([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::/);
    if (!m) return name.startsWith("__") ? "wasm-bindgen" : "other";
    const crate = m[1] === "session_swr" ? "session-swr" : m[1].replace(/_/g, "-");
    return ["core", "alloc", "std"].includes(crate) ? "std (core, alloc, std)" : crate;
  };
  const totals = new Map();
  code.forEach((size, k) => {
    const who = owner(names.get(k + imported) ?? "");
    totals.set(who, (totals.get(who) ?? 0) + size);
  });
  totals.set("data (strings, tables)", data);
  // Crumbs (a few names the patterns miss) go to "other".
  for (const [who, bytes] of totals) {
    if (bytes < 200 && who !== "other") {
      totals.set("other", (totals.get("other") ?? 0) + bytes);
      totals.delete(who);
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [who, bytes] of crateSizes(process.argv[2])) console.log(`${String(bytes).padStart(7)}  ${who}`);
}
