// pickFreshestJwt called through the real export, as an app would.
import { lib, jwt, eq } from "./harness.js";

export async function pick_freshest_follows_the_decision_table() {
  const { pickFreshestJwt } = await lib();
  const t = (oiat, iat, n) => jwt({ oiat, iat, exp: iat + 60, n });
  const rows = [
    ["A1", t(100, 500, "ex"), t(90, 900, "in"), "existing"],
    ["A2", t(90, 900, "ex"), t(100, 500, "in"), "incoming"],
    ["A3", t(100, 600, "ex"), t(100, 500, "in"), "existing"],
    ["A4", t(100, 500, "ex"), t(100, 600, "in"), "incoming"],
    ["A5", t(100, 500, "ex"), t(100, 500, "in"), "incoming"],
    ["B1", t(100, 100, "ex"), t(null, 900, "in"), "existing"],
    ["B2", t(null, 900, "ex"), t(100, 100, "in"), "incoming"],
    ["B3", t(null, 900, "ex"), t(null, 100, "in"), "incoming"],
  ];
  for (const [row, ex, inc, want] of rows) {
    eq(pickFreshestJwt(ex, inc), want === "existing" ? ex : inc, `row ${row}`);
  }
  const only = t(1, 1, "x");
  eq(pickFreshestJwt(null, only), only, "null existing");
  eq(pickFreshestJwt(undefined, only), only, "undefined existing");
  eq(pickFreshestJwt(only, "garbage"), only, "undecodable incoming never wins");
  eq(pickFreshestJwt("garbage", only), only, "undecodable existing loses");
}
