// [promise, resolve, reject]: the promise of a getToken call that waits, with
// the functions that settle it when the core says so.
export function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  return [promise, resolve, reject];
}
