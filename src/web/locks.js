// Web Lock requests for cross-tab single flight (ifAvailable, so a tab never
// queues behind another). done(result, release) is called once: 0 busy,
// 1 acquired (held until release() is called), 2 no Web Locks here. A tab's
// own hold ends asynchronously after it lets go, so requests for one name are
// queued per session: a session never mistakes its own fading hold for
// another tab's.
export function requestLock(queue, name, done) {
  let settled = false;
  const once = (result, release) => {
    if (!settled) {
      settled = true;
      done(result, release);
    }
  };
  const locks = globalThis.navigator?.locks;
  if (typeof locks?.request !== "function") return once(2);
  const previous = queue.get(name) ?? Promise.resolve();
  const request = previous.then(() =>
    locks.request(name, { ifAvailable: true }, (lock) => (lock ? new Promise((release) => once(1, release)) : once(0))),
  );
  // A rejected request (an opaque origin, say) means no locks.
  const tail = request.then(
    () => {},
    () => once(2),
  );
  queue.set(name, tail);
  tail.then(() => {
    if (queue.get(name) === tail) queue.delete(name);
  });
}
