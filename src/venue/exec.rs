//! The Hyperliquid order gateway: the same code for the simulator, testnet and mainnet (only
//! URLs and the signing chain differ).
//!
//! - [`plan`]: a batch of commands → at most four actions (ALO orders, IOC/GTC orders,
//!   `batchModify`, `cancelByCloid`).
//! - [`reply`]: a reply, or its absence → exactly one outcome per command.
//! - [`transport`]: WebSocket `post` on the exec runtime's own socket, REST fallback.
//! - [`budget`]: the client-side IP weight bucket and address budget (cancels keep headroom).
//!
//! The venue-side dead-man's switch (`scheduleCancel`) is armed at `now + dead_man` and pushed
//! out while the exec loop turns. New accounts are refused until $1 000 000 traded; then the
//! gateway logs once that it relies on `expiresAfter` and the local watchdog, and goes on.
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
pub mod plan;
pub mod reply;
pub mod transport;

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc;

use self::budget::{BudgetConfig, RateBudget};
use self::plan::{ActionKind, Plan};
use self::reply::{ElementKind, ElementOutcome, Reply};
use self::transport::{Transport, TransportStats};
use crate::engine::clock::wall_now;
use crate::engine::exec::{outcome_for, ExecReport, OrderGateway};
use crate::engine::quote::Intent;
use crate::types::cloid;
use crate::types::commands::{Command, CommandKind};
use crate::types::events::{OrderStatus, OrderUpdate};
use crate::types::outcome::{
    Accepted, AcceptedStatus, AmbiguousReason, CommandOutcome, NotSentReason, OutcomeEvent,
};
use crate::types::Address;
use crate::types::{AssetId, Cloid, InstrumentSpec, Nanos, Oid, Side, Sz};
use crate::venue::info::InfoClient;
use crate::wire::action::{ActionRef, CancelByCloidWire};
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
}

impl GatewayConfig {
    /// Settings with default timings: `expiresAfter` 5 s, reply timeout 2.5 s, 90 posts in
    /// flight, resolve every 250 ms, give up after 60 s, drain within 5 s.
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

/// Margin after `expiresAfter` before "unknown" is trusted: venue block time and our clock
/// may differ by this much.
const EXPIRY_MARGIN_MS: u64 = 1_000;

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
        let budget = RateBudget::new(cfg.budget, wall_now().as_millis());
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
        tokio::spawn(resolver_task(Resolver {
            info: self.info.clone(),
            account: wire_str(&self.cfg.account.to_wire()),
            pending: Arc::clone(&self.pending),
            tx: self.reports_tx.clone(),
            specs: self.specs.clone(),
            interval: self.cfg.resolve_interval,
            budget: Arc::clone(&self.budget),
            rate_limit_poll: self.cfg.rate_limit_poll,
            give_up_ms: self.cfg.resolve_give_up.as_millis() as u64,
            stats: Arc::clone(&self.stats),
        }));
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

    async fn submit_batch(&mut self, batch: &[Intent], out: &mut Vec<OutcomeEvent>) {
        self.start();
        let mut plan = std::mem::take(&mut self.plan);
        plan.build(batch.iter().map(|i| &i.command), |a| spec_in(&self.specs, a));
        self.results.clear();
        self.results.resize(batch.len(), None);
        for &i in &plan.unknown_idx {
            self.results[i] = Some((CommandOutcome::NotSent(NotSentReason::Encoding), false));
        }
        let now_ms = wall_now().as_millis();
        let mut sends: Vec<(ActionKind, Vec<u8>, u64)> = Vec::with_capacity(4);
        for kind in ActionKind::SEND_ORDER {
            let Some(action) = plan.action(kind) else { continue };
            let n = plan.indexes(kind).len();
            if !self.budget.lock().admit(now_ms, n, kind == ActionKind::Cancels) {
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                for &i in plan.indexes(kind) {
                    self.results[i] =
                        Some((CommandOutcome::NotSent(NotSentReason::Throttled), false));
                }
                continue;
            }
            let mut body = Vec::with_capacity(256 + 160 * plan.indexes(kind).len());
            match self.sign_into(action, now_ms, &mut body) {
                Some(expires) => sends.push((kind, body, expires)),
                None => {
                    for &i in plan.indexes(kind) {
                        self.results[i] =
                            Some((CommandOutcome::NotSent(NotSentReason::Signing), false));
                    }
                }
            }
        }
        self.stats.actions.fetch_add(sends.len() as u64, Ordering::Relaxed);
        // Each action is sent and awaited by its own task: a slow or lost reply never holds
        // up the next batch (cancels above all). Outcomes come back through `poll_reports`.
        for (kind, body, expires) in sends {
            let idx = plan.indexes(kind);
            let job = SendJob {
                elem: match kind {
                    ActionKind::AloOrders | ActionKind::TakerOrders => ElementKind::Order,
                    ActionKind::Modifies => ElementKind::Modify,
                    ActionKind::Cancels => ElementKind::Cancel,
                },
                commands: idx.iter().map(|&i| batch[i].command).collect(),
                specs: idx
                    .iter()
                    .filter_map(|&i| batch[i].command.asset().and_then(|a| self.spec(a)))
                    .collect(),
                body,
                expires_ms: expires,
                sent_ms: now_ms,
                timeout: self.cfg.reply_timeout,
                transport: self.transport.clone(),
                tx: self.reports_tx.clone(),
                pending: Arc::clone(&self.pending),
                stats: Arc::clone(&self.stats),
                budget: Arc::clone(&self.budget),
                nonces: Arc::clone(&self.nonces),
            };
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

    /// Signs a `scheduleCancel` (`time` ms, or `None` to clear) and its body.
    fn sign_schedule_cancel(&mut self, time: Option<u64>) -> Option<Vec<u8>> {
        let mut body = Vec::with_capacity(256);
        let action = ActionRef::ScheduleCancel { time };
        self.sign_into(action, wall_now().as_millis(), &mut body)?;
        Some(body)
    }

    async fn schedule_cancel(&mut self, time: Option<u64>) -> Option<Reply> {
        let body = self.sign_schedule_cancel(time)?;
        Some(self.transport.send(&body, self.cfg.reply_timeout).await)
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

    /// Arms or pushes out the dead-man's switch when due (from the exec loop; never waits: the
    /// send runs as a task). Stops for good once the venue refuses it.
    fn tend_dead_man(&mut self) {
        let Some(lead) = self.cfg.dead_man else { return };
        if self.stats.dead_man.load(Ordering::Relaxed) == DEAD_MAN_REFUSED
            || tokio::runtime::Handle::try_current().is_err()
        {
            return;
        }
        let now_ms = wall_now().as_millis();
        if now_ms < self.dead_man_next_ms {
            return;
        }
        let lead_ms = lead.as_millis() as u64;
        self.dead_man_next_ms = now_ms + (lead_ms / 4).max(1_000);
        if !self.budget.lock().admit(now_ms, 1, false) {
            return;
        }
        let Some(body) = self.sign_schedule_cancel(Some(now_ms + lead_ms)) else { return };
        let transport = self.transport.clone();
        let stats = Arc::clone(&self.stats);
        let timeout = self.cfg.reply_timeout;
        tokio::spawn(async move {
            let reply = transport.send(&body, timeout).await;
            let verdict = match &reply {
                Reply::Body(b) => serde_json::from_slice::<Value>(b).ok().map(|v| {
                    let ok = v.get("status").and_then(Value::as_str) == Some("ok");
                    let msg = v.get("response").and_then(Value::as_str).unwrap_or("").to_owned();
                    (ok, msg)
                }),
                _ => None,
            };
            match verdict {
                Some((true, _)) => {
                    if stats.dead_man.swap(DEAD_MAN_ARMED, Ordering::Relaxed) != DEAD_MAN_ARMED {
                        tracing::info!(
                            lead_s = lead.as_secs(),
                            "Dead-man's switch armed (scheduleCancel)"
                        );
                    }
                }
                Some((false, msg)) if msg.starts_with("Cannot set scheduled cancel time") => {
                    stats.dead_man.store(DEAD_MAN_REFUSED, Ordering::Relaxed);
                    tracing::warn!(
                        venue = %msg,
                        "Dead-man's switch refused by the venue: relying on expiresAfter and the local watchdog"
                    );
                }
                // Anything else (rate limit, transport): tried again at the next push.
                _ => tracing::debug!(reply = ?reply, "scheduleCancel not confirmed"),
            }
        });
    }

    /// Cancels every open order of ours (on `asset`, or all), as the venue lists them in
    /// `openOrders`; with a non-zero `within`, repeats until none is left or the time is up.
    /// `Accepted(Canceled)` once a pass found nothing left (or its cancel went through when
    /// `within` is zero).
    async fn sweep(&mut self, asset: Option<AssetId>, within: Duration) -> CommandOutcome {
        self.start();
        let deadline = wall_now().as_millis() + within.as_millis() as u64;
        let account = wire_str(&self.cfg.account.to_wire());
        let mut last = CommandOutcome::Ambiguous(AmbiguousReason::Timeout);
        loop {
            let body = serde_json::json!({"type": "openOrders", "user": account});
            let open: Vec<OpenOrder> = match self.info.post("openOrders", &body).await {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!(error = %e, "Sweep: openOrders failed");
                    return CommandOutcome::NotSent(NotSentReason::NoConnection);
                }
            };
            let cancels: Vec<CancelByCloidWire> = open
                .iter()
                .filter_map(|o| {
                    let spec = self.specs.iter().find(|s| s.coin.as_str() == o.coin)?;
                    let cloid = Cloid::parse(o.cloid.as_deref()?.as_bytes()).ok()?;
                    let ours = self.cfg.cloid_prefix.is_none_or(|p| cloid::is_ours(cloid, p));
                    (ours && asset.is_none_or(|a| a == spec.asset))
                        .then_some(CancelByCloidWire { asset: spec.asset, cloid })
                })
                .collect();
            if cancels.is_empty() {
                return CommandOutcome::Accepted(Accepted {
                    oid: None,
                    status: AcceptedStatus::Canceled,
                });
            }
            let action = ActionRef::CancelByCloid { cancels: &cancels, fast: false };
            let mut body = Vec::with_capacity(256 + 96 * cancels.len());
            let now_ms = wall_now().as_millis();
            if self.sign_into(action, now_ms, &mut body).is_none() {
                return CommandOutcome::NotSent(NotSentReason::Signing);
            }
            let reply = self.transport.send(&body, self.cfg.reply_timeout).await;
            self.stats.swept.fetch_add(cancels.len() as u64, Ordering::Relaxed);
            last = match reply {
                Reply::Body(_) => CommandOutcome::Accepted(Accepted {
                    oid: None,
                    status: AcceptedStatus::Canceled,
                }),
                other => {
                    let mut o = Vec::with_capacity(1);
                    let spec = self.specs.first().copied();
                    reply::outcomes(
                        ElementKind::Cancel,
                        &spec.into_iter().collect::<Vec<_>>(),
                        &other,
                        &mut o,
                    );
                    o.first().map_or(last, |x| x.0)
                }
            };
            if wall_now().as_millis() >= deadline {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
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
    ) -> Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
        Box::pin(self.submit_batch(batch, out))
    }

    fn poll_reports(&mut self, out: &mut Vec<ExecReport>) {
        self.start();
        self.tend_dead_man();
        self.publish_budget(wall_now().as_millis());
        while let Ok(r) = self.reports_rx.try_recv() {
            out.push(r);
        }
    }

    fn drain<'a>(&'a mut self) -> Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
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

/// One signed action on its way: sent, awaited and answered by its own task.
struct SendJob {
    elem: ElementKind,
    /// The commands of the action's elements, in element order.
    commands: Vec<Command>,
    /// Their instruments, in the same order.
    specs: Vec<InstrumentSpec>,
    body: Vec<u8>,
    expires_ms: u64,
    sent_ms: u64,
    timeout: Duration,
    transport: Transport,
    tx: mpsc::UnboundedSender<ExecReport>,
    pending: Arc<Mutex<Vec<Pending>>>,
    stats: Arc<GatewayStats>,
    budget: Arc<Mutex<RateBudget>>,
    nonces: Arc<NonceSource>,
}

/// Whether a reply is the venue's IP limit (HTTP 429, or a WS post error carrying it).
fn is_http_429(reply: &Reply) -> bool {
    match reply {
        Reply::Http { status, .. } => *status == 429,
        Reply::PostError(text) => text.starts_with("429"),
        _ => false,
    }
}

impl SendJob {
    async fn run(self) {
        let reply = self.transport.send(&self.body, self.timeout).await;
        if is_http_429(&reply) {
            self.budget.lock().on_http_429(wall_now().as_millis());
        }
        if let Some(floor) = reply::nonce_floor(&reply) {
            // The elements are `Rejected(Nonce)` below and the quote thread re-quotes them; this
            // makes the re-quote's nonce clear the venue's floor instead of failing again.
            self.nonces.fast_forward(floor);
            self.stats.nonce_resyncs.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                floor,
                "venue refused a nonce; counter moved above its floor (is another client \
                 signing with this agent key, or did the clock step back?)"
            );
        }
        let mut outcomes = Vec::with_capacity(self.commands.len());
        reply::outcomes(self.elem, &self.specs, &reply, &mut outcomes);
        for (i, command) in self.commands.iter().enumerate() {
            // `outcomes` has one entry per element; a command whose asset vanished from the
            // table (never, in practice) is left ambiguous rather than unanswered.
            let (outcome, old_gone) = outcomes
                .get(i)
                .copied()
                .unwrap_or((CommandOutcome::Ambiguous(AmbiguousReason::UnparsableReply), false));
            if matches!(outcome, CommandOutcome::Ambiguous(_)) {
                self.track_ambiguous(command);
            }
            let mut ev = outcome_for(command, outcome);
            ev.modify_old_leg_canceled = old_gone;
            // The receiver is gone only when the gateway is: nobody is left to tell.
            let _ = self.tx.send(ExecReport::Outcome(ev));
        }
    }

    fn track_ambiguous(&self, command: &Command) {
        let (asset, cloid) = match *command {
            Command::Place(r) => (r.asset, r.cloid),
            Command::Modify { asset, new, .. } => (asset, new.cloid),
            Command::Cancel { asset, cloid } => (asset, cloid),
            Command::CancelAll { .. } => return,
        };
        self.stats.ambiguous.fetch_add(1, Ordering::Relaxed);
        self.pending.lock().push(Pending {
            asset,
            cloid,
            kind: command.kind(),
            expires_ms: self.expires_ms,
            since_ms: self.sent_ms,
        });
    }
}

/// One `openOrders` entry (the fields a sweep needs).
#[derive(Debug, Deserialize)]
struct OpenOrder {
    coin: String,
    #[serde(default)]
    cloid: Option<String>,
}

fn spec_in(specs: &[InstrumentSpec], asset: AssetId) -> Option<InstrumentSpec> {
    specs.binary_search_by_key(&asset, |s| s.asset).ok().map(|i| specs[i])
}

fn wire_str(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The resolver task's state.
struct Resolver {
    info: InfoClient,
    account: String,
    pending: Arc<Mutex<Vec<Pending>>>,
    tx: mpsc::UnboundedSender<ExecReport>,
    specs: Vec<InstrumentSpec>,
    interval: Duration,
    budget: Arc<Mutex<RateBudget>>,
    rate_limit_poll: Duration,
    give_up_ms: u64,
    stats: Arc<GatewayStats>,
}

/// `userRateLimit` (the fields the budget needs).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserRateLimit {
    n_requests_used: u64,
    n_requests_cap: u64,
}

/// What `orderStatus` said about a cloid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAnswer {
    /// The venue knows the order: its current state, as an order update.
    Known(OrderUpdate),
    /// `unknownOid`.
    Unknown,
}

/// Parses an `orderStatus` reply for `cloid` on `spec`; `None` if malformed.
pub fn parse_order_status(v: &Value, spec: &InstrumentSpec, cloid: Cloid) -> Option<StatusAnswer> {
    match v.get("status").and_then(Value::as_str)? {
        "unknownOid" => Some(StatusAnswer::Unknown),
        "order" => {
            let wrapper = v.get("order")?;
            let o = wrapper.get("order")?;
            let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::as_bytes);
            let status = OrderStatus::from_wire(wrapper.get("status")?.as_str()?.as_bytes());
            let sz = text("sz").and_then(|t| spec.parse_sz(t).ok()).unwrap_or(Sz(0));
            Some(StatusAnswer::Known(OrderUpdate {
                asset: spec.asset,
                side: text("side").and_then(Side::from_wire)?,
                limit_px: text("limitPx").and_then(|t| spec.parse_px(t).ok()).unwrap_or_default(),
                sz,
                orig_sz: text("origSz").and_then(|t| spec.parse_sz(t).ok()).unwrap_or(sz),
                oid: Oid(o.get("oid").and_then(Value::as_u64)?),
                cloid: Some(cloid),
                timestamp: Nanos::from_millis(
                    o.get("timestamp").and_then(Value::as_u64).unwrap_or(0),
                ),
                status,
                status_time: Nanos::from_millis(
                    wrapper.get("statusTimestamp").and_then(Value::as_u64).unwrap_or(0),
                ),
            }))
        }
        _ => None,
    }
}

/// Asks `orderStatus` about every ambiguous action that is due, until the gateway is dropped.
async fn resolver_task(r: Resolver) {
    let mut interval = tokio::time::interval(r.interval);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut next_rate_poll_ms = 0;
    loop {
        interval.tick().await;
        if r.tx.is_closed() {
            return;
        }
        let now_ms = wall_now().as_millis();
        if now_ms >= next_rate_poll_ms {
            next_rate_poll_ms = now_ms + r.rate_limit_poll.as_millis() as u64;
            let body = serde_json::json!({"type": "userRateLimit", "user": r.account});
            r.budget.lock().spend(now_ms, 20.0);
            match r.info.post::<UserRateLimit>("userRateLimit", &body).await {
                Ok(l) => r.budget.lock().sync_address(l.n_requests_used, l.n_requests_cap),
                Err(e) => tracing::debug!(error = %e, "userRateLimit failed"),
            }
        }
        let due: Vec<Pending> = std::mem::take(&mut *r.pending.lock());
        if due.is_empty() {
            continue;
        }
        let mut keep = Vec::new();
        for p in due {
            if !resolve_one(&r, &p).await {
                let now_ms = wall_now().as_millis();
                if now_ms.saturating_sub(p.since_ms) > r.give_up_ms {
                    r.stats.unresolved.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        cloid = %wire_str(&p.cloid.to_wire()),
                        "Ambiguous action still unresolved; left to reconciliation"
                    );
                } else {
                    keep.push(p);
                }
            }
        }
        r.pending.lock().extend(keep);
    }
}

/// One `orderStatus` query; `true` when `p` is settled (reported or nothing to report).
async fn resolve_one(r: &Resolver, p: &Pending) -> bool {
    let Some(spec) = spec_in(&r.specs, p.asset) else { return true };
    r.budget.lock().spend(wall_now().as_millis(), 2.0);
    let body = serde_json::json!({
        "type": "orderStatus",
        "user": r.account,
        "oid": wire_str(&p.cloid.to_wire()),
    });
    let Ok(v) = r.info.post::<Value>("orderStatus", &body).await else { return false };
    let Some(answer) = parse_order_status(&v, &spec, p.cloid) else { return false };
    let expired = wall_now().as_millis() > p.expires_ms + EXPIRY_MARGIN_MS;
    let report = match (p.kind, answer) {
        // A cancel: only a terminal state says something the order manager can use; an order
        // still open after the cancel expired means the cancel never landed, and the manager
        // re-sends cancels on its own timer.
        (CommandKind::Cancel, StatusAnswer::Known(u)) if u.status.is_terminal() => {
            Some(ExecReport::Update(u))
        }
        (CommandKind::Cancel, _) => return expired,
        (_, StatusAnswer::Known(u)) => Some(ExecReport::Update(u)),
        (_, StatusAnswer::Unknown) if expired => {
            Some(ExecReport::NeverLanded { asset: p.asset, cloid: p.cloid })
        }
        (_, StatusAnswer::Unknown) => None,
    };
    match report {
        Some(rep) => {
            r.stats.resolved.fetch_add(1, Ordering::Relaxed);
            let _ = r.tx.send(rep);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests;
