// Web Lock requests for cross-tab single flight. A tab's own hold ends
// asynchronously after it lets go, so requests for one name are queued per
// session: a session never mistakes its own fading hold for another tab.
export function requestLock(queue, name, granted) {
  const locks = globalThis.navigator?.locks;
  if (typeof locks?.request !== "function") return Promise.reject(new Error("no Web Locks"));
  const previous = queue.get(name) ?? Promise.resolve();
  const request = previous.then(() => locks.request(name, { ifAvailable: true }, granted));
  const tail = request.then(
    () => {},
    () => {},
  );
  queue.set(name, tail);
  tail.then(() => {
    if (queue.get(name) === tail) queue.delete(name);
  });
  return request;
}
