//! How a signed action reaches the venue: the WebSocket `post` (own socket, owned by a task on
//! the exec runtime), with `POST /exchange` as the fallback when the socket is down or full.
//!
//! The socket task keeps the connection up (reconnect with backoff, ping every 20 s so the
//! venue's 60 s idle timeout never fires), matches replies to requests by `id`, and caps posts
//! in flight below the venue's 100. A request that the task never wrote goes to REST instead
//! (nothing left the process); one that was written and then lost its socket is `Ambiguous`.
//!
//! Runs on the exec thread's runtime only. Never logs per request; connection changes are
//! logged.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use parking_lot::Mutex;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

use super::reply::Reply;
use crate::types::outcome::{AmbiguousReason, NotSentReason};

/// How long to wait for a WebSocket connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Keep-alive ping interval (the venue closes a socket silent for 60 s).
const PING_INTERVAL: Duration = Duration::from_secs(20);
/// Reconnect backoff bounds.
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Transport counters (read by tests and the summary).
#[derive(Debug, Default)]
pub struct TransportStats {
    /// Actions sent as WS `post`.
    pub ws_posts: AtomicU64,
    /// Actions sent as `POST /exchange`.
    pub rest_posts: AtomicU64,
    /// WS connections made.
    pub ws_connects: AtomicU64,
    /// WS connections lost.
    pub ws_drops: AtomicU64,
}

/// A request handed to the socket task.
struct PostCmd {
    /// The whole `{"method":"post",…}` frame.
    frame: String,
    id: u64,
    reply: oneshot::Sender<PostResult>,
}

/// What the socket task answers.
enum PostResult {
    /// The reply's `response` object.
    Response(Value),
    /// An `error` frame naming this post.
    Error(String),
    /// The frame was never written (socket gone first): safe to send elsewhere.
    NotWritten,
}

/// State shared between the gateway and the socket task.
#[derive(Debug, Default)]
struct WsShared {
    /// The live socket's request queue; `None` while disconnected.
    tx: Mutex<Option<mpsc::UnboundedSender<PostCmdBox>>>,
    in_flight: AtomicUsize,
    next_id: AtomicU64,
    stop: AtomicBool,
}

/// `PostCmd` behind a box so the shared state's `Debug` needs no impl for the oneshot.
struct PostCmdBox(PostCmd);

impl std::fmt::Debug for PostCmdBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PostCmd({})", self.0.id)
    }
}

/// The two ways to `/exchange`. Clones share the socket and counters (one per spawned send).
#[derive(Debug, Clone)]
pub struct Transport {
    http: reqwest::Client,
    exchange_url: Arc<str>,
    ws_url: Option<String>,
    ws: Arc<WsShared>,
    max_in_flight: usize,
    started: bool,
    stats: Arc<TransportStats>,
}

impl Transport {
    /// A transport to `exchange_url`, and to `ws_url` for `post` when given.
    pub fn new(
        exchange_url: String,
        ws_url: Option<String>,
        max_in_flight: usize,
        request_timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(request_timeout)
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true)
            .build()?;
        Ok(Self {
            http,
            exchange_url: exchange_url.into(),
            ws_url,
            ws: Arc::new(WsShared::default()),
            max_in_flight: max_in_flight.clamp(1, 99),
            started: false,
            stats: Arc::new(TransportStats::default()),
        })
    }

    /// The counters.
    pub fn stats(&self) -> Arc<TransportStats> {
        Arc::clone(&self.stats)
    }

    /// Whether the WS socket is up.
    pub fn ws_connected(&self) -> bool {
        self.ws.tx.lock().is_some()
    }

    /// Starts the socket task on the current runtime (once). Must be called from inside the
    /// exec runtime.
    pub fn start(&mut self) {
        if self.started {
            return;
        }
        self.started = true;
        if let Some(url) = self.ws_url.clone() {
            let shared = Arc::clone(&self.ws);
            let stats = Arc::clone(&self.stats);
            tokio::spawn(socket_task(url, shared, stats));
        }
    }

    /// Sends one signed `/exchange` body; waits at most `timeout` for the reply.
    pub async fn send(&self, body: &[u8], timeout: Duration) -> Reply {
        if let Some(reply) = self.try_ws(body, timeout).await {
            return reply;
        }
        self.rest(body, timeout).await
    }

    /// Over the socket; `None` when the socket cannot take it (down, full, never written), so
    /// the caller falls back to REST.
    async fn try_ws(&self, body: &[u8], timeout: Duration) -> Option<Reply> {
        let tx = self.ws.tx.lock().clone()?;
        if self.ws.in_flight.load(Ordering::Acquire) >= self.max_in_flight {
            return None;
        }
        let body = std::str::from_utf8(body).ok()?;
        let id = self.ws.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let frame = format!(
            r#"{{"method":"post","id":{id},"request":{{"type":"action","payload":{body}}}}}"#
        );
        let (reply_tx, reply_rx) = oneshot::channel();
        tx.send(PostCmdBox(PostCmd { frame, id, reply: reply_tx })).ok()?;
        self.ws.in_flight.fetch_add(1, Ordering::AcqRel);
        let result = tokio::time::timeout(timeout, reply_rx).await;
        self.ws.in_flight.fetch_sub(1, Ordering::AcqRel);
        let reply = match result {
            Err(_) => Reply::Ambiguous(AmbiguousReason::NoPostReply),
            // The task dropped the sender: the socket died after the frame was written.
            Ok(Err(_)) => Reply::Ambiguous(AmbiguousReason::ConnectionLost),
            Ok(Ok(PostResult::NotWritten)) => return None,
            Ok(Ok(PostResult::Error(text))) => Reply::PostError(text),
            Ok(Ok(PostResult::Response(v))) => post_response(&v),
        };
        self.stats.ws_posts.fetch_add(1, Ordering::Relaxed);
        Some(reply)
    }

    async fn rest(&self, body: &[u8], timeout: Duration) -> Reply {
        self.stats.rest_posts.fetch_add(1, Ordering::Relaxed);
        let sent = self
            .http
            .post(&*self.exchange_url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(timeout)
            .body(body.to_vec())
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Reply::from_transport_error(&e),
        };
        let status = response.status().as_u16();
        match response.bytes().await {
            Ok(bytes) if status == 200 => Reply::Body(bytes.to_vec()),
            Ok(bytes) => Reply::Http { status, text: String::from_utf8_lossy(&bytes).into_owned() },
            // Headers arrived, the body did not: whatever the status says may have happened.
            Err(_) if status == 200 => Reply::Ambiguous(AmbiguousReason::ConnectionLost),
            Err(_) => Reply::Http { status, text: String::new() },
        }
    }
}

impl Transport {
    /// Stops the socket task (the owner calls this when it is dropped).
    pub fn stop(&self) {
        self.ws.stop.store(true, Ordering::Release);
        // Dropping the queue ends the socket task's select.
        *self.ws.tx.lock() = None;
    }
}

impl Reply {
    /// A `reqwest` failure: connect errors happen before any byte left; anything after is
    /// ambiguous.
    fn from_transport_error(e: &reqwest::Error) -> Self {
        if e.is_connect() || e.is_builder() {
            Self::NotSent(NotSentReason::NoConnection)
        } else if e.is_timeout() {
            Self::Ambiguous(AmbiguousReason::Timeout)
        } else {
            Self::Ambiguous(AmbiguousReason::ConnectionLost)
        }
    }
}

/// A WS post `response`: `{"type":"action","payload":{…}}` or `{"type":"error","payload":"…"}`.
fn post_response(v: &Value) -> Reply {
    match (v.get("type").and_then(Value::as_str), v.get("payload")) {
        (Some("action"), Some(payload)) => Reply::Body(payload.to_string().into_bytes()),
        (Some("error"), Some(Value::String(text))) => Reply::PostError(text.clone()),
        _ => Reply::Ambiguous(AmbiguousReason::UnparsableReply),
    }
}

/// Keeps a socket up until the transport is dropped.
async fn socket_task(url: String, shared: Arc<WsShared>, stats: Arc<TransportStats>) {
    let mut backoff = BACKOFF_MIN;
    while !shared.stop.load(Ordering::Acquire) {
        match tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(&url)).await {
            Ok(Ok((ws, _))) => {
                backoff = BACKOFF_MIN;
                stats.ws_connects.fetch_add(1, Ordering::Relaxed);
                tracing::info!(url = %url, "Exec post socket connected");
                run_socket(ws, &shared).await;
                stats.ws_drops.fetch_add(1, Ordering::Relaxed);
                if !shared.stop.load(Ordering::Acquire) {
                    tracing::warn!("Exec post socket lost; actions go over REST until it is back");
                }
            }
            Ok(Err(e)) => tracing::debug!(error = %e, "Exec post socket connect failed"),
            Err(_) => tracing::debug!("Exec post socket connect timed out"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Serves one connection until it fails. Pending requests whose frames were written see their
/// reply sender dropped (→ `ConnectionLost`); queued ones that were never written get
/// `NotWritten` (→ REST).
async fn run_socket(ws: Ws, shared: &WsShared) {
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<PostCmdBox>();
    *shared.tx.lock() = Some(tx);
    let mut pending: HashMap<u64, oneshot::Sender<PostResult>> = HashMap::new();
    let mut ping = tokio::time::interval(PING_INTERVAL);
    ping.tick().await;
    loop {
        tokio::select! {
            cmd = rx.recv() => {
                let Some(PostCmdBox(cmd)) = cmd else { break };
                let id = cmd.id;
                pending.insert(id, cmd.reply);
                if sink.send(Message::text(cmd.frame)).await.is_err() {
                    break;
                }
            }
            msg = stream.next() => {
                match msg {
                    Some(Ok(Message::Text(text))) => on_text(text.as_str(), &mut pending),
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => {}
                }
            }
            _ = ping.tick() => {
                // Requests that timed out never get a reply (a dropped response): forget them.
                pending.retain(|_, tx| !tx.is_closed());
                if sink.send(Message::text(r#"{"method":"ping"}"#)).await.is_err() {
                    break;
                }
            }
        }
        if shared.stop.load(Ordering::Acquire) {
            break;
        }
    }
    *shared.tx.lock() = None;
    rx.close();
    while let Ok(PostCmdBox(cmd)) = rx.try_recv() {
        let _ = cmd.reply.send(PostResult::NotWritten);
    }
    // `pending` drops here: every written request sees its sender gone (ConnectionLost).
}

/// A text frame: a post reply, or an error naming a post; anything else is ignored.
fn on_text(text: &str, pending: &mut HashMap<u64, oneshot::Sender<PostResult>>) {
    let Ok(v) = serde_json::from_str::<Value>(text) else { return };
    match v.get("channel").and_then(Value::as_str) {
        Some("post") => {
            let Some(id) = v.pointer("/data/id").and_then(Value::as_u64) else { return };
            if let (Some(tx), Some(response)) = (pending.remove(&id), v.pointer("/data/response")) {
                let _ = tx.send(PostResult::Response(response.clone()));
            }
        }
        Some("error") => {
            // `too many pending post requests id=<n>`: the venue refused that post.
            let msg = v.get("data").and_then(Value::as_str).unwrap_or("");
            let id = msg.rsplit_once("id=").and_then(|(_, n)| n.trim().parse::<u64>().ok());
            if let Some(tx) = id.and_then(|id| pending.remove(&id)) {
                let _ = tx.send(PostResult::Error(msg.to_owned()));
            }
        }
        _ => {}
    }
}
