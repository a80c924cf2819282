//! Which core each pinned thread runs on, and what happens when there are not enough.
//!
//! The config names a core for the feed, quote and exec threads. Pinning needs the cores to
//! exist and, for busy-polling to make sense, one free core per busy thread. When the machine
//! has fewer cores than that (a laptop, a 2-core CI box, a container with a CPU quota), the
//! engine still starts: it warns, pins what it can, and switches the busy threads to
//! spin-then-yield so they share cores politely.

use super::idle::IdlePolicy;

/// The threads that may be pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinnedThread {
    /// The feed handler.
    Feed,
    /// The quoting thread.
    Quote,
    /// The execution thread.
    Exec,
}

impl PinnedThread {
    /// The thread's name, as given to the OS.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Feed => "hlmm-feed",
            Self::Quote => "hlmm-quote",
            Self::Exec => "hlmm-exec",
        }
    }
}

/// What the engine asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PinRequest {
    /// Core for the feed thread, if pinned.
    pub feed: Option<usize>,
    /// Core for the quote thread, if pinned.
    pub quote: Option<usize>,
    /// Core for the exec thread, if pinned.
    pub exec: Option<usize>,
    /// The configured policy for busy threads.
    pub policy: Option<IdlePolicy>,
}

/// What the engine will do, with the reasons for any downgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinPlan {
    /// Core per thread (`None`: not pinned).
    pub feed: Option<usize>,
    /// Core for the quote thread.
    pub quote: Option<usize>,
    /// Core for the exec thread.
    pub exec: Option<usize>,
    /// The policy busy threads will use.
    pub policy: IdlePolicy,
    /// Human-readable warnings: each downgrade and why. Logged once at startup.
    pub warnings: Vec<String>,
}

impl PinPlan {
    /// Decides the plan for a machine whose usable core ids are `available` (from
    /// `core_affinity::get_core_ids()`, which honours the process's CPU mask).
    ///
    /// Rules: a requested core that is not available is not pinned (warn); two threads asking
    /// for the same core keep only the first (warn); busy spinning needs one available core per
    /// busy thread (quote and exec) plus one for everything else, otherwise the policy becomes
    /// spin-then-yield (warn).
    pub fn decide(request: PinRequest, available: &[usize]) -> Self {
        let mut warnings = Vec::new();
        let mut taken: Vec<usize> = Vec::new();
        let mut resolve = |thread: PinnedThread, want: Option<usize>| -> Option<usize> {
            let core = want?;
            if !available.contains(&core) {
                warnings.push(format!(
                    "{}: core {core} is not available (usable cores: {available:?}); not pinned",
                    thread.name()
                ));
                return None;
            }
            if taken.contains(&core) {
                warnings.push(format!(
                    "{}: core {core} is already taken by another pinned thread; not pinned",
                    thread.name()
                ));
                return None;
            }
            taken.push(core);
            Some(core)
        };
        let feed = resolve(PinnedThread::Feed, request.feed);
        let quote = resolve(PinnedThread::Quote, request.quote);
        let exec = resolve(PinnedThread::Exec, request.exec);

        let requested = request.policy.unwrap_or(IdlePolicy::BusySpin);
        // Quote and exec poll rings; feed blocks on its socket; side and the OS need a core.
        let busy_threads = 2;
        let policy = match requested {
            IdlePolicy::BusySpin if available.len() < busy_threads + 1 => {
                warnings.push(format!(
                    "only {} usable core(s) for {busy_threads} busy-polling threads plus the rest; \
                     falling back to spin-then-yield",
                    available.len()
                ));
                IdlePolicy::SPIN_THEN_YIELD
            }
            other => other,
        };
        Self { feed, quote, exec, policy, warnings }
    }

    /// The core for `thread`, if it is pinned.
    pub const fn core_for(&self, thread: PinnedThread) -> Option<usize> {
        match thread {
            PinnedThread::Feed => self.feed,
            PinnedThread::Quote => self.quote,
            PinnedThread::Exec => self.exec,
        }
    }
}

/// The usable core ids of this process.
pub fn available_cores() -> Vec<usize> {
    core_affinity::get_core_ids().unwrap_or_default().into_iter().map(|c| c.id).collect()
}

/// Pins the calling thread to `core`. Returns `false` if the OS refused (the caller warns and
/// goes on unpinned).
pub fn pin_current_thread(core: usize) -> bool {
    core_affinity::set_for_current(core_affinity::CoreId { id: core })
}

/// Lowers the calling thread's scheduling priority to `nice` (19 = lowest). Linux applies
/// `setpriority(PRIO_PROCESS, tid)` per thread. Returns the error text if it failed.
pub fn lower_current_thread_priority(nice: i32) -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid takes no arguments and cannot fail; setpriority only reads its integer
        // arguments. Neither touches memory we own.
        let rc = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, nice)
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error().to_string());
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = nice;
        Err("thread priorities are only set on Linux".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(feed: Option<usize>, quote: Option<usize>, exec: Option<usize>) -> PinRequest {
        PinRequest { feed, quote, exec, policy: Some(IdlePolicy::BusySpin) }
    }

    #[test]
    fn enough_cores_pins_everything_and_busy_spins() {
        let plan = PinPlan::decide(request(Some(1), Some(2), Some(3)), &[0, 1, 2, 3]);
        assert_eq!((plan.feed, plan.quote, plan.exec), (Some(1), Some(2), Some(3)));
        assert_eq!(plan.policy, IdlePolicy::BusySpin);
        assert!(plan.warnings.is_empty());
    }

    #[test]
    fn two_cores_fall_back_to_spin_then_yield_with_a_warning() {
        let plan = PinPlan::decide(request(Some(0), Some(1), None), &[0, 1]);
        assert_eq!(plan.policy, IdlePolicy::SPIN_THEN_YIELD);
        assert!(plan.warnings.iter().any(|w| w.contains("falling back to spin-then-yield")));
        assert_eq!(plan.quote, Some(1));
    }

    #[test]
    fn a_missing_core_is_not_pinned_and_named() {
        let plan = PinPlan::decide(request(None, Some(7), None), &[0, 1, 2, 3]);
        assert_eq!(plan.quote, None);
        assert!(plan.warnings.iter().any(|w| w.contains("hlmm-quote: core 7 is not available")));
    }

    #[test]
    fn a_core_asked_twice_goes_to_the_first_thread() {
        let plan = PinPlan::decide(request(Some(2), Some(2), None), &[0, 1, 2, 3]);
        assert_eq!((plan.feed, plan.quote), (Some(2), None));
        assert!(plan.warnings.iter().any(|w| w.contains("already taken")));
    }

    #[test]
    fn configured_spin_then_yield_is_kept() {
        let mut req = request(None, None, None);
        req.policy = Some(IdlePolicy::SpinThenYield { spins: 10 });
        let plan = PinPlan::decide(req, &[0, 1, 2, 3]);
        assert_eq!(plan.policy, IdlePolicy::SpinThenYield { spins: 10 });
    }

    #[test]
    fn no_usable_cores_still_starts() {
        let plan = PinPlan::decide(request(Some(0), Some(1), Some(2)), &[]);
        assert_eq!((plan.feed, plan.quote, plan.exec), (None, None, None));
        assert_eq!(plan.policy, IdlePolicy::SPIN_THEN_YIELD);
    }
}
