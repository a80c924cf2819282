//! Startup against the venue, before any engine thread runs (the lifecycle's `Halted` phase):
//! set leverage, take the account's snapshot, cancel our orders on coins this run does not
//! quote, and reconcile the core with the snapshot (positions taken from the venue, our orders
//! adopted, other tools' orders left alone).
//!
//! The core stays `Halted` afterwards: it resumes only when the side thread sees every book
//! fresh and [`StartupOutcome::agreed`] (or a later reconciliation) says the core agrees with the
//! venue. Runs on the main thread with its own current-thread runtime; may block and log.

use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::core::venue_sync::{ReconcileKind, ReconcileReport};
use crate::core::QuotingCore;
use crate::runtime::{Clock, SharedClock};
use crate::types::cloid::is_ours;
use crate::types::commands::Command;
use crate::types::{Address, AssetId, Cloid, InstrumentSpec, Nanos};
use crate::venue::account::{self, AccountSnapshot};
use crate::venue::admin::{AdminClient, AdminError};
use crate::venue::info::InfoClient;
use crate::wire::nonce::NonceSource;
use crate::wire::sign::L1Signer;

use super::error::EngineError;
use super::gateway::{address_text, chain_of, Identity};
use super::params::CLOID_PREFIX;

/// Timeout of each startup request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A coin the venue lists, with what startup needs to know about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listed {
    /// Its instrument.
    pub spec: InstrumentSpec,
    /// The venue's maximum leverage for it (0 = not stated).
    pub max_leverage: u32,
}

/// What startup did.
#[derive(Debug)]
pub struct StartupOutcome {
    /// The signer, handed on to the order gateway.
    pub signer: L1Signer,
    /// The nonce source shared by the startup actions and the gateway.
    pub nonces: Arc<NonceSource>,
    /// The account.
    pub account: Address,
    /// Commands the core issued while reconciling (cancels of adopted orders while halted),
    /// to send before anything else.
    pub commands: Vec<Command>,
    /// The reconciliation's report.
    pub report: ReconcileReport,
}

impl StartupOutcome {
    /// Whether the core agreed with the venue after startup (adopting positions and orders is
    /// agreement; an order of ours that could not be cancelled is not).
    pub fn agreed(&self) -> bool {
        self.report.agreed()
    }
}

/// Runs the startup sequence for `identity` on the venue at `urls` (`exchange`, `info`).
pub fn prepare_account(
    config: &Config,
    identity: Identity,
    urls: (&str, &str),
    listed: &[Listed],
    instruments: &[InstrumentSpec],
    core: &mut QuotingCore,
    clock: &SharedClock,
) -> Result<StartupOutcome, EngineError> {
    let (exchange_url, info_url) = urls;
    let fail = |what: &str, e: String| EngineError::Venue(format!("{what}: {e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail("startup runtime", e.to_string()))?;
    let nonces = Arc::new(NonceSource::new());
    let account = identity.account;
    let mut admin = AdminClient::new(
        exchange_url,
        L1Signer::new(identity.key, chain_of(config.venue.kind)),
        Arc::clone(&nonces),
        REQUEST_TIMEOUT,
        Arc::clone(clock),
    )
    .map_err(|e| fail("admin client", e.to_string()))?;
    let info = InfoClient::new(info_url, REQUEST_TIMEOUT)
        .map_err(|e| fail("info client", e.to_string()))?;

    set_leverage(&runtime, &mut admin, config, listed, instruments)?;
    let requested_at = clock.now();
    let snapshot = runtime
        .block_on(account::fetch(&info, account, instruments, requested_at))
        .map_err(|e| fail("account snapshot", e.to_string()))?;
    check_clock_skew(
        requested_at,
        clock.now(),
        snapshot.venue.as_of,
        config.venue.max_clock_skew_ms,
    )?;
    let swept = sweep_other_coins(&runtime, &mut admin, &snapshot, listed)?;

    let mut commands = Vec::with_capacity(256);
    let report =
        core.reconcile(&snapshot.venue, ReconcileKind::Startup, clock.now(), &mut commands);
    tracing::info!(
        account = %address_text(account),
        positions_adopted = report.positions_adopted,
        orders_adopted = report.adopted,
        other_tools_orders = report.external,
        ours_on_other_coins_cancelled = swept,
        "Startup reconciliation"
    );
    for (asset, szi) in snapshot.venue.positions.iter().map(|p| (p.asset, p.szi)) {
        if let Some(spec) = instruments.iter().find(|s| s.asset == asset) {
            tracing::info!(
                coin = spec.coin.as_str(),
                lots = szi.0,
                "Position taken from the venue"
            );
        }
    }
    Ok(StartupOutcome { signer: admin.into_signer(), nonces, account, commands, report })
}

/// `updateLeverage` (cross margin) for every quoted coin, capped at the coin's maximum. A
/// refusal is a warning (the account's current leverage stays); a failed request is an error.
fn set_leverage(
    runtime: &tokio::runtime::Runtime,
    admin: &mut AdminClient,
    config: &Config,
    listed: &[Listed],
    instruments: &[InstrumentSpec],
) -> Result<(), EngineError> {
    let configured = config.venue.leverage;
    for spec in instruments {
        let max = listed.iter().find(|l| l.spec.asset == spec.asset).map_or(0, |l| l.max_leverage);
        let leverage = if max > 0 { configured.min(max) } else { configured };
        if leverage < configured {
            tracing::warn!(
                coin = spec.coin.as_str(),
                configured,
                max,
                "Leverage capped at the coin's maximum"
            );
        }
        match runtime.block_on(admin.set_leverage(spec.asset, leverage, true)) {
            Ok(()) => {}
            Err(AdminError::Refused { message, .. }) => tracing::warn!(
                coin = spec.coin.as_str(),
                leverage,
                reason = %message,
                "Leverage not changed; quoting with the account's current leverage"
            ),
            Err(e) => return Err(EngineError::Venue(format!("updateLeverage: {e}"))),
        }
    }
    tracing::info!(leverage = configured, coins = instruments.len(), "Leverage set (cross margin)");
    Ok(())
}

/// Compares our clock with the venue's (`clearinghouseState.time`, stamped between our request
/// at `sent` and its reply at `received`). Beyond `max_ms` the engine refuses to start: every
/// action's `expiresAfter` and nonce come from our clock.
fn check_clock_skew(
    sent: Nanos,
    received: Nanos,
    venue: Nanos,
    max_ms: u64,
) -> Result<(), EngineError> {
    if venue == sent {
        // The venue's reply had no time (the snapshot fell back to ours): nothing to compare.
        return Ok(());
    }
    let skew_ms = clock_skew_ms(sent, received, venue);
    if skew_ms.unsigned_abs() > max_ms {
        return Err(EngineError::Venue(format!(
            "clock skew {skew_ms} ms against the venue exceeds venue.max_clock_skew_ms = {max_ms} \
             (fix NTP: actions would expire or be refused)"
        )));
    }
    if skew_ms.unsigned_abs() > max_ms / 4 {
        tracing::warn!(skew_ms, max_ms, "Clock differs from the venue's");
    }
    Ok(())
}

/// Our clock minus the venue's, ms, taking the venue's stamp as made halfway through the round
/// trip.
fn clock_skew_ms(sent: Nanos, received: Nanos, venue: Nanos) -> i64 {
    let mid = sent.0 / 2 + received.0 / 2;
    (mid as i128 - venue.0 as i128).div_euclid(1_000_000) as i64
}

/// Cancels orders of ours (by cloid prefix) resting on coins this run does not quote; returns
/// how many the venue confirmed. Orders of other tools are left alone.
fn sweep_other_coins(
    runtime: &tokio::runtime::Runtime,
    admin: &mut AdminClient,
    snapshot: &AccountSnapshot,
    listed: &[Listed],
) -> Result<u32, EngineError> {
    let ours: Vec<(AssetId, Cloid)> = snapshot
        .other_orders
        .iter()
        .filter_map(|(coin, cloid)| {
            let cloid = cloid.filter(|c| is_ours(*c, CLOID_PREFIX))?;
            let spec = listed.iter().find(|l| l.spec.coin.as_str() == coin)?;
            Some((spec.spec.asset, cloid))
        })
        .collect();
    if ours.is_empty() {
        return Ok(0);
    }
    let results = runtime
        .block_on(admin.cancel_by_cloid(&ours))
        .map_err(|e| EngineError::Venue(format!("startup cancel: {e}")))?;
    let mut done = 0;
    for ((asset, cloid), result) in ours.iter().zip(&results) {
        match result {
            Ok(()) => done += 1,
            Err(e) => tracing::warn!(
                asset = asset.0,
                cloid = %String::from_utf8_lossy(&cloid.to_wire()),
                error = %e,
                "Our order on an unquoted coin was not cancelled"
            ),
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn clock_skew_is_measured_from_the_middle_of_the_round_trip_and_bounded() {
        let t = 1_700_000_000_000 * MS;
        assert_eq!(clock_skew_ms(Nanos(t), Nanos(t + 10 * MS), Nanos(t + 5 * MS)), 0);
        assert_eq!(clock_skew_ms(Nanos(t), Nanos(t + 10 * MS), Nanos(t - 995 * MS)), 1_000);
        assert!(check_clock_skew(Nanos(t), Nanos(t + 10 * MS), Nanos(t - 995 * MS), 2_000).is_ok());
        let e = check_clock_skew(Nanos(t), Nanos(t), Nanos(t + 3_000 * MS), 2_000)
            .expect_err("3 s behind the venue");
        assert!(e.to_string().contains("max_clock_skew_ms"), "{e}");
        // No venue time: nothing to check.
        assert!(check_clock_skew(Nanos(t), Nanos(t + 99_000 * MS), Nanos(t), 2_000).is_ok());
    }
}
