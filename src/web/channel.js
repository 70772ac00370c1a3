// The BroadcastChannel side of cross-tab sync. Each received message reaches
// the driver as [tokenId, tokenRaw, sessionId, template, organizationId],
// every field a string, null, undefined (absent) or false (anything else):
// the core judges them. A string is cut to `limit` + 1 UTF-16 units, so that
// another tab cannot make this one copy a huge message into wasm memory (see
// MAX_FIELD_LEN in channel.rs). Posts the clerk-js shaped message.
const FIELDS = ["tokenId", "tokenRaw", "sessionId", "template", "organizationId"];

const read = (data, key, limit) => {
  try {
    const v = data[key];
    return v == null ? v : typeof v === "string" ? v.slice(0, limit + 1) : false;
  } catch {
    return false;
  }
};

// The open channel, or null where BroadcastChannel is missing or throws.
export function openChannel(name, onMessage, limit) {
  try {
    const channel = new BroadcastChannel(name);
    channel.onmessage = ({ data }) =>
      onMessage(typeof data === "object" && data !== null ? FIELDS.map((k) => read(data, k, limit)) : []);
    return channel;
  } catch {
    return null;
  }
}

// A failing postMessage is swallowed: the token is already cached here, and
// other tabs refresh on their own.
export function postToken(channel, tokenId, tokenRaw, sessionId, template, organizationId, traceId) {
  try {
    channel.postMessage({ tokenId, tokenRaw, sessionId, template: template ?? null, organizationId: organizationId ?? null, traceId });
  } catch {}
}

export function closeChannel(channel) {
  channel.onmessage = null;
  channel.close();
}
