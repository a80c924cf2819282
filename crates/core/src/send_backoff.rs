//! Backing off a symbol's quotes after the gateway could not send one (`NotSent`: no
//! connection, no identity, throttled, signing failed). Without it the core re-quotes on the
//! next book event, the gateway refuses again, and the loop runs at frame speed: an intent storm
//! against a venue (or a gateway) that is refusing anyway.
//!
//! After the n-th `NotSent` in a row the symbol sends nothing new for
//! `min(FIRST · 2^(n−1), MAX)`; an `Accepted` or `Rejected` outcome (the venue answered) ends
//! the streak. While backing off the symbol's orders are left as they are, except that a
//! symbol with nothing to quote still cancels: cancels are always allowed (`risk`).
//!
//! Pure: `now` is an argument.

use hlmm_types::outcome::CommandOutcome;
use hlmm_types::Nanos;

/// The first pause after a refused send, ns (100 ms).
pub(crate) const FIRST_NS: u64 = 100_000_000;
/// The longest pause, ns (5 s).
pub(crate) const MAX_NS: u64 = 5_000_000_000;

/// One symbol's send backoff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SendBackoff {
    /// `NotSent` outcomes in a row.
    streak: u32,
    /// Nothing new is sent before this.
    until: Nanos,
}

impl SendBackoff {
    /// Notes the outcome of one of the symbol's commands.
    pub(crate) fn on_outcome(&mut self, outcome: &CommandOutcome, now: Nanos) {
        match outcome {
            CommandOutcome::NotSent(_) => {
                self.streak = self.streak.saturating_add(1);
                let doublings = self.streak.saturating_sub(1).min(16);
                let pause = FIRST_NS.saturating_mul(1 << doublings).min(MAX_NS);
                self.until = Nanos(now.0.saturating_add(pause));
            }
            CommandOutcome::Accepted(_) | CommandOutcome::Rejected(_) => *self = Self::default(),
            // Unknown whether it landed: says nothing about whether sending works.
            CommandOutcome::Ambiguous(_) => {}
        }
    }

    /// Whether the symbol must not send anything new at `now`.
    pub(crate) fn holds(&self, now: Nanos) -> bool {
        now < self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hlmm_types::outcome::{Accepted, AcceptedStatus, NotSentReason};

    const NOT_SENT: CommandOutcome = CommandOutcome::NotSent(NotSentReason::NoConnection);

    #[test]
    fn each_refused_send_doubles_the_pause_up_to_the_cap_and_an_answer_ends_it() {
        let mut b = SendBackoff::default();
        let t0 = Nanos(1_000_000_000_000);
        assert!(!b.holds(t0));
        let mut pauses = Vec::new();
        let mut now = t0;
        for _ in 0..8 {
            b.on_outcome(&NOT_SENT, now);
            pauses.push(b.until.0 - now.0);
            now = b.until;
            assert!(!b.holds(now), "the pause ends at `until`");
        }
        let ms: Vec<u64> = pauses.iter().map(|p| p / 1_000_000).collect();
        assert_eq!(ms, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        b.on_outcome(&NOT_SENT, now);
        assert!(b.holds(now));
        let accepted =
            CommandOutcome::Accepted(Accepted { oid: None, status: AcceptedStatus::Resting });
        b.on_outcome(&accepted, now);
        assert!(!b.holds(now), "the venue answered: sending works");
        b.on_outcome(&NOT_SENT, now);
        assert_eq!(b.until.0 - now.0, FIRST_NS, "a new streak starts short");
    }
}
