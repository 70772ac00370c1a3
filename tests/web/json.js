// The module's own JSON path (JSON.parse read with serde-wasm-bindgen)
// against serde_json's, on generated inputs, in the browser (see
// fuzzJsonPaths in src/web/browser_tests.rs).
import { lib, assert } from "./harness.js";

export async function the_browser_json_path_reads_jwts_and_responses_as_serde_json_does() {
  const { fuzzJsonPaths } = await lib();
  for (const seed of [1, 2, 3]) {
    const result = fuzzJsonPaths(seed, 4000);
    assert(result.startsWith("ok "), `seed ${seed}: ${result}`);
    const [, agreed, rejected] = result.split(" ").map(Number);
    // A generator that made only garbage, or only valid tokens, would prove little.
    assert(agreed > 400 && rejected > 400, `seed ${seed}: ${agreed} agreed, ${rejected} rejected by serde_json`);
  }
}
