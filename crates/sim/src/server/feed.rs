//! The block task and the fan-out hub.
//!
//! Once per block the block task steps the market and, for every topic that has subscribers
//! and is not stalled, serialises its frame once into a shared buffer; each subscriber's queue
//! gets a cheap clone (a reference count). `l2Book`, the bulk of the bytes, is written by a
//! direct writer into a reused buffer (`shapes::write_l2book_frame`), then copied once into the
//! shared frame. A full queue drops that client's market frame
//! (counted): the latest book wins on the next block anyway. User-channel frames are never
//! dropped: a client too slow for them is disconnected and gets a fresh snapshot on reconnect.
//!
//! Users' events (order updates, fills, funding) are published by [`publish_user_events`]
//! under the venue lock, right after the block or the action that made them.
//!
//! Lock order: the venue lock before the hub lock, everywhere.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use parking_lot::Mutex;
use serde::Serialize;
use tokio::sync::{mpsc, Notify};
use tokio::time::MissedTickBehavior;

use super::info;
use super::seams::Address;
use super::shapes::{
    write_l2book_frame, ActiveCtxJson, BboJson, BookJson, Envelope, TradesJson, UserEvent,
    UserFill, WsOrderUpdate,
};
use super::Shared;
use crate::actions::SimEvent;
use crate::market::CoinView;
use crate::state::SimMarket as Market;
use hlmm_types::AssetId;

/// A subscription's key: channel and coin or user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Topic {
    L2Book(AssetId),
    Bbo(AssetId),
    Trades(AssetId),
    AllMids,
    ActiveAssetCtx(AssetId),
    OrderUpdates(Address),
    UserFills(Address),
    UserEvents(Address),
}

impl Topic {
    pub(super) fn user(&self) -> Option<Address> {
        match self {
            Self::OrderUpdates(u) | Self::UserFills(u) | Self::UserEvents(u) => Some(*u),
            _ => None,
        }
    }
}

/// A frame queued for a connection's writer.
#[derive(Debug, Clone)]
pub(super) enum Out {
    /// Market or user data: subject to the frame faults.
    Data(Utf8Bytes),
    /// Acks, pongs, errors, post replies: never delayed or mangled.
    Control(Utf8Bytes),
}

#[derive(Debug)]
struct Sub {
    conn: u64,
    tx: mpsc::Sender<Out>,
    /// Wakes the connection to close it (a user frame could not be queued).
    kill: Arc<Notify>,
}

/// Topic → subscribers.
#[derive(Debug, Default)]
pub(super) struct Hub {
    subs: Mutex<HashMap<Topic, Vec<Sub>>>,
    dropped: AtomicU64,
    /// The block task's frame buffer, reused from frame to frame (an `l2Book` frame is ~2 KB);
    /// each frame is copied out once into its shared bytes.
    scratch: Mutex<Vec<u8>>,
}

impl Hub {
    pub(super) fn add(&self, topic: Topic, conn: u64, tx: mpsc::Sender<Out>, kill: Arc<Notify>) {
        self.subs.lock().entry(topic).or_default().push(Sub { conn, tx, kill });
    }

    pub(super) fn remove(&self, topic: Topic, conn: u64) {
        let mut subs = self.subs.lock();
        if let Some(list) = subs.get_mut(&topic) {
            list.retain(|s| s.conn != conn);
            if list.is_empty() {
                subs.remove(&topic);
            }
        }
    }

    pub(super) fn remove_conn(&self, conn: u64) {
        let mut subs = self.subs.lock();
        subs.retain(|_, list| {
            list.retain(|s| s.conn != conn);
            !list.is_empty()
        });
    }

    /// Whether any connection follows `user` on a user channel.
    pub(super) fn watches(&self, user: &Address) -> bool {
        let subs = self.subs.lock();
        [Topic::OrderUpdates(*user), Topic::UserFills(*user), Topic::UserEvents(*user)]
            .iter()
            .any(|t| subs.contains_key(t))
    }

    pub(super) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Sends a market frame to every subscriber of `topic`; drops it for full queues.
    fn fan_out_market(&self, list: &[Sub], frame: &Utf8Bytes) {
        for s in list {
            if s.tx.try_send(Out::Data(frame.clone())).is_err() {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Sends a user frame to every subscriber of `topic`; a full queue closes that connection.
    fn fan_out_user(&self, topic: Topic, frame: Utf8Bytes) {
        let subs = self.subs.lock();
        for s in subs.get(&topic).into_iter().flatten() {
            if s.tx.try_send(Out::Data(frame.clone())).is_err() {
                s.kill.notify_one();
            }
        }
    }

    /// Pushes one block's market frames.
    fn publish_block(&self, market: &Market, time: u64, faults: &super::Faults) {
        let subs = self.subs.lock();
        if subs.is_empty() {
            return;
        }
        let mut scratch = self.scratch.lock();
        if let Some(list) = subs.get(&Topic::AllMids) {
            if !faults.is_stalled("allMids", None) {
                self.fan_out_market(list, &all_mids_frame(market));
            }
        }
        for c in market.coins().filter(|c| !c.delisted) {
            let asset = c.spec.asset;
            let coin = Some(c.params.name.as_str());
            let topics = [
                (Topic::L2Book(asset), "l2Book", true),
                (Topic::Bbo(asset), "bbo", c.bbo_changed),
                (Topic::Trades(asset), "trades", !c.trades.is_empty()),
                (Topic::ActiveAssetCtx(asset), "activeAssetCtx", true),
            ];
            for (topic, channel, due) in topics {
                let Some(list) = subs.get(&topic) else { continue };
                if !due || faults.is_stalled(channel, coin) {
                    continue;
                }
                if let Some(frame) = market_frame(topic, &c, time, &mut scratch) {
                    self.fan_out_market(list, &frame);
                }
            }
        }
    }
}

/// The current frame of a market topic, or `None` for a topic with nothing to send now
/// (trades of a block without trades, a delisted coin).
pub(super) fn current_frame(market: &Market, time: u64, topic: Topic) -> Option<Utf8Bytes> {
    match topic {
        Topic::AllMids => Some(all_mids_frame(market)),
        Topic::L2Book(a) | Topic::Bbo(a) | Topic::Trades(a) | Topic::ActiveAssetCtx(a) => {
            let c = market.coin(a)?;
            if c.delisted {
                return None;
            }
            market_frame(topic, &c, time, &mut Vec::new())
        }
        Topic::OrderUpdates(_) | Topic::UserFills(_) | Topic::UserEvents(_) => None,
    }
}

/// The frame of a market topic; `scratch` is a reusable buffer for the `l2Book` writer.
fn market_frame(
    topic: Topic,
    c: &CoinView<'_>,
    time: u64,
    scratch: &mut Vec<u8>,
) -> Option<Utf8Bytes> {
    match topic {
        Topic::L2Book(_) => {
            scratch.clear();
            write_l2book_frame(scratch, c, time);
            // The writer emits ASCII only; a failure would be a bug, answered as serde would.
            Some(match std::str::from_utf8(scratch) {
                Ok(text) => Utf8Bytes::from(text),
                Err(_) => frame("l2Book", BookJson { coin: c, time }),
            })
        }
        Topic::Bbo(_) => Some(frame("bbo", BboJson { coin: c, time })),
        Topic::Trades(_) if !c.trades.is_empty() => {
            Some(frame("trades", TradesJson { coin: c, time }))
        }
        Topic::ActiveAssetCtx(_) => Some(frame("activeAssetCtx", ActiveCtxJson(c))),
        _ => None,
    }
}

fn all_mids_frame(market: &Market) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Mids {
        mids: serde_json::Map<String, serde_json::Value>,
    }
    frame("allMids", Mids { mids: info::all_mids(market) })
}

/// `{"channel":…,"data":…}` serialised once.
pub(super) fn frame<T: Serialize>(channel: &str, data: T) -> Utf8Bytes {
    let text = serde_json::to_string(&Envelope { channel, data })
        .unwrap_or_else(|_| format!(r#"{{"channel":"error","data":"cannot encode {channel}"}}"#));
    Utf8Bytes::from(text)
}

/// Steps the market every block and publishes the frames, until aborted.
pub(super) async fn block_loop(shared: Arc<Shared>) {
    let mut tick = tokio::time::interval(shared.opts.block_interval.max(
        // A zero interval would panic in tokio; `fast` mode does not use the timer.
        std::time::Duration::from_micros(1),
    ));
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    // The first tick completes at once; the server already stepped the first block.
    tick.tick().await;
    loop {
        if shared.opts.fast {
            tokio::task::yield_now().await;
        } else {
            tick.tick().await;
        }
        let now = shared.clock.now();
        let mut cell = shared.venue.lock();
        cell.state.step(now);
        shared.hub.publish_block(cell.state.market(), cell.state.time_ms(), &shared.faults);
        cell.publish_user_events(&shared.hub);
    }
}

/// Pushes users' events (drained from `events`) to the users' subscribers: per user, one
/// `orderUpdates` frame, one `userFills` frame and `user` frames (`fills`, then each
/// `funding`). Users nobody follows cost nothing.
pub(super) fn publish_user_events(hub: &Hub, events: &mut Vec<SimEvent>) {
    #[derive(Default)]
    struct Batch {
        updates: Vec<WsOrderUpdate>,
        fills: Vec<UserFill>,
        fundings: Vec<serde_json::Value>,
    }
    let mut batches: Vec<(Address, Batch)> = Vec::new();
    for ev in events.drain(..) {
        let user = match &ev {
            SimEvent::Fill { user, .. }
            | SimEvent::OrderUpdate { user, .. }
            | SimEvent::Funding { user, .. } => *user,
            SimEvent::Trade(_) | SimEvent::BookChanged(_) => continue,
        };
        if !hub.watches(&user) {
            continue;
        }
        let i = match batches.iter().position(|(u, _)| *u == user) {
            Some(i) => i,
            None => {
                batches.push((user, Batch::default()));
                batches.len() - 1
            }
        };
        let b = &mut batches[i].1;
        match &ev {
            SimEvent::Fill { fill, .. } => b.fills.push(super::convert::fill(fill)),
            SimEvent::OrderUpdate { update, .. } => {
                b.updates.push(super::convert::order_update(update));
            }
            SimEvent::Funding { funding, .. } => b.fundings.push(super::convert::funding(funding)),
            SimEvent::Trade(_) | SimEvent::BookChanged(_) => {}
        }
    }
    for (user, b) in batches {
        send_order_updates(hub, &user, &b.updates);
        send_fills(hub, &user, &b.fills);
        if !b.fills.is_empty() {
            send_user_event(hub, &user, &UserEvent::Fills(b.fills));
        }
        for f in b.fundings {
            send_user_event(hub, &user, &UserEvent::Funding(f));
        }
    }
}

fn send_order_updates(hub: &Hub, user: &Address, updates: &[WsOrderUpdate]) {
    if !updates.is_empty() {
        hub.fan_out_user(Topic::OrderUpdates(*user), frame("orderUpdates", updates));
    }
}

fn send_fills(hub: &Hub, user: &Address, fills: &[UserFill]) {
    if !fills.is_empty() {
        let data = UserFillsData { is_snapshot: None, user: *user, fills };
        hub.fan_out_user(Topic::UserFills(*user), frame("userFills", data));
    }
}

fn send_user_event(hub: &Hub, user: &Address, event: &UserEvent) {
    hub.fan_out_user(Topic::UserEvents(*user), frame("user", event));
}

/// Where the exchange publishes user-channel events (`orderUpdates`, `userFills`, `user`).
/// Frames are serialised once per call and go to every subscriber of that user.
#[derive(Clone)]
pub struct UserEvents {
    hub: Arc<Hub>,
}

impl std::fmt::Debug for UserEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserEvents").finish_non_exhaustive()
    }
}

impl UserEvents {
    pub(super) fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }

    /// `orderUpdates` for `user`.
    pub fn order_updates(&self, user: &Address, updates: &[WsOrderUpdate]) {
        send_order_updates(&self.hub, user, updates);
    }

    /// `userFills` for `user` (not a snapshot: snapshots are sent on subscribe).
    pub fn fills(&self, user: &Address, fills: &[UserFill]) {
        send_fills(&self.hub, user, fills);
    }

    /// One `user` (userEvents) message for `user`.
    pub fn user_event(&self, user: &Address, event: &UserEvent) {
        send_user_event(&self.hub, user, event);
    }
}

/// `userFills` data.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserFillsData<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) is_snapshot: Option<bool>,
    pub(super) user: Address,
    pub(super) fills: &'a [UserFill],
}
