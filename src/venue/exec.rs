//! The Hyperliquid order gateway: the same code for the simulator, testnet and mainnet (only
//! URLs and the signing chain differ).
//!
//! - [`plan`]: a batch of commands → at most four actions (ALO orders, IOC/GTC orders,
//!   `batchModify`, `cancelByCloid`).
//! - [`reply`]: a reply, or its absence → exactly one outcome per command.
//! - [`transport`]: WebSocket `post` on the exec runtime's own socket, REST fallback.
//! - [`budget`]: the client-side IP weight bucket and address budget (cancels keep headroom).
//! - `send`: one task per signed action: send, await, one outcome per command.
//! - [`resolver`]: the task that settles ambiguous actions with `orderStatus`.
//! - `dead_man`: the venue-side dead-man's switch (`scheduleCancel`), pushed out while the
//!   exec loop turns.
//! - `sweep`: cancelling every order of ours that the venue lists (`CancelAll`, shutdown).
//!
//! Each action is sent and awaited by its own task on the exec runtime, so a slow or lost reply
//! never holds up the next batch; outcomes come back through
//! [`OrderGateway::poll_reports`] (what is settled before sending, e.g. an unknown asset, comes
//! back from `submit` directly).
//!
//! Every action carries `expiresAfter` (now + a few seconds), so a late action is rejected by
//! the venue, never filled, and an ambiguous one has a deadline. Nonces come from the signer's
//! [`NonceSource`]. Ambiguous outcomes are never re-sent: a resolver task on the exec runtime
//! asks `orderStatus` by cloid, off the send path, and reports what it learns as a synthetic
//! order update (or "never landed", once `expiresAfter` has passed and the venue does not
//! know the cloid). `orderUpdates` on the user stream usually resolves them first.
//!
//! Runs on the exec thread (its current-thread runtime). Never blocks the quote thread, never
//! logs per order, never prints the key.

pub mod budget;
mod dead_man;
pub mod plan;
pub mod reply;
pub mod resolver;
mod send;
mod sweep;
pub mod transport;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::mpsc;

use self::budget::{BudgetConfig, RateBudget};
use self::plan::{ActionKind, Plan};
use self::reply::ElementOutcome;
use self::transport::{Transport, TransportStats};
use crate::msg::{ExecReport, Intent};
use crate::runtime::{Clock, SharedClock, SystemClock};
use crate::types::commands::{Command, CommandKind};
use crate::types::outcome::{CommandOutcome, NotSentReason, OutcomeEvent};
use crate::types::{Address, AssetId, Cloid, InstrumentSpec};
use crate::venue::gateway::{outcome_for, OrderGateway};
use crate::venue::info::InfoClient;
use crate::wire::action::ActionRef;
use crate::wire::nonce::NonceSource;
use crate::wire::sign::{write_exchange_body, Chain, L1Signer};

/// The gateway's settings. [`GatewayConfig::new`] fills the timings with defaults.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// `POST /exchange` URL.
    pub exchange_url: String,
    /// `POST /info` URL (resolver, sweeps).
    pub info_url: String,
    /// WebSocket URL for `post`; `None` = REST only.
    pub ws_url: Option<String>,
    /// The trading account: queries use it, never the agent's address.
    pub account: Address,
    /// Sub-account or vault the agent trades for (`vaultAddress`), if any.
    pub vault: Option<Address>,
    /// Signing chain (`source` "a" on mainnet, "b" elsewhere).
    pub chain: Chain,
    /// `expiresAfter` = send time + this. A few seconds: long enough that normal latency never
    /// expires an action (an expired action costs 5× address budget), short enough that an
    /// ambiguous one is settled soon.
    pub expires_after: Duration,
    /// How long to wait for an action's reply before it is `Ambiguous(Timeout/NoPostReply)`.
    /// Kept below `expires_after`.
    pub reply_timeout: Duration,
    /// WS posts in flight at most (the venue allows 100); beyond that, REST.
    pub max_posts_in_flight: usize,
    /// Our cloid prefix: sweeps (`CancelAll`, shutdown) cancel only orders carrying it. `None`
    /// = every order with a cloid.
    pub cloid_prefix: Option<u32>,
    /// How often the resolver asks `orderStatus` about an ambiguous action.
    pub resolve_interval: Duration,
    /// After this, an unresolved action is left to reconciliation (logged).
    pub resolve_give_up: Duration,
    /// Shutdown sweep: how long to keep cancelling until `openOrders` shows none of ours.
    pub drain_timeout: Duration,
    /// The rate budget's settings.
    pub budget: BudgetConfig,
    /// How often the address budget is read back from `userRateLimit`.
    pub rate_limit_poll: Duration,
    /// Dead-man's switch lead (`scheduleCancel` at now + this, pushed out every quarter of
    /// it); `None` = not used. Tens of seconds: each trigger spends one of 10 per day.
    pub dead_man: Option<Duration>,
    /// The clock nonces, `expiresAfter`, budgets and deadlines are read from.
    pub clock: SharedClock,
}

impl GatewayConfig {
    /// Settings with default timings: `expiresAfter` 5 s, reply timeout 2.5 s, 90 posts in
    /// flight, resolve every 250 ms, give up after 60 s, drain within 5 s; the system clock.
    pub fn new(
        exchange_url: String,
        info_url: String,
        ws_url: Option<String>,
        account: Address,
        chain: Chain,
    ) -> Self {
        Self {
            exchange_url,
            info_url,
            ws_url,
            account,
            vault: None,
            chain,
            expires_after: Duration::from_secs(5),
            reply_timeout: Duration::from_millis(2_500),
            max_posts_in_flight: 90,
            cloid_prefix: None,
            resolve_interval: Duration::from_millis(250),
            resolve_give_up: Duration::from_secs(60),
            drain_timeout: Duration::from_secs(5),
            budget: BudgetConfig::default(),
            rate_limit_poll: Duration::from_secs(30),
            dead_man: Some(Duration::from_secs(60)),
            clock: SystemClock::shared(),
        }
    }
}

/// Errors building the gateway.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The HTTP client could not be built.
    #[error("gateway http client: {0}")]
    Http(String),
}

/// Gateway counters (tests, summary).
#[derive(Debug, Default)]
pub struct GatewayStats {
    /// Actions signed and handed to the transport.
    pub actions: AtomicU64,
    /// Ambiguous outcomes handed to the resolver.
    pub ambiguous: AtomicU64,
    /// Ambiguous outcomes resolved by `orderStatus` (found, or never landed).
    pub resolved: AtomicU64,
    /// Ambiguous outcomes the resolver gave up on (left to reconciliation).
    pub unresolved: AtomicU64,
    /// Orders cancelled by sweeps (`CancelAll`, shutdown).
    pub swept: AtomicU64,
    /// Actions refused by the local rate budget (`NotSent(Throttled)`).
    pub throttled: AtomicU64,
    /// Dead-man's switch: one of the `DEAD_MAN_*` states.
    pub dead_man: AtomicU8,
    /// Rate-budget pressure (`BudgetPressure as u8`), published at most every
    /// [`BUDGET_PUBLISH_MS`]; the quote thread hands changes to the core.
    pub pressure: AtomicU8,
    /// IP weight left in the bucket, whole units.
    pub ip_tokens: AtomicU64,
    /// Address requests left before placements stop (`u64::MAX` until the first
    /// `userRateLimit`).
    pub address_headroom: AtomicU64,
    /// Nonce refusals (`nonce too low`, `duplicate nonce`) after which the nonce counter was
    /// moved above the venue's floor ([`reply::nonce_floor`]).
    pub nonce_resyncs: AtomicU64,
}

/// How often the budget gauges are published, ms.
pub const BUDGET_PUBLISH_MS: u64 = 100;

/// Dead-man's switch not (yet) armed.
pub const DEAD_MAN_OFF: u8 = 0;
/// Dead-man's switch armed at the venue.
pub const DEAD_MAN_ARMED: u8 = 1;
/// The venue refuses `scheduleCancel` for this account (volume gate): `expiresAfter` and the
/// local watchdog are the protection.
pub const DEAD_MAN_REFUSED: u8 = 2;

/// An ambiguous action waiting for the resolver.
#[derive(Debug, Clone, Copy)]
struct Pending {
    asset: AssetId,
    /// The cloid to ask about: a placement's, a modify's new leg's, a cancel's order's.
    cloid: Cloid,
    kind: CommandKind,
    /// The action's `expiresAfter`, ms: after it, "unknown" means "never landed".
    expires_ms: u64,
    /// When the resolver first saw it, ms.
    since_ms: u64,
}

/// The Hyperliquid [`OrderGateway`].
#[derive(Debug)]
pub struct HyperliquidGateway {
    cfg: GatewayConfig,
    signer: L1Signer,
    nonces: Arc<NonceSource>,
    /// Instruments sorted by asset id.
    specs: Vec<InstrumentSpec>,
    transport: Transport,
    info: InfoClient,
    plan: Plan,
    results: Vec<Option<ElementOutcome>>,
    pending: Arc<Mutex<Vec<Pending>>>,
    reports_tx: mpsc::UnboundedSender<ExecReport>,
    reports_rx: mpsc::UnboundedReceiver<ExecReport>,
    started: bool,
    stats: Arc<GatewayStats>,
    budget: Arc<Mutex<RateBudget>>,
    /// When the dead-man's switch is next pushed out, ms.
    dead_man_next_ms: u64,
    /// When the budget gauges were last published, ms.
    budget_published_ms: u64,
}

impl HyperliquidGateway {
    /// A gateway signing with `signer` for `cfg.account`, trading `instruments`.
    pub fn new(
        cfg: GatewayConfig,
        signer: L1Signer,
        nonces: Arc<NonceSource>,
        instruments: &[InstrumentSpec],
    ) -> Result<Self, GatewayError> {
        let transport = Transport::new(
            cfg.exchange_url.clone(),
            cfg.ws_url.clone(),
            cfg.max_posts_in_flight,
            cfg.reply_timeout,
        )
        .map_err(|e| GatewayError::Http(e.to_string()))?;
        let info = InfoClient::new(cfg.info_url.clone(), cfg.reply_timeout)
            .map_err(|e| GatewayError::Http(e.to_string()))?;
        let mut specs = instruments.to_vec();
        specs.sort_by_key(|s| s.asset);
        let (reports_tx, reports_rx) = mpsc::unbounded_channel();
        let budget = RateBudget::new(cfg.budget, cfg.clock.now().as_millis());
        Ok(Self {
            budget: Arc::new(Mutex::new(budget)),
            dead_man_next_ms: 0,
            budget_published_ms: 0,
            cfg,
            signer,
            nonces,
            specs,
            transport,
            info,
            plan: Plan::default(),
            results: Vec::new(),
            pending: Arc::new(Mutex::new(Vec::new())),
            reports_tx,
            reports_rx,
            started: false,
            stats: Arc::new(GatewayStats::default()),
        })
    }

    /// The gateway's counters.
    pub fn stats(&self) -> Arc<GatewayStats> {
        Arc::clone(&self.stats)
    }

    /// The transport's counters (WS vs REST).
    pub fn transport_stats(&self) -> Arc<TransportStats> {
        self.transport.stats()
    }

    /// Address requests left before placements stop (`None` until `userRateLimit` answered).
    pub fn budget_headroom(&self) -> Option<u64> {
        self.budget.lock().address_headroom()
    }

    /// Whether the WS post socket is up.
    pub fn ws_connected(&self) -> bool {
        self.transport.ws_connected()
    }

    /// Starts the socket and resolver tasks on the current runtime (once). Outside a runtime
    /// it does nothing (the exec loop calls it from inside its own).
    pub fn start(&mut self) {
        if self.started || tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        self.started = true;
        self.transport.start();
        self.spawn_resolver();
    }

    fn spec(&self, asset: AssetId) -> Option<InstrumentSpec> {
        spec_in(&self.specs, asset)
    }

    /// Signs `action` with a fresh nonce and `expiresAfter`, and appends the body to `body`.
    fn sign_into(&mut self, action: ActionRef<'_>, now_ms: u64, body: &mut Vec<u8>) -> Option<u64> {
        let nonce = self.nonces.next(now_ms);
        let expires = now_ms + self.cfg.expires_after.as_millis() as u64;
        let sig = self.signer.sign(action, nonce, self.cfg.vault, Some(expires)).ok()?;
        write_exchange_body(body, action, nonce, &sig, self.cfg.vault, Some(expires));
        Some(expires)
    }

    /// Admits each planned action against the rate budget and signs it: `(kind, body,
    /// expiresAfter)` per action to send. A throttled or unsignable action settles its
    /// commands here (`NotSent`).
    fn sign_actions(&mut self, plan: &Plan, now_ms: u64) -> Vec<(ActionKind, Vec<u8>, u64)> {
        let mut sends = Vec::with_capacity(4);
        for kind in ActionKind::SEND_ORDER {
            let Some(action) = plan.action(kind) else { continue };
            let idx = plan.indexes(kind);
            let not_sent =
                if !self.budget.lock().admit(now_ms, idx.len(), kind == ActionKind::Cancels) {
                    self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                    NotSentReason::Throttled
                } else {
                    let mut body = Vec::with_capacity(256 + 160 * idx.len());
                    match self.sign_into(action, now_ms, &mut body) {
                        Some(expires) => {
                            sends.push((kind, body, expires));
                            continue;
                        }
                        None => NotSentReason::Signing,
                    }
                };
            for &i in idx {
                self.results[i] = Some((CommandOutcome::NotSent(not_sent), false));
            }
        }
        sends
    }

    async fn submit_batch(&mut self, batch: &[Intent], out: &mut Vec<OutcomeEvent>) {
        self.start();
        let mut plan = std::mem::take(&mut self.plan);
        plan.build(batch.iter().map(|i| &i.command), |a| spec_in(&self.specs, a));
        self.results.clear();
        self.results.resize(batch.len(), None);
        for &i in &plan.unknown_idx {
            self.results[i] = Some((CommandOutcome::NotSent(NotSentReason::Encoding), false));
        }
        let now_ms = self.cfg.clock.now().as_millis();
        let sends = self.sign_actions(&plan, now_ms);
        self.stats.actions.fetch_add(sends.len() as u64, Ordering::Relaxed);
        // Each action is sent and awaited by its own task: a slow or lost reply never holds
        // up the next batch (cancels above all). Outcomes come back through `poll_reports`.
        for (kind, body, expires) in sends {
            let job = self.send_job(kind, plan.indexes(kind), batch, body, (now_ms, expires));
            tokio::spawn(job.run());
        }
        for &i in &plan.cancel_all_idx {
            let Command::CancelAll { asset } = batch[i].command else { continue };
            let o = self.sweep(asset, Duration::ZERO).await;
            self.results[i] = Some((o, false));
        }
        // What was settled here (unknown assets, signing failures, sweeps) goes out now.
        for (intent, result) in batch.iter().zip(&self.results) {
            if let Some((outcome, old_gone)) = *result {
                let mut ev = outcome_for(&intent.command, outcome);
                ev.modify_old_leg_canceled = old_gone;
                out.push(ev);
            }
        }
        self.plan = plan;
    }

    /// Publishes the budget gauges (pressure, IP weight, address headroom), at most every
    /// [`BUDGET_PUBLISH_MS`].
    fn publish_budget(&mut self, now_ms: u64) {
        if now_ms < self.budget_published_ms + BUDGET_PUBLISH_MS {
            return;
        }
        self.budget_published_ms = now_ms;
        let mut b = self.budget.lock();
        let pressure = b.pressure(now_ms);
        self.stats.pressure.store(pressure as u8, Ordering::Relaxed);
        self.stats.ip_tokens.store(b.ip_tokens(now_ms) as u64, Ordering::Relaxed);
        self.stats
            .address_headroom
            .store(b.address_headroom().unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

impl OrderGateway for HyperliquidGateway {
    fn name(&self) -> &'static str {
        "hyperliquid"
    }

    fn submit<'a>(
        &'a mut self,
        batch: &'a [Intent],
        out: &'a mut Vec<OutcomeEvent>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(self.submit_batch(batch, out))
    }

    fn poll_reports(&mut self, out: &mut Vec<ExecReport>) {
        self.start();
        self.tend_dead_man();
        self.publish_budget(self.cfg.clock.now().as_millis());
        while let Ok(r) = self.reports_rx.try_recv() {
            out.push(r);
        }
    }

    fn drain<'a>(&'a mut self) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            let within = self.cfg.drain_timeout;
            let outcome = self.sweep(None, within).await;
            if self.stats.dead_man.load(Ordering::Relaxed) == DEAD_MAN_ARMED {
                // Nothing rests any more: clear the switch so it spends no daily trigger.
                let _ = self.schedule_cancel(None).await;
            }
            match outcome {
                CommandOutcome::Accepted(_) => {
                    tracing::info!("Shutdown sweep: no order of ours rests at the venue")
                }
                other => tracing::error!(
                    outcome = ?other,
                    "Shutdown sweep: could not confirm that no order of ours rests"
                ),
            }
        })
    }
}

impl Drop for HyperliquidGateway {
    fn drop(&mut self) {
        self.transport.stop();
    }
}

fn spec_in(specs: &[InstrumentSpec], asset: AssetId) -> Option<InstrumentSpec> {
    specs.binary_search_by_key(&asset, |s| s.asset).ok().map(|i| specs[i])
}

fn wire_str(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
