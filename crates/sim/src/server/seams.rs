//! The seams between the simulator's network face and the pieces built elsewhere:
//! - [`AccountView`]: answers the account `/info` queries (implemented over the exchange by
//!   [`super::SimServer::exchange_backed`]; [`EmptyAccounts`] is the stand-in for tests);
//! - [`ActionHandler`]: executes `/exchange` bodies and WS `action` posts, each parsed once by
//!   the server (the exchange-backed handler recovers the signers and runs the pure venue
//!   rules of [`crate::rules`]; [`NoActions`] refuses everything);
//! - [`UserEvents`](super::feed::UserEvents): where the exchange publishes order updates, fills
//!   and user events to the WS user channels.
//!
//! Everything crossing these seams is already in wire form ([`super::shapes`]): the server only
//! serialises it, so number formatting stays with whoever owns the numbers.
//!
//! Implementations run on the simulator's runtime thread and must not block it for long.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::shapes::{
    ClearinghouseState, FrontendOpenOrder, OpenOrder, OrderStatusReply, UserFill, UserRateLimit,
};
use crate::rules::body::ReceivedBody;
pub use hlmm_types::Address;
use hlmm_wire::action::OrderRef;

/// Read access to accounts for `/info` and for the snapshots that open user subscriptions.
/// Every method answers in wire form; `now_ms` is the venue time of the query.
pub trait AccountView: Send + Sync + 'static {
    /// `clearinghouseState`.
    fn clearinghouse_state(&self, user: &Address, now_ms: u64) -> ClearinghouseState;
    /// `openOrders`.
    fn open_orders(&self, user: &Address) -> Vec<OpenOrder>;
    /// `frontendOpenOrders`.
    fn frontend_open_orders(&self, user: &Address) -> Vec<FrontendOpenOrder>;
    /// `userFills`: the latest fills, newest first, at most 2000.
    fn user_fills(&self, user: &Address, aggregate_by_time: bool) -> Vec<UserFill>;
    /// `userFillsByTime`: fills with `start_ms <= time <= end_ms`, at most 2000.
    fn user_fills_by_time(
        &self,
        user: &Address,
        start_ms: u64,
        end_ms: Option<u64>,
        aggregate_by_time: bool,
    ) -> Vec<UserFill>;
    /// `orderStatus`.
    fn order_status(&self, user: &Address, order: OrderRef) -> OrderStatusReply;
    /// `userRateLimit`.
    fn user_rate_limit(&self, user: &Address) -> UserRateLimit;

    /// Calls `f` with the `userFills` snapshot of `user` while no new fill of `user` can be
    /// published (an implementation that publishes under a lock holds it here), so a new
    /// subscriber registered inside `f` gets the snapshot before any live fill.
    fn with_fills_snapshot(&self, user: &Address, f: &mut dyn FnMut(Vec<UserFill>)) {
        f(self.user_fills(user, false));
    }
}

/// Every account is empty: no positions, orders or fills. The shapes are exact, so clients
/// parse them; this stands until the exchange implements [`AccountView`].
#[derive(Debug, Default, Clone, Copy)]
pub struct EmptyAccounts;

impl AccountView for EmptyAccounts {
    fn clearinghouse_state(&self, _user: &Address, now_ms: u64) -> ClearinghouseState {
        ClearinghouseState::empty(now_ms)
    }
    fn open_orders(&self, _user: &Address) -> Vec<OpenOrder> {
        Vec::new()
    }
    fn frontend_open_orders(&self, _user: &Address) -> Vec<FrontendOpenOrder> {
        Vec::new()
    }
    fn user_fills(&self, _user: &Address, _aggregate_by_time: bool) -> Vec<UserFill> {
        Vec::new()
    }
    fn user_fills_by_time(
        &self,
        _user: &Address,
        _start_ms: u64,
        _end_ms: Option<u64>,
        _aggregate_by_time: bool,
    ) -> Vec<UserFill> {
        Vec::new()
    }
    fn order_status(&self, _user: &Address, _order: OrderRef) -> OrderStatusReply {
        OrderStatusReply::UnknownOid
    }
    fn user_rate_limit(&self, _user: &Address) -> UserRateLimit {
        UserRateLimit::fresh()
    }
}

/// Where an action came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionSource {
    /// `POST /exchange`.
    Http,
    /// A WS `post` with `type: "action"`.
    WsPost,
}

/// An action request as received: the `/exchange` body (a WS post's `payload`), parsed once
/// into the signed wire types, for the handler to verify and execute.
#[derive(Debug, Clone)]
pub struct ActionRequest {
    /// The body.
    pub body: ReceivedBody,
    /// HTTP or WS.
    pub source: ActionSource,
    /// Venue time when it arrived, ms since the epoch.
    pub now_ms: u64,
    /// Action-level fault state at arrival (see [`crate::faults::ActionFaults`]).
    pub faults: crate::faults::ActionFaults,
}

/// What the handler answers.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionReply {
    /// An HTTP status (200 even when orders fail) and the JSON body.
    Json {
        /// HTTP status.
        status: u16,
        /// The body (`{"status":"ok"|"err","response":…}`).
        body: serde_json::Value,
    },
    /// Refused before parsing succeeded (HTTP 422 malformed body, 429): a plain-text body.
    Rejected {
        /// HTTP status.
        status: u16,
        /// The text body.
        text: String,
    },
    /// The action was applied but its response is lost (the "drop response" fault): HTTP
    /// answers after `after` with a 504 gateway timeout; a WS post never gets a reply.
    Dropped {
        /// How long the connection hangs before the HTTP error.
        after: Duration,
    },
}

/// A boxed future, so [`ActionHandler`] stays object-safe.
pub type ActionFuture = Pin<Box<dyn Future<Output = ActionReply> + Send + 'static>>;

/// Executes actions. Async because on the venue an action lands in the next block: a handler
/// may hold the reply until then.
pub trait ActionHandler: Send + Sync + 'static {
    /// Handles one action.
    fn handle(&self, req: ActionRequest) -> ActionFuture;
}

/// Refuses every action with a whole-action error: the place auth and the exchange plug in.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoActions;

/// The whole-action error [`NoActions`] answers with.
pub const NO_ACTIONS_MSG: &str = "simulator: actions are not enabled in this build";

impl ActionHandler for NoActions {
    fn handle(&self, _req: ActionRequest) -> ActionFuture {
        Box::pin(async {
            ActionReply::Json {
                status: 200,
                body: serde_json::json!({"status": "err", "response": NO_ACTIONS_MSG}),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_either_case_and_print_lower_case() {
        let a: Address = "0xABCDEF0123456789abcdef0123456789ABCDEF01".parse().expect("valid");
        assert_eq!(a.to_string(), "0xabcdef0123456789abcdef0123456789abcdef01");
        for bad in ["", "0x", "abcdef0123456789abcdef0123456789abcdef0123", "0xzz"] {
            assert!(bad.parse::<Address>().is_err(), "{bad}");
        }
    }

    #[test]
    fn order_refs_are_oids_or_cloids() {
        use hlmm_types::{Cloid, Oid};
        let o: OrderRef = serde_json::from_str("12345").expect("oid");
        assert_eq!(o, OrderRef::Oid(Oid(12345)));
        let c: OrderRef =
            serde_json::from_str("\"0x000000000000000000000000000000ff\"").expect("cloid");
        assert_eq!(c, OrderRef::Cloid(Cloid(0xff)));
        assert!(serde_json::from_str::<OrderRef>("\"0x12\"").is_err());
    }
}
