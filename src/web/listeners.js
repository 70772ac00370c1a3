// onTokenUpdate listeners. Each subscription is its own entry, so one
// function subscribed twice is called twice and unsubscribed once at a time.
// A throwing listener must not stop the others: its error goes to the page's
// reportError instead of being swallowed.
export const listenerSet = () => new Set();

export function subscribe(set, listener) {
  const entry = { listener };
  set.add(entry);
  return () => void set.delete(entry);
}

export function notify(set, tokenId, token, source) {
  const update = { tokenId, token, source };
  for (const { listener } of [...set]) {
    try {
      listener(update);
    } catch (e) {
      globalThis.reportError?.(e);
    }
  }
}

export const clearListeners = (set) => set.clear();
