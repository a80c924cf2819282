//! Periodic reconciliation (`fault-cases.md` case 16): a small thread that takes the account's
//! snapshot from `/info` every `venue.reconcile_interval_ms` and hands it to the quote thread,
//! which applies it to the core while idle ([`QuotingCore::reconcile`]) and sends back a
//! [`ReconcileReport`]. This thread logs the reports: a position mismatch is a warning (the
//! coin is then `Reducing` until a later reconciliation agrees).
//!
//! Until a reconciliation agrees, it retries every [`RETRY`] rather than every interval, so
//! the startup gate ([`super::side`]) opens soon after a startup that needed corrections.
//!
//! It blocks on HTTP with a timeout and never touches the hot path: the snapshot is boxed and
//! crosses an rtrb ring of its own; the quote thread only pops it when its inputs are empty.
//!
//! [`QuotingCore::reconcile`]: crate::core::QuotingCore::reconcile

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::core::reconcile::VenueSnapshot;
use crate::core::venue_sync::ReconcileReport;
use crate::ring::{LosslessRx, LosslessTx};
use crate::runtime::{Clock, SharedClock, Shutdown};
use crate::types::{Address, InstrumentSpec, Nanos};
use crate::venue::account;
use crate::venue::info::InfoClient;

use super::error::EngineError;

/// Retry interval while no reconciliation has agreed yet.
pub const RETRY: Duration = Duration::from_secs(2);
/// How often the thread checks for shutdown while it waits.
const POLL: Duration = Duration::from_millis(50);

/// Where to reconcile and how often.
#[derive(Debug, Clone)]
pub struct ReconcilerSettings {
    /// The venue's `/info` URL.
    pub info_url: String,
    /// The account.
    pub account: Address,
    /// The quoted coins.
    pub instruments: Vec<InstrumentSpec>,
    /// Interval between reconciliations once one has agreed.
    pub interval: Duration,
    /// The clock: snapshots are stamped with its wall time, rounds timed on its monotonic time.
    pub clock: SharedClock,
}

/// The reconciler's ends: snapshots out to the quote thread, reports back.
pub struct ReconcilerIo {
    /// Snapshots to the quote thread.
    pub snapshots: rtrb::Producer<Box<VenueSnapshot>>,
    /// Reports from the quote thread.
    pub reports: LosslessRx<ReconcileReport>,
    /// Set once a reconciliation agreed (the startup gate reads it).
    pub agreed: Arc<AtomicBool>,
}

impl std::fmt::Debug for ReconcilerIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReconcilerIo").finish_non_exhaustive()
    }
}

/// The quote thread's ends of the reconciliation channel.
pub struct ReconcileLink {
    /// Snapshots from the reconciler.
    pub snapshots: rtrb::Consumer<Box<VenueSnapshot>>,
    /// Reports back (lossless, small).
    pub reports: LosslessTx<ReconcileReport>,
    /// Set when a reconciliation agreed.
    pub agreed: Arc<AtomicBool>,
}

impl std::fmt::Debug for ReconcileLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReconcileLink").finish_non_exhaustive()
    }
}

/// The two ends, connected; `agreed` starts as given (the startup reconciliation's verdict).
pub fn link(agreed: bool) -> (ReconcilerIo, ReconcileLink) {
    let (snap_tx, snap_rx) = rtrb::RingBuffer::new(2);
    let (report_tx, report_rx) = crate::ring::lossless(16);
    let agreed = Arc::new(AtomicBool::new(agreed));
    (
        ReconcilerIo { snapshots: snap_tx, reports: report_rx, agreed: Arc::clone(&agreed) },
        ReconcileLink { snapshots: snap_rx, reports: report_tx, agreed },
    )
}

/// Starts the reconciler thread; it stops when shutdown is requested.
pub fn spawn(
    settings: ReconcilerSettings,
    io: ReconcilerIo,
    shutdown: Shutdown,
) -> Result<JoinHandle<()>, EngineError> {
    std::thread::Builder::new()
        .name("hlmm-reconcile".to_owned())
        .spawn(move || run(&settings, io, &shutdown))
        .map_err(|e| EngineError::Spawn { thread: "hlmm-reconcile", reason: e.to_string() })
}

fn run(settings: &ReconcilerSettings, mut io: ReconcilerIo, shutdown: &Shutdown) {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "Reconciler runtime failed: no periodic reconciliation");
            return;
        }
    };
    let info = match InfoClient::new(&settings.info_url, Duration::from_secs(5)) {
        Ok(i) => i,
        Err(e) => {
            tracing::error!(error = %e, "Reconciler client failed: no periodic reconciliation");
            return;
        }
    };
    let clock = &settings.clock;
    let after = |wait: Duration| Nanos(clock.monotonic().0 + wait.as_nanos() as u64);
    let mut next = after(RETRY);
    while !shutdown.is_requested() {
        while let Some(report) = io.reports.pop() {
            log_report(&report, settings);
        }
        if clock.monotonic() < next {
            std::thread::sleep(POLL);
            continue;
        }
        next = after(if io.agreed.load(Ordering::Relaxed) { settings.interval } else { RETRY });
        let fetched = runtime.block_on(account::fetch(
            &info,
            settings.account,
            &settings.instruments,
            clock.now(),
        ));
        match fetched {
            Ok(snapshot) => {
                // A full ring means the quote thread has not taken the last one: skip a round.
                let _ = io.snapshots.push(Box::new(snapshot.venue));
            }
            Err(e) => tracing::warn!(error = %e, "Reconciliation skipped: snapshot failed"),
        }
    }
}

fn log_report(r: &ReconcileReport, settings: &ReconcilerSettings) {
    let coin = |asset| {
        settings.instruments.iter().find(|s| s.asset == asset).map_or("?", |s| s.coin.as_str())
    };
    if let Some((asset, local, venue)) = r.first_mismatch {
        tracing::warn!(
            coin = coin(asset),
            local_lots = local.0,
            venue_lots = venue.0,
            mismatches = r.position_mismatches,
            "Position mismatch: venue size taken, coin reducing until reconciliation agrees"
        );
    }
    if r.agreed() {
        tracing::debug!(external_orders = r.external, "Reconciliation agreed");
    } else {
        tracing::info!(
            adopted = r.adopted,
            confirmed = r.confirmed,
            forgotten = r.forgotten,
            cancels = r.cancels,
            cleared = r.mismatches_cleared,
            "Reconciliation corrected local state"
        );
    }
}
