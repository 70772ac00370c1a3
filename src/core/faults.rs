//! Rules a test may break on purpose, so that the simulation can show it
//! catches each one (a checker that passes whatever the code does proves
//! nothing). The switches exist only with the `test-hooks` feature, which
//! only the crate's own tests turn on (a dev-dependency on itself): in
//! every other build [`Faults::has`] is a constant `false` and the checks
//! that call it compile away.

/// A rule of the SPEC that can be broken on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The freshness guard (SPEC 2.5) takes every write.
    Guard,
    /// Another tab's `ended` message is ignored (SPEC 10.2).
    PeerEnd,
    /// A busy refresh lock counts as granted and callers never share a
    /// request (SPEC 2.3, 4.4).
    SingleFlight,
    /// Tokens with 5 s or less left are served (SPEC 2).
    Cutoff,
    /// `Retry-After` is not honoured (SPEC 5).
    RetryAfter,
    /// A call waits however long its request takes (SPEC 11.1).
    Timeout,
    /// A session that failed to get its token waits for the app's next
    /// call (SPEC 11.2).
    Recovery,
    /// Calls refused 401 with one token each make a request (SPEC 11.5).
    Refused,
    /// A question to the other tabs is never closed by their count, only
    /// by its deadline (SPEC 10.1).
    Uncounted,
}

/// The faults switched on in one session.
#[derive(Debug, Clone, Default)]
pub struct Faults(#[cfg(feature = "test-hooks")] Vec<Fault>);

impl Faults {
    /// Whether `fault` is on: never, without the `test-hooks` feature.
    #[inline]
    pub fn has(&self, fault: Fault) -> bool {
        #[cfg(feature = "test-hooks")]
        return self.0.contains(&fault);
        #[cfg(not(feature = "test-hooks"))]
        {
            let _ = fault;
            false
        }
    }

    /// Switches `fault` on.
    #[cfg(feature = "test-hooks")]
    pub fn set(&mut self, fault: Fault) {
        self.0.push(fault);
    }
}
