//! One WebSocket connection: the venue's `/ws` protocol.
//!
//! Two halves per connection: the reader (this task) parses client messages and answers
//! subscribe / unsubscribe / ping / post; the writer (a spawned task) drains the connection's
//! queue into the socket, applying the frame faults to data frames only. The connection ends
//! when the client closes, on a read error, after `idle_timeout` of silence, or on a drop
//! command; the socket is then dropped without a close frame, as the venue does.
//!
//! Per-IP limits ([`super::ws_limits`]): the upgrade takes a connection slot of the client's
//! IP or is refused with HTTP 429 (our choice: the venue documents no text for it); every
//! client message, subscription and followed user is counted against the IP, and one over a
//! limit gets the venue's `error` frame and is not processed. A connection's slot and
//! subscriptions are given back when it ends.
//!
//! Cancellation: dropping the connection future drops both socket halves; nothing else holds
//! them. Its counts are given back on drop ([`Slot`], `Conn`), so a refused or abandoned
//! upgrade and a dropped connection release them too.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{Extensions, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::{broadcast, mpsc, Notify};

use super::feed::{self, Out, Topic, UserFillsData};
use super::seams::{ActionReply, ActionSource, Address};
use super::{info, Shared, SimServer, WELCOME};
use crate::faults::{DropTarget, FrameFaults};
use crate::rules::body::ReceivedBody;

/// Frames written before a flush when the queue is busy.
const WRITE_BATCH: usize = 64;

/// The IP counted for a client whose address is unknown (a router served without connect
/// info): such clients share one set of counts.
const UNKNOWN_IP: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

pub(super) async fn upgrade(
    State(server): State<SimServer>,
    extensions: Extensions,
    ws: WebSocketUpgrade,
) -> Response {
    if server.shared.faults.refusing() {
        return (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response();
    }
    let ip = extensions.get::<ConnectInfo<SocketAddr>>().map_or(UNKNOWN_IP, |c| c.0.ip());
    let Some(slot) = Slot::take(&server.shared, ip) else {
        // The venue documents no answer for its connection limits: 429 is our choice.
        return super::too_many_requests();
    };
    ws.on_upgrade(move |socket| connection(server.shared, socket, slot))
}

/// One connection's place in its IP's count: taken at the upgrade, given back on drop.
struct Slot {
    shared: Arc<Shared>,
    ip: IpAddr,
}

impl Slot {
    /// A slot of `ip`, or `None` when the IP is at its open or new-per-minute limit.
    fn take(shared: &Arc<Shared>, ip: IpAddr) -> Option<Self> {
        let now_ms = shared.clock.now_ms();
        let opened = shared.ws_ips.lock().open(ip, now_ms);
        opened.ok().map(|()| Self { shared: Arc::clone(shared), ip })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.shared.ws_ips.lock().close(self.ip);
    }
}

#[derive(Debug, Deserialize)]
#[serde(tag = "method", rename_all = "camelCase")]
enum ClientMsg {
    Subscribe { subscription: Value },
    Unsubscribe { subscription: Value },
    Ping,
    Post { id: u64, request: PostRequest },
}

#[derive(Debug, Deserialize)]
struct PostRequest {
    #[serde(rename = "type")]
    kind: String,
    payload: Value,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
enum Subscription {
    L2Book { coin: String },
    Bbo { coin: String },
    Trades { coin: String },
    AllMids,
    ActiveAssetCtx { coin: String },
    OrderUpdates { user: Address },
    UserFills { user: Address },
    UserEvents { user: Address },
}

struct Conn {
    id: u64,
    shared: Arc<Shared>,
    tx: mpsc::Sender<Out>,
    kill: Arc<Notify>,
    topics: HashSet<Topic>,
    posts_in_flight: Arc<AtomicUsize>,
    /// The client's IP and its connection slot (given back after the subscriptions).
    slot: Slot,
}

impl Drop for Conn {
    fn drop(&mut self) {
        let mut ips = self.shared.ws_ips.lock();
        for t in &self.topics {
            ips.unsubscribe(self.slot.ip, t.user());
        }
    }
}

async fn connection(shared: Arc<Shared>, socket: WebSocket, slot: Slot) {
    let id = shared.conn_id();
    shared.conns.lock().insert(id);
    let (sink, stream) = socket.split();
    let (tx, rx) = mpsc::channel(shared.opts.outbox_frames.max(16));
    let kill = Arc::new(Notify::new());
    let mut drops = shared.faults.drop_commands();
    let mut writer = tokio::spawn(writer(sink, rx, Arc::clone(&shared.faults)));
    let mut conn = Conn {
        id,
        shared: Arc::clone(&shared),
        tx,
        kill: Arc::clone(&kill),
        topics: HashSet::new(),
        posts_in_flight: Arc::new(AtomicUsize::new(0)),
        slot,
    };
    // The queue is empty: the welcome always fits.
    let _ = conn.tx.try_send(Out::Control(Utf8Bytes::from_static(WELCOME)));
    tokio::select! {
        biased;
        () = kill.notified() => {}
        () = dropped(&mut drops, id) => {}
        _ = &mut writer => {}
        () = conn.read_loop(stream) => {}
    }
    // Counts first: once the connection is gone from `conns`, its IP may connect again.
    drop(conn);
    writer.abort();
    shared.hub.remove_conn(id);
    shared.conns.lock().remove(&id);
}

/// Completes when a drop command targets this connection.
async fn dropped(drops: &mut broadcast::Receiver<DropTarget>, id: u64) {
    loop {
        match drops.recv().await {
            Ok(DropTarget::All) => return,
            Ok(DropTarget::Conn(c)) if c == id => return,
            Ok(DropTarget::Conn(_)) => {}
            // Missed commands may have targeted us: drop to be safe.
            Err(broadcast::error::RecvError::Lagged(_)) => return,
            Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
        }
    }
}

impl Conn {
    async fn read_loop(&mut self, mut stream: SplitStream<WebSocket>) {
        let idle = self.shared.opts.idle_timeout;
        loop {
            let msg = match tokio::time::timeout(idle, stream.next()).await {
                Err(_) | Ok(None) | Ok(Some(Err(_))) => return,
                Ok(Some(Ok(m))) => m,
            };
            match msg {
                Message::Text(text) => {
                    if self.count_message().await {
                        self.on_text(text.as_str()).await;
                    }
                }
                // Binary is not used, but counts as a message.
                Message::Binary(_) => {
                    self.count_message().await;
                }
                Message::Close(_) => return,
                // Protocol pings are answered by the socket layer.
                Message::Ping(_) | Message::Pong(_) => {}
            }
        }
    }

    /// Counts a client message against the IP's minute; `false` (after the venue's error
    /// frame) when it is over the limit and must not be processed.
    async fn count_message(&self) -> bool {
        let counted = self.shared.ws_ips.lock().message(self.slot.ip, self.shared.clock.now_ms());
        match counted {
            Ok(()) => true,
            Err(text) => {
                self.error(text).await;
                false
            }
        }
    }

    async fn control(&self, frame: Utf8Bytes) {
        // A closed queue means the writer is gone and the connection is ending.
        let _ = self.tx.send(Out::Control(frame)).await;
    }

    async fn error(&self, text: String) {
        self.control(feed::frame("error", text)).await;
    }

    async fn on_text(&mut self, text: &str) {
        let msg: ClientMsg = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                return self
                    .error(format!("Error parsing JSON into valid websocket request: {e}"))
                    .await;
            }
        };
        match msg {
            ClientMsg::Ping => self.control(Utf8Bytes::from_static(r#"{"channel":"pong"}"#)).await,
            ClientMsg::Subscribe { subscription } => self.subscribe(subscription).await,
            ClientMsg::Unsubscribe { subscription } => self.unsubscribe(subscription).await,
            ClientMsg::Post { id, request } => self.post(id, request).await,
        }
    }

    /// The topic of a subscription object, or the venue's error text.
    fn topic(&self, sub: &Value) -> Result<Topic, String> {
        let invalid = || format!("Invalid subscription {sub}");
        let parsed = Subscription::deserialize(sub).map_err(|_| invalid())?;
        let cell = self.shared.venue.lock();
        let asset = |coin: &str| {
            cell.state.market().coin_by_name(coin).map(|c| c.spec.asset).ok_or_else(invalid)
        };
        Ok(match parsed {
            Subscription::L2Book { coin } => Topic::L2Book(asset(&coin)?),
            Subscription::Bbo { coin } => Topic::Bbo(asset(&coin)?),
            Subscription::Trades { coin } => Topic::Trades(asset(&coin)?),
            Subscription::AllMids => Topic::AllMids,
            Subscription::ActiveAssetCtx { coin } => Topic::ActiveAssetCtx(asset(&coin)?),
            Subscription::OrderUpdates { user } => Topic::OrderUpdates(user),
            Subscription::UserFills { user } => Topic::UserFills(user),
            Subscription::UserEvents { user } => Topic::UserEvents(user),
        })
    }

    async fn subscribe(&mut self, sub: Value) {
        let topic = match self.topic(&sub) {
            Ok(t) => t,
            Err(e) => return self.error(e).await,
        };
        if self.topics.contains(&topic) {
            return self.error(format!("Already subscribed: {sub}")).await;
        }
        let counted = self.shared.ws_ips.lock().subscribe(self.slot.ip, topic.user());
        if let Err(text) = counted {
            return self.error(text).await;
        }
        // Into `topics` before any await, so a connection dropped mid-ack gives the count back.
        self.topics.insert(topic);
        self.control(ack("subscribe", &sub)).await;
        let shared = Arc::clone(&self.shared);
        match topic.user() {
            None => {
                // Registering and sending the current frame under the venue lock keeps the
                // block task from slipping an older frame in after a newer one.
                let cell = shared.venue.lock();
                shared.hub.add(topic, self.id, self.tx.clone(), Arc::clone(&self.kill));
                if let Some(frame) =
                    feed::current_frame(cell.state.market(), cell.state.time_ms(), topic)
                {
                    let _ = self.tx.try_send(Out::Data(frame));
                }
            }
            Some(user) => {
                if let Topic::UserFills(_) = topic {
                    // Registered inside the snapshot so no live fill overtakes it.
                    let (id, tx, kill) = (self.id, self.tx.clone(), Arc::clone(&self.kill));
                    let mut register = |fills: Vec<super::shapes::UserFill>| {
                        shared.hub.add(topic, id, tx.clone(), Arc::clone(&kill));
                        let data = UserFillsData { is_snapshot: Some(true), user, fills: &fills };
                        if tx.try_send(Out::Data(feed::frame("userFills", data))).is_err() {
                            kill.notify_one();
                        }
                    };
                    shared.services.accounts.with_fills_snapshot(&user, &mut register);
                } else {
                    shared.hub.add(topic, self.id, self.tx.clone(), Arc::clone(&self.kill));
                }
            }
        }
    }

    async fn unsubscribe(&mut self, sub: Value) {
        let topic = match self.topic(&sub) {
            Ok(t) => t,
            Err(e) => return self.error(e).await,
        };
        if !self.topics.remove(&topic) {
            return self.error(format!("Already unsubscribed: {sub}")).await;
        }
        self.shared.ws_ips.lock().unsubscribe(self.slot.ip, topic.user());
        self.shared.hub.remove(topic, self.id);
        self.control(ack("unsubscribe", &sub)).await;
    }

    async fn post(&mut self, id: u64, request: PostRequest) {
        let max = self.shared.opts.max_posts_in_flight;
        if self.posts_in_flight.fetch_add(1, Ordering::AcqRel) >= max {
            self.posts_in_flight.fetch_sub(1, Ordering::AcqRel);
            return self.error(format!("too many pending post requests id={id}")).await;
        }
        let shared = Arc::clone(&self.shared);
        let tx = self.tx.clone();
        let in_flight = Arc::clone(&self.posts_in_flight);
        tokio::spawn(async move {
            let response = post_response(&shared, request).await;
            if let Some(response) = response {
                let text =
                    format!(r#"{{"channel":"post","data":{{"id":{id},"response":{response}}}}}"#);
                let _ = tx.send(Out::Control(Utf8Bytes::from(text))).await;
            }
            in_flight.fetch_sub(1, Ordering::AcqRel);
        });
    }
}

/// The `response` object of a post reply; `None` when the reply is dropped (a fault).
async fn post_response(shared: &Shared, request: PostRequest) -> Option<String> {
    let error =
        |text: &str| Some(serde_json::json!({"type": "error", "payload": text}).to_string());
    let body = serde_json::to_vec(&request.payload).unwrap_or_default();
    match request.kind.as_str() {
        "info" => match info::answer(shared, &body) {
            Ok((kind, data)) => {
                let data = String::from_utf8(data).unwrap_or_else(|_| "null".into());
                Some(format!(r#"{{"type":"info","payload":{{"type":"{kind}","data":{data}}}}}"#))
            }
            Err(_) => error(super::DESERIALIZE_ERROR),
        },
        "action" => {
            if let Some(f) = shared.faults.take_http_fault() {
                return error(&format!("{} {}", f.status(), "error"));
            }
            match shared.act(ReceivedBody::parse(&body), ActionSource::WsPost).await {
                ActionReply::Json { status: 200, body } => {
                    Some(serde_json::json!({"type": "action", "payload": body}).to_string())
                }
                ActionReply::Json { status, body } => error(&format!("{status} {body}")),
                ActionReply::Rejected { text, .. } => error(&text),
                ActionReply::Dropped { .. } => None,
            }
        }
        _ => error(super::DESERIALIZE_ERROR),
    }
}

fn ack(method: &str, sub: &Value) -> Utf8Bytes {
    feed::frame("subscriptionResponse", serde_json::json!({"method": method, "subscription": sub}))
}

/// Drains the queue into the socket. Frame faults apply to data frames only; writes are
/// batched while the queue is busy and flushed when it empties.
async fn writer(
    mut sink: SplitSink<WebSocket, Message>,
    mut rx: mpsc::Receiver<Out>,
    faults: Arc<super::Faults>,
) {
    let mut state = FaultState::default();
    let mut version = 0;
    let mut ff = FrameFaults::default();
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        let mut written = 0;
        while let Some(out) = next.take() {
            let v = faults.version();
            if v != version {
                version = v;
                ff = faults.frame_faults();
            }
            let frames = match out {
                Out::Control(t) => Frames::one(t),
                Out::Data(t) if ff.is_clear() && state.held.is_none() => Frames::one(t),
                Out::Data(t) => {
                    if !ff.delay.is_zero() {
                        if sink.flush().await.is_err() {
                            return;
                        }
                        tokio::time::sleep(ff.delay).await;
                    }
                    state.apply(&ff, t)
                }
            };
            for f in frames.iter() {
                if sink.feed(Message::Text(f.clone())).await.is_err() {
                    return;
                }
            }
            written += 1;
            if written < WRITE_BATCH {
                next = rx.try_recv().ok();
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
}

/// Up to three frames to write for one queued frame (duplicate plus a released held frame).
#[derive(Default)]
struct Frames {
    items: [Option<Utf8Bytes>; 3],
}

impl Frames {
    fn one(t: Utf8Bytes) -> Self {
        Self { items: [Some(t), None, None] }
    }

    fn iter(&self) -> impl Iterator<Item = &Utf8Bytes> {
        self.items.iter().flatten()
    }
}

/// Per-connection state of the frame faults.
#[derive(Default)]
struct FaultState {
    /// Data frames seen while a fault was on.
    n: u64,
    /// A frame held back by `reorder_every`, released after the next one.
    held: Option<Utf8Bytes>,
}

impl FaultState {
    fn apply(&mut self, ff: &FrameFaults, t: Utf8Bytes) -> Frames {
        self.n += 1;
        let every = |k: u32| k > 0 && self.n % u64::from(k) == 0;
        let frame = if every(ff.malformed_every) { truncate(&t) } else { t };
        if every(ff.reorder_every) && self.held.is_none() {
            self.held = Some(frame);
            return Frames::default();
        }
        let dup = every(ff.duplicate_every).then(|| frame.clone());
        let held = self.held.take();
        Frames { items: [Some(frame), dup, held] }
    }
}

/// The first half of a frame: not valid JSON.
fn truncate(t: &Utf8Bytes) -> Utf8Bytes {
    let s = t.as_str();
    let mut cut = s.len() / 2;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    Utf8Bytes::from(s[..cut].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(f: &Frames) -> Vec<String> {
        f.iter().map(|t| t.as_str().to_owned()).collect()
    }

    #[test]
    fn frame_faults_duplicate_reorder_and_truncate_the_nth_frames() {
        let ff = FrameFaults { duplicate_every: 2, ..Default::default() };
        let mut s = FaultState::default();
        assert_eq!(texts(&s.apply(&ff, "a".into())), ["a"]);
        assert_eq!(texts(&s.apply(&ff, "b".into())), ["b", "b"]);

        let ff = FrameFaults { reorder_every: 2, ..Default::default() };
        let mut s = FaultState::default();
        assert_eq!(texts(&s.apply(&ff, "a".into())), ["a"]);
        assert!(texts(&s.apply(&ff, "b".into())).is_empty());
        assert_eq!(texts(&s.apply(&ff, "c".into())), ["c", "b"]);

        let ff = FrameFaults { malformed_every: 1, ..Default::default() };
        let mut s = FaultState::default();
        assert_eq!(texts(&s.apply(&ff, r#"{"channel":"x"}"#.into())), [r#"{"chann"#]);
    }
}
