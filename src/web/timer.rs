//! The driver's one timer: a gloo-timers `Timeout` for the core's next
//! deadline. gloo binds the global `setTimeout`/`clearTimeout`, which
//! wasm-bindgen looks up at each call, so fake-timer libraries installed
//! after the module loaded drive it as they drive any other code (SPEC 2.8).

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;

use crate::core::Instant;

/// The longest delay `setTimeout` holds (2^31 − 1 ms, 24.8 days); browsers
/// take a longer one as 0.
pub(crate) const MAX_DELAY_MS: f64 = 2_147_483_647.0;

/// A pending timeout for a deadline; dropping it clears the timer.
pub(crate) struct Timer {
    /// The deadline it was armed for.
    pub at: Instant,
    /// Cleared on drop: the callback then does nothing if it still runs.
    live: Rc<Cell<bool>>,
    timeout: Option<Timeout>,
}

impl Timer {
    /// Calls `callback` once at `at`, `delay_ms` from now.
    pub fn new(at: Instant, delay_ms: f64, callback: impl FnOnce() + 'static) -> Timer {
        // Whole milliseconds, rounded up: a timer that fires early would find
        // nothing due and re-arm for the same deadline.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let ms = delay_ms.clamp(0.0, MAX_DELAY_MS).ceil() as u32;
        let live = Rc::new(Cell::new(true));
        let armed = live.clone();
        Timer {
            at,
            live,
            timeout: Some(Timeout::new(ms, move || {
                if armed.get() {
                    callback();
                }
            })),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.live.set(false);
        if let Some(timeout) = self.timeout.take() {
            // `clearTimeout` may not be the `setTimeout` that armed it: fake
            // timers installed or removed in between. Such a timer still
            // fires, so its callback stays alive (JS owns it, and collects
            // it once no timer refers to it) and finds itself cancelled.
            timeout.cancel().forget();
        }
    }
}
