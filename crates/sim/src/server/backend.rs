//! The pure venue behind the server's seams: [`ExchangeAccounts`] answers the account `/info`
//! queries, [`ExchangeActions`] executes `/exchange` bodies and WS action posts.
//!
//! An action arrives parsed ([`crate::rules::body`], once, by the route) and goes: signer
//! recovery ([`Authenticator`], outside the lock) → under the venue lock:
//! [`VenueState::submit`] at the arrival time (every venue rule: account, `expiresAfter`,
//! nonce, budget, order gate, the exchange), publication of the users' events → unlock → the
//! reply (or none, for the drop-response fault). Nothing here decides anything.
//!
//! Cadence: an action is applied when it arrives, at the venue time of its arrival; its order
//! updates and fills are pushed at once; its trades and the changed book go out with the next
//! block, like the house flow's.
//!
//! Locking: one lock (`Shared::venue`) guards the [`VenueState`]; it is held for one action
//! or one block, never across an await; the fault lock is taken inside it for the order gate.
//! Users' events are published while it is held, so each user's frames leave in the order they
//! happened and a `userFills` snapshot taken under it is never overtaken by a live frame.

use std::sync::{Arc, Weak};
use std::time::Duration;

use serde_json::json;

use super::seams::{AccountView, ActionFuture, ActionHandler, ActionReply, ActionRequest};
use super::shapes::{
    self, ClearinghouseState, FrontendOpenOrder, OpenOrder, OrderStatusReply, UserFill,
    UserRateLimit,
};
use super::{convert, feed, Shared, VenueCell};
use crate::accounts::Address;
use crate::rules::auth::{self, Authenticator};
use crate::rules::body::RequestError;
use crate::state::VenueState;
use hlmm_types::{Nanos, Usd};
use hlmm_wire::action::OrderRef;

/// Most fills `userFills` returns.
const MAX_FILLS: usize = 2000;

/// Account queries over the exchange.
pub(super) struct ExchangeAccounts {
    pub(super) shared: Weak<Shared>,
}

impl ExchangeAccounts {
    fn with<T>(&self, default: T, f: impl FnOnce(&VenueState) -> T) -> T {
        match self.shared.upgrade() {
            Some(shared) => f(&shared.venue.lock().state),
            None => default,
        }
    }
}

fn fills_of(state: &VenueState, user: Address, start: u64, end: Option<u64>) -> Vec<UserFill> {
    let Some(acct) = state.exchange().account(user) else { return Vec::new() };
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
        self.with(ClearinghouseState::empty(now_ms), |state| {
            match state.exchange().clearinghouse_state(*user, Nanos::from_millis(now_ms)) {
                Some(c) => convert::clearinghouse(&c),
                None => ClearinghouseState::empty(now_ms),
            }
        })
    }

    fn open_orders(&self, user: &Address) -> Vec<OpenOrder> {
        self.with(Vec::new(), |state| {
            state.exchange().open_orders(*user).iter().map(convert::open_order).collect()
        })
    }

    fn frontend_open_orders(&self, user: &Address) -> Vec<FrontendOpenOrder> {
        self.with(Vec::new(), |state| {
            state.exchange().open_orders(*user).iter().map(convert::frontend_open_order).collect()
        })
    }

    // `aggregateByTime` is accepted and ignored: fills are reported one per match.
    fn user_fills(&self, user: &Address, _aggregate_by_time: bool) -> Vec<UserFill> {
        self.with(Vec::new(), |state| fills_of(state, *user, 0, None))
    }

    fn user_fills_by_time(
        &self,
        user: &Address,
        start_ms: u64,
        end_ms: Option<u64>,
        _aggregate_by_time: bool,
    ) -> Vec<UserFill> {
        self.with(Vec::new(), |state| fills_of(state, *user, start_ms, end_ms))
    }

    fn order_status(&self, user: &Address, order: OrderRef) -> OrderStatusReply {
        self.with(OrderStatusReply::UnknownOid, |state| {
            match state.exchange().order_status(*user, order) {
                Some(u) => OrderStatusReply::Order(Box::new(convert::order_status(&u))),
                None => OrderStatusReply::UnknownOid,
            }
        })
    }

    fn user_rate_limit(&self, user: &Address) -> UserRateLimit {
        self.with(UserRateLimit::fresh(), |state| {
            let a = *user;
            let vol = state.exchange().account(a).map_or(Usd::ZERO, |x| x.cum_volume);
            UserRateLimit {
                cum_vlm: serde_json::to_value(shapes::usd(vol))
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "0.0".into()),
                n_requests_used: state.rules().budgets().used(&a),
                n_requests_cap: state.rules().budgets().cap(vol),
                n_requests_surplus: 0,
            }
        })
    }

    fn with_fills_snapshot(&self, user: &Address, f: &mut dyn FnMut(Vec<UserFill>)) {
        if let Some(shared) = self.shared.upgrade() {
            let cell = shared.venue.lock();
            f(fills_of(&cell.state, *user, 0, None));
        }
    }
}

/// `/exchange` over the pure venue.
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
            let Some(shared) = shared.upgrade() else {
                return ActionReply::Json {
                    status: 200,
                    body: json!({"status": "err", "response": "simulator: shutting down"}),
                };
            };
            match process(&shared, auth.as_ref(), &req) {
                Err(RequestError::Malformed) => {
                    ActionReply::Rejected { status: 422, text: super::DESERIALIZE_ERROR.to_owned() }
                }
                // The action took effect (or was refused) but the answer is lost.
                _ if req.faults.drop_response => ActionReply::Dropped { after: drop_after },
                Err(RequestError::Refused(t)) => {
                    ActionReply::Json { status: 200, body: json!({"status": "err", "response": t}) }
                }
                Ok(body) => ActionReply::Json { status: 200, body },
            }
        })
    }
}

/// Recovers the signers (outside the lock), then submits under it at the arrival time and
/// publishes the users' events; the venue JSON of the response.
fn process(
    shared: &Shared,
    auth: &dyn Authenticator,
    req: &ActionRequest,
) -> Result<serde_json::Value, RequestError> {
    let signers = auth::signers(auth, &req.body)?;
    let mut cell = shared.venue.lock();
    let resp = {
        let (mut faults, fault_now_ms) = shared.faults.lock_now();
        let mut gate = faults.order_gate(fault_now_ms);
        cell.state.submit(&req.body, &signers, &mut gate, Nanos::from_millis(req.now_ms))
    };
    cell.publish_user_events(&shared.hub);
    Ok(resp.to_venue_json())
}

impl VenueCell {
    /// Pushes the users' pending events to their subscribers.
    pub(super) fn publish_user_events(&mut self, hub: &feed::Hub) {
        self.state.take_user_events(&mut self.events);
        if !self.events.is_empty() {
            feed::publish_user_events(hub, &mut self.events);
        }
    }
}
