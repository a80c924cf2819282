//! The exchange behind the server's seams: [`ExchangeAccounts`] answers the account `/info`
//! queries, [`ExchangeActions`] executes `/exchange` bodies and WS action posts.
//!
//! An action goes: strict parse (422 on malformed) → signer recovery ([`Authenticator`],
//! outside the lock; source `"b"`, then `"a"`) → under the venue lock: signer → account (itself or the account it is an
//! agent of, else `User or API Wallet 0x… does not exist.`), `expiresAfter`, nonce (per
//! signer), address request budget, the action-level fault knobs, [`ExchangeVenue::apply`],
//! publication of the users' events → unlock → the reply (or none, for the drop-response
//! fault).
//!
//! Cadence: an action is applied when it arrives, at the venue time of its arrival; its order
//! updates and fills are pushed at once; its trades and the changed book go out with the next
//! block, like the house flow's.
//!
//! Locking: one lock (`Shared::market`) guards the market, the exchange, nonces and budgets;
//! it is held for one action or one block, never across an await. Users' events are
//! published while it is held, so each user's frames leave in the order they happened and a
//! `userFills` snapshot taken under it is never overtaken by a live frame.

use std::sync::{Arc, Weak};
use std::time::Duration;

use serde_json::json;

use super::auth::{approve_agent_signer, unknown_signer, AuthError, Authenticator};
use super::body::{
    cancel_by_cloid_request, cancel_request, modify_request, order_request, BodyError,
    ExchangeBody, WireAction,
};
use super::seams::{
    AccountView, ActionFuture, ActionHandler, ActionReply, ActionRequest, OrderRef as SeamRef,
};
use super::shapes::{
    self, ClearinghouseState, FrontendOpenOrder, OpenOrder, OrderStatusReply, UserFill,
    UserRateLimit,
};
use super::{convert, feed, MarketCell, Shared, DESERIALIZE_ERROR};
use crate::accounts::Address;
use crate::actions::{
    Action, ExchangeResponse, Grouping, OrderRef, OrderStatusResp, Tif, MODIFY_PLACE_PREFIX,
};
use crate::faults::{ActionFaults, Faults};
use crate::venue::ExchangeVenue;
use hlmm_types::{AssetId, Nanos, Usd};

/// Most fills `userFills` returns.
const MAX_FILLS: usize = 2000;

/// An order refused during the post-only window after a maintenance. Not a venue string (the
/// venue's text is unknown to us).
pub const POST_ONLY_WINDOW: &str =
    "simulator: only post-only (Alo) orders are accepted during the post-maintenance window";
/// An action with `vaultAddress`: the simulator has no sub-accounts or vaults.
pub const VAULT_UNSUPPORTED: &str = "simulator: vaultAddress is not supported";
/// A grouping other than `na`.
pub const GROUPING_UNSUPPORTED: &str = "simulator: only grouping \"na\" is supported";
/// Prefix of the reply to a stale `expiresAfter` (hyperliquid.md §4, observed prefix; the
/// rest, ` <expiresAfter> < <now>` in ms, is the simulator's).
pub const EXPIRED_PREFIX: &str = "Action already expired";

/// Rate-limit cost multiplier of a stale `expiresAfter` reject (§8).
const EXPIRED_COST: u64 = 5;

fn addr(a: &Address) -> Address {
    Address(a.0)
}

/// Account queries over the exchange.
pub(super) struct ExchangeAccounts {
    pub(super) shared: Weak<Shared>,
}

impl ExchangeAccounts {
    fn with<T>(&self, default: T, f: impl FnOnce(&MarketCell) -> T) -> T {
        match self.shared.upgrade() {
            Some(shared) => f(&shared.market.lock()),
            None => default,
        }
    }
}

fn fills_of(cell: &MarketCell, user: Address, start: u64, end: Option<u64>) -> Vec<UserFill> {
    let Some(acct) = cell.exchange().account(user) else { return Vec::new() };
    let mut out: Vec<UserFill> = acct
        .fills
        .iter()
        .rev()
        .filter(|f| {
            let t = f.time.as_millis();
            t >= start && end.is_none_or(|e| t <= e)
        })
        .take(MAX_FILLS)
        .map(convert::fill)
        .collect();
    out.shrink_to_fit();
    out
}

impl AccountView for ExchangeAccounts {
    fn clearinghouse_state(&self, user: &Address, now_ms: u64) -> ClearinghouseState {
        self.with(ClearinghouseState::empty(now_ms), |cell| {
            match cell.exchange().clearinghouse_state(addr(user), Nanos::from_millis(now_ms)) {
                Some(c) => convert::clearinghouse(&c),
                None => ClearinghouseState::empty(now_ms),
            }
        })
    }

    fn open_orders(&self, user: &Address) -> Vec<OpenOrder> {
        self.with(Vec::new(), |cell| {
            cell.exchange().open_orders(addr(user)).iter().map(convert::open_order).collect()
        })
    }

    fn frontend_open_orders(&self, user: &Address) -> Vec<FrontendOpenOrder> {
        self.with(Vec::new(), |cell| {
            cell.exchange()
                .open_orders(addr(user))
                .iter()
                .map(convert::frontend_open_order)
                .collect()
        })
    }

    // `aggregateByTime` is accepted and ignored: fills are reported one per match.
    fn user_fills(&self, user: &Address, _aggregate_by_time: bool) -> Vec<UserFill> {
        self.with(Vec::new(), |cell| fills_of(cell, addr(user), 0, None))
    }

    fn user_fills_by_time(
        &self,
        user: &Address,
        start_ms: u64,
        end_ms: Option<u64>,
        _aggregate_by_time: bool,
    ) -> Vec<UserFill> {
        self.with(Vec::new(), |cell| fills_of(cell, addr(user), start_ms, end_ms))
    }

    fn order_status(&self, user: &Address, order: SeamRef) -> OrderStatusReply {
        let r = match order {
            SeamRef::Oid(o) => OrderRef::Oid(o),
            SeamRef::Cloid(c) => OrderRef::Cloid(c),
        };
        self.with(OrderStatusReply::UnknownOid, |cell| {
            match cell.exchange().order_status(addr(user), r) {
                Some(u) => OrderStatusReply::Order(Box::new(convert::order_status(&u))),
                None => OrderStatusReply::UnknownOid,
            }
        })
    }

    fn user_rate_limit(&self, user: &Address) -> UserRateLimit {
        self.with(UserRateLimit::fresh(), |cell| {
            let a = addr(user);
            let vol = cell.exchange().account(a).map_or(Usd::ZERO, |x| x.cum_volume);
            UserRateLimit {
                cum_vlm: serde_json::to_value(shapes::usd(vol))
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "0.0".into()),
                n_requests_used: cell.budgets.used(&a),
                n_requests_cap: cell.budgets.cap(vol),
                n_requests_surplus: 0,
            }
        })
    }

    fn with_fills_snapshot(&self, user: &Address, f: &mut dyn FnMut(Vec<UserFill>)) {
        if let Some(shared) = self.shared.upgrade() {
            let cell = shared.market.lock();
            f(fills_of(&cell, addr(user), 0, None));
        }
    }
}

/// `/exchange` over the exchange.
pub(super) struct ExchangeActions {
    pub(super) shared: Weak<Shared>,
    pub(super) auth: Arc<dyn Authenticator>,
    /// How long an HTTP request whose response is dropped hangs before its 504.
    pub(super) drop_after: Duration,
}

impl ActionHandler for ExchangeActions {
    fn handle(&self, req: ActionRequest) -> ActionFuture {
        let shared = self.shared.clone();
        let auth = Arc::clone(&self.auth);
        let drop_after = self.drop_after;
        Box::pin(async move {
            match shared.upgrade() {
                Some(shared) => {
                    let drop = req.faults.drop_response;
                    let reply = process(&shared, auth.as_ref(), &req);
                    match reply {
                        Reply::Malformed => ActionReply::Rejected {
                            status: 422,
                            text: DESERIALIZE_ERROR.to_owned(),
                        },
                        // The action took effect (or was refused) but the answer is lost.
                        Reply::Venue(_) if drop => ActionReply::Dropped { after: drop_after },
                        Reply::Venue(r) => {
                            ActionReply::Json { status: 200, body: r.to_venue_json() }
                        }
                    }
                }
                None => ActionReply::Json {
                    status: 200,
                    body: json!({"status": "err", "response": "simulator: shutting down"}),
                },
            }
        })
    }
}

enum Reply {
    Malformed,
    Venue(ExchangeResponse),
}

fn refuse(text: String) -> Reply {
    Reply::Venue(ExchangeResponse::Err(text))
}

fn process(shared: &Shared, auth: &dyn Authenticator, req: &ActionRequest) -> Reply {
    let Ok(body) = serde_json::from_slice::<ExchangeBody>(&req.body) else {
        return Reply::Malformed;
    };
    let action = match WireAction::parse(&body.action) {
        Ok(a) => a,
        Err(BodyError::Malformed) => return Reply::Malformed,
        Err(BodyError::Refused(t)) => return refuse(t),
    };
    // `approveAgent` is user-signed (§3.4): its own EIP-712 domain, and only an account (not
    // an agent) may sign it.
    let user_signed = matches!(action, WireAction::ApproveAgent(_));
    let recovered = match &action {
        WireAction::ApproveAgent(a) => approve_agent_signer(a, &body.signature).map(|s| vec![s]),
        _ => auth.signers(&body),
    };
    let candidates = match recovered {
        Ok(s) => s,
        Err(AuthError::Malformed) => return Reply::Malformed,
        Err(AuthError::Refused(t)) => return refuse(t),
    };
    let now_ms = req.now_ms;
    let now = Nanos::from_millis(now_ms);
    let mut cell = shared.market.lock();
    let lookup = |cell: &MarketCell, s: Address| {
        if user_signed {
            cell.exchange().account(s).filter(|a| !a.house).map(|a| a.address)
        } else {
            cell.account_of(s)
        }
    };
    let Some((signer, account)) = candidates.iter().find_map(|&s| lookup(&cell, s).map(|a| (s, a)))
    else {
        return refuse(unknown_signer(&candidates.first().copied().unwrap_or_default()));
    };
    if body.vault_address.is_some() {
        return refuse(VAULT_UNSUPPORTED.to_owned());
    }
    let (n, is_cancel) = action.weight();
    let volume = cell.exchange().account(account).map_or(Usd::ZERO, |a| a.cum_volume);
    if let Some(t) = body.expires_after.filter(|&t| t < now_ms) {
        // A stale action still costs (5× its weight); a refusal of that is moot.
        let _ = cell.budgets.spend(account, EXPIRED_COST * n, is_cancel, volume, now_ms);
        return refuse(format!("{EXPIRED_PREFIX}: {t} < {now_ms}"));
    }
    if let Err(t) = cell.nonces.check(&signer, body.nonce, now_ms) {
        return refuse(t);
    }
    if let Err(t) = cell.budgets.spend(account, n, is_cancel, volume, now_ms) {
        return refuse(t);
    }
    cell.nonces.record(signer, body.nonce);
    let resp = execute(&mut cell, account, &action, now, &req.faults, &shared.faults);
    cell.publish_user_events(&shared.hub);
    Reply::Venue(resp)
}

/// The gate every new order passes before the exchange: the post-only window and the
/// reject-next-n knob.
struct OrderGate<'a> {
    post_only: bool,
    rejects_left: usize,
    reject_text: &'a str,
}

impl OrderGate<'_> {
    fn check(&mut self, tif: Tif, forced_alo: bool) -> Result<(), String> {
        if self.rejects_left > 0 {
            self.rejects_left -= 1;
            return Err(self.reject_text.to_owned());
        }
        if self.post_only && tif != Tif::Alo && !forced_alo {
            return Err(POST_ONLY_WINDOW.to_owned());
        }
        Ok(())
    }
}

fn execute(
    cell: &mut MarketCell,
    account: Address,
    action: &WireAction,
    now: Nanos,
    af: &ActionFaults,
    faults: &Faults,
) -> ExchangeResponse {
    let exchange = cell.exchange();
    let spec = |a: AssetId| exchange.asset(a).map(|c| c.spec);
    let orders_in = match action {
        WireAction::Order { orders, .. } => orders.len(),
        WireAction::BatchModify { modifies, .. } => modifies.len(),
        WireAction::Modify { .. } => 1,
        _ => 0,
    };
    let (rejects, reject_text) = faults.take_order_rejects(orders_in);
    let mut gate =
        OrderGate { post_only: af.post_only, rejects_left: rejects, reject_text: &reject_text };
    match action {
        WireAction::Order { orders, grouping, .. } => {
            if grouping.as_str() != Some("na") {
                return ExchangeResponse::Err(GROUPING_UNSUPPORTED.to_owned());
            }
            let checked: Vec<Result<_, String>> = orders
                .iter()
                .map(|o| order_request(o, spec).and_then(|r| gate.check(r.tif, false).map(|()| r)))
                .collect();
            let valid: Vec<_> = checked.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
            let applied = if valid.is_empty() {
                Vec::new()
            } else {
                let a = Action::Order { orders: valid, grouping: Grouping::Na };
                match cell.venue_mut().apply(account, &a, now) {
                    ExchangeResponse::Order(s) => s,
                    other => return other,
                }
            };
            ExchangeResponse::Order(merge(checked, applied))
        }
        WireAction::BatchModify { modifies, a } => {
            let always = a.unwrap_or(false);
            let checked: Vec<Result<_, String>> = modifies
                .iter()
                .map(|m| {
                    modify_request(m, spec)
                        .and_then(|r| gate.check(r.order.tif, !always).map(|()| r))
                })
                .collect();
            let valid: Vec<_> = checked.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
            let applied = if valid.is_empty() {
                Vec::new()
            } else {
                let act = Action::BatchModify { modifies: valid, always_place: always };
                match cell.venue_mut().apply(account, &act, now) {
                    ExchangeResponse::Order(s) => s,
                    other => return other,
                }
            };
            ExchangeResponse::Order(merge(checked, applied))
        }
        WireAction::Modify { oid, order, a } => {
            let always = a.unwrap_or(false);
            let m = super::body::WireModify { oid: *oid, order: order.clone() };
            let req = match modify_request(&m, spec) {
                Ok(r) => r,
                Err(t) => return ExchangeResponse::Err(format!("{MODIFY_PLACE_PREFIX}{t}")),
            };
            if let Err(t) = gate.check(req.order.tif, !always) {
                return ExchangeResponse::Err(format!("{MODIFY_PLACE_PREFIX}{t}"));
            }
            let act = Action::Modify { modify: req, always_place: always };
            cell.venue_mut().apply(account, &act, now)
        }
        WireAction::Cancel { cancels, .. } => {
            let act = Action::Cancel { cancels: cancels.iter().map(cancel_request).collect() };
            cell.venue_mut().apply(account, &act, now)
        }
        WireAction::CancelByCloid { cancels, .. } => {
            let act = Action::CancelByCloid {
                cancels: cancels.iter().map(cancel_by_cloid_request).collect(),
            };
            cell.venue_mut().apply(account, &act, now)
        }
        WireAction::ScheduleCancel { time } => {
            cell.venue_mut().apply(account, &Action::ScheduleCancel { time_ms: *time }, now)
        }
        WireAction::UpdateLeverage { asset, is_cross, leverage } => {
            let act = Action::UpdateLeverage {
                asset: AssetId(*asset),
                is_cross: *is_cross,
                leverage: *leverage,
            };
            cell.venue_mut().apply(account, &act, now)
        }
        WireAction::Noop => cell.venue_mut().apply(account, &Action::Noop, now),
        WireAction::ApproveAgent(a) => {
            cell.approve_agent(account, a.agent_address, a.agent_name.clone().unwrap_or_default());
            ExchangeResponse::Default
        }
    }
}

/// Per-order statuses in request order: the refused ones' errors, the others' exchange
/// statuses in turn.
fn merge<T>(
    checked: Vec<Result<T, String>>,
    applied: Vec<OrderStatusResp>,
) -> Vec<OrderStatusResp> {
    let mut applied = applied.into_iter();
    checked
        .into_iter()
        .map(|r| match r {
            Err(t) => OrderStatusResp::Error(t),
            Ok(_) => applied
                .next()
                .unwrap_or_else(|| OrderStatusResp::Error("simulator: missing status".into())),
        })
        .collect()
}

impl MarketCell {
    /// The exchange.
    pub(super) fn exchange(&self) -> &crate::exchange::Exchange {
        self.market.venue().exchange()
    }

    fn venue_mut(&mut self) -> &mut ExchangeVenue {
        self.market.venue_mut()
    }

    /// The account `signer` acts for: the account it is an agent of, or itself if it has an
    /// account (house accounts excluded).
    fn account_of(&self, signer: Address) -> Option<Address> {
        if let Some(&account) = self.agents.get(&signer) {
            return Some(account);
        }
        self.exchange().account(signer).filter(|a| !a.house).map(|a| a.address)
    }

    /// Registers `agent` for `account` under `name` (`""`: the unnamed agent), replacing the
    /// account's previous agent of that name, as the venue prunes on re-registration.
    fn approve_agent(&mut self, account: Address, agent: Address, name: String) {
        if let Some(old) = self.agent_names.insert((account, name), agent) {
            if old != agent {
                self.agents.remove(&old);
            }
        }
        self.agents.insert(agent, account);
    }

    /// After a block: timers, mark and oracle prices, and funding when the generator paid a
    /// new hourly rate.
    pub(super) fn after_block(&mut self, now: Nanos) {
        let mut scratch = std::mem::take(&mut self.block_scratch);
        scratch.clear();
        for c in self.market.coins().filter(|c| !c.delisted) {
            let funding = c.funding_history.last().map(|r| (r.time_ms, r.rate));
            scratch.push((c.spec.asset, c.ctx.mark_px, c.ctx.oracle_px, funding));
        }
        let venue = self.market.venue_mut();
        venue.on_time(now);
        for &(asset, mark, oracle, funding) in &scratch {
            venue.set_prices(asset, mark, oracle);
            let i = asset.0 as usize;
            if self.funding_seen.len() <= i {
                self.funding_seen.resize(i + 1, None);
            }
            let Some((t, rate)) = funding else { continue };
            match self.funding_seen[i] {
                // The generator's seeded history is not paid.
                None => self.funding_seen[i] = Some(t),
                Some(seen) if t > seen => {
                    venue.settle_funding(asset, rate, now);
                    self.funding_seen[i] = Some(t);
                }
                Some(_) => {}
            }
        }
        self.block_scratch = scratch;
    }

    /// Pushes the users' pending events to their subscribers.
    pub(super) fn publish_user_events(&mut self, hub: &feed::Hub) {
        self.market.venue_mut().take_user_events(&mut self.events);
        if !self.events.is_empty() {
            feed::publish_user_events(hub, &mut self.events);
        }
    }
}
