// The page's state, as the core needs it: bits of pageState() are 1 online,
// 2 visible, 4 Web Locks available. watchPage() calls onEvent with 0 hidden,
// 1 visible, 2 woken (focus, pageshow: hidden tabs' timers are throttled, so
// deadlines are re-checked), 3 online, 4 offline, and returns the function
// that stops it. Works in workers too (no document there).
const visible = () => globalThis.document?.visibilityState !== "hidden";

export function pageState() {
  const navigator = globalThis.navigator;
  return (navigator?.onLine !== false ? 1 : 0) | (visible() ? 2 : 0) | (typeof navigator?.locks?.request === "function" ? 4 : 0);
}

export function watchPage(onEvent) {
  const on = [
    [globalThis.document, "visibilitychange", () => onEvent(visible() ? 1 : 0)],
    [globalThis, "focus", () => onEvent(2)],
    [globalThis, "pageshow", () => onEvent(2)],
    [globalThis, "online", () => onEvent(3)],
    [globalThis, "offline", () => onEvent(4)],
  ];
  for (const [target, type, listener] of on) target?.addEventListener?.(type, listener);
  return () => {
    for (const [target, type, listener] of on) target?.removeEventListener?.(type, listener);
  };
}
