// Compiled with tsc --strict against the built package: the public types must
// be exactly those of the contract, with no `any` leaking through.
import init, {
  Session,
  SessionError,
  pickFreshestJwt,
  type GetTokenOptions,
  type RefreshEvent,
  type SessionErrorCode,
  type SessionEnd,
  type SessionOptions,
  type SessionSnapshot,
  type TokenInfo,
  type TokenUpdate,
} from "../../pkg/index.js";

type IsAny<T> = 0 extends 1 & T ? true : false;
type AssertFalse<T extends false> = T;

async function main(): Promise<void> {
  await init();
  const options: SessionOptions = {
    frontendApi: "https://clerk.example.com",
    sessionId: "sess_1",
    organizationId: null,
    lastActiveToken: null,
    backgroundRefreshThreshold: 15,
    pollInterval: 5000,
    broadcastChannel: "clerk:session_token",
    fetch: globalThis.fetch,
    credentials: "include",
    timeout: 10_000,
  };
  const session = new Session(options);
  const get: GetTokenOptions = { template: "t", organizationId: null, skipCache: true, refreshIfStale: false };
  const token: string = await session.getToken(get);
  // SPEC 11: a signal on every wait, fetchWithAuth's too; a status for UIs.
  const bounded: string = await session.getToken({ signal: AbortSignal.timeout(2000) });
  const boundedInfo: TokenInfo = await session.getTokenInfo({ template: "t", signal: new AbortController().signal });
  const viaInit: Response = await session.fetchWithAuth("/api/me", { signal: AbortSignal.timeout(2000) });
  const snapshot: SessionSnapshot = session.getSnapshot();
  const status: "loading" | "ready" | "refreshing" | "error" | "offline" | "ended" = snapshot.status;
  const shown: string | null = snapshot.token;
  const until: number | null = snapshot.expiresAt;
  const failure: SessionError | null = snapshot.error;
  const where: string | undefined = failure?.url;
  const why: string | undefined = failure?.reason;
  const unsubscribe: () => void = session.subscribe(() => void session.getSnapshot());
  unsubscribe();
  // @ts-expect-error: a snapshot is read-only.
  snapshot.status = "ready";
  void [bounded, boundedInfo, viaInit, status, shown, until, where, why];
  const plain: string = await session.getToken();
  const peeked: string | null = session.peekToken();
  const off: () => void = session.onTokenUpdate((u: TokenUpdate) => {
    const source: "fetch" | "background" | "broadcast" = u.source;
    const id: string = u.tokenId;
    void [source, id, u.token];
  });
  off();
  const info: TokenInfo = await session.getTokenInfo({ template: "t" });
  const expiresAt: number = info.expiresAt;
  const res: Response = await session.fetchWithAuth("/api/me", { method: "POST", tokenOptions: { template: "t" } });
  const res2: Response = await session.fetchWithAuth(new Request("/api/me"));
  const res3: Response = await session.fetchWithAuth(new URL("https://x.test/api"));
  const offRefresh: () => void = session.onRefresh((e: RefreshEvent) => {
    const trigger: "caller" | "background" | "skipCache" = e.trigger;
    const outcome: "ok" | "error" = e.outcome;
    const code: string | undefined = e.code;
    const status: number | undefined = e.status;
    const n: number = e.attempt + e.durationMs;
    void [trigger, outcome, code, status, n];
  });
  const offEnd: () => void = session.onSessionEnd((e: SessionEnd) => {
    const reason: "unauthenticated" = e.reason;
    void reason;
  });
  const ended: boolean = session.ended;
  void [expiresAt, res, res2, res3, offRefresh, offEnd, ended];
  session.clearCache();
  session.dispose();
  const sid: string = session.sessionId;
  const winner: string = pickFreshestJwt(null, token);
  const winner2: string = pickFreshestJwt(undefined, plain);
  try {
    await session.getToken();
  } catch (e) {
    if (e instanceof SessionError) {
      const code: SessionErrorCode = e.code;
      // @ts-expect-error: a typo of a code does not compile.
      if (e.code === "unauthenticaed") throw e;
      const status: number | undefined = e.status;
      const retryAfter: number | undefined = e.retryAfter;
      const err: Error = e;
      void [code, status, retryAfter, err];
    }
  }
  // No `any` in the public surface.
  type _1 = AssertFalse<IsAny<ReturnType<Session["getToken"]>>>;
  type _2 = AssertFalse<IsAny<Awaited<ReturnType<Session["getToken"]>>>>;
  type _3 = AssertFalse<IsAny<ReturnType<Session["peekToken"]>>>;
  type _4 = AssertFalse<IsAny<Parameters<Session["onTokenUpdate"]>[0]>>;
  type _5 = AssertFalse<IsAny<ReturnType<Session["onTokenUpdate"]>>>;
  type _6 = AssertFalse<IsAny<ConstructorParameters<typeof Session>[0]>>;
  type _7 = AssertFalse<IsAny<Parameters<typeof pickFreshestJwt>[0]>>;
  type _8 = AssertFalse<IsAny<SessionError["code"]>>;
  type _9 = AssertFalse<IsAny<Awaited<ReturnType<Session["fetchWithAuth"]>>>>;
  type _10 = AssertFalse<IsAny<Parameters<Session["fetchWithAuth"]>[1]>>;
  type _11 = AssertFalse<IsAny<Parameters<Session["onRefresh"]>[0]>>;
  type _12 = AssertFalse<IsAny<Awaited<ReturnType<Session["getTokenInfo"]>>>>;
  type _13 = AssertFalse<IsAny<ReturnType<Session["getSnapshot"]>>>;
  type _14 = AssertFalse<IsAny<ReturnType<Session["subscribe"]>>>;
  type _15 = AssertFalse<IsAny<Parameters<Session["subscribe"]>[0]>>;
  void [sid, winner, winner2, peeked];
}

// @ts-expect-error: sessionId is required.
const missing: SessionOptions = { frontendApi: "https://x" };
// @ts-expect-error: source is a closed union.
const badSource: TokenUpdate = { tokenId: "a", token: "b", source: "poll", expiresAt: 0 };
// @ts-expect-error: expiresAt is part of every update.
const noExpiry: TokenUpdate = { tokenId: "a", token: "b", source: "fetch" };
// @ts-expect-error: a status is one of six.
const badStatus: SessionSnapshot["status"] = "stale";
// @ts-expect-error: the only reason.
const badEnd: SessionEnd = { reason: "revoked" };
// @ts-expect-error: eight codes, this is none of them.
const badCode: SessionErrorCode = "timeout";
void [main, missing, badSource, noExpiry, badEnd, badCode, badStatus];
