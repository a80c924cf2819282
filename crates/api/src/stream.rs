//! The WebSocket stream `/api/v1/stream` (`docs/api.md`, "Stream").
//!
//! One hub task serializes each message once and broadcasts the text to every client: fills,
//! config and risk changes as the data source reports them, positions / risk / orders /
//! latency / status about once a second. Each client reads the broadcast channel; a client
//! that falls [`CHANNEL_CAPACITY`] messages behind, or whose socket does not take a message
//! within [`SEND_TIMEOUT`], is closed with 1008: memory per client is bounded by the channel,
//! never by the client's speed.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::auth::Scope;
use crate::error::ApiError;
use crate::guard::TICKET_TTL;
use crate::source::LiveEvent;
use crate::state::{now, AppState};

/// Messages a client may fall behind before it is dropped.
pub(crate) const CHANNEL_CAPACITY: usize = 256;
/// Longest a socket may take to accept one message.
pub(crate) const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// Period of the snapshot messages.
pub(crate) const PERIOD: Duration = Duration::from_secs(1);
/// Largest message a client may send (it has nothing to say but close and pong).
const MAX_INCOMING: usize = 4 * 1024;

/// `POST /api/v1/stream/ticket`: a single-use ticket to open the stream with.
pub(crate) async fn ticket(
    State(s): State<Arc<AppState>>,
    h: HeaderMap,
) -> Result<Response, ApiError> {
    let id = s.authorize(&h, Scope::Read)?;
    let scope = if s.authorize(&h, Scope::Control).is_ok() { Scope::Control } else { Scope::Read };
    let ticket = s
        .tickets
        .lock()
        .issue(&id, scope, now())
        .ok_or(ApiError::Unavailable("too many stream tickets outstanding"))?;
    Ok(Json(json!({ "ticket": ticket, "expires_in_s": TICKET_TTL.as_secs() })).into_response())
}

/// Query of the stream's upgrade request.
#[derive(Debug, Deserialize)]
pub(crate) struct StreamQuery {
    ticket: Option<String>,
}

/// `GET /api/v1/stream?ticket=…`: upgrades to a WebSocket once the ticket is redeemed.
pub(crate) async fn upgrade(
    State(s): State<Arc<AppState>>,
    Query(q): Query<StreamQuery>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let ticket = q.ticket.ok_or(ApiError::Unauthorized("missing stream ticket"))?;
    let (id, _) = s
        .tickets
        .lock()
        .redeem(&ticket, now())
        .ok_or(ApiError::Unauthorized("unknown, used or expired stream ticket"))?;
    let rx = s.stream.subscribe();
    let hello =
        envelope("hello", &json!({ "instance": s.source.status().instance, "token_id": id }));
    Ok(ws.max_message_size(MAX_INCOMING).on_upgrade(move |socket| client(socket, rx, hello)))
}

async fn client(
    mut socket: WebSocket,
    mut rx: tokio::sync::broadcast::Receiver<Arc<str>>,
    hello: Arc<str>,
) {
    if send(&mut socket, &hello).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            message = rx.recv() => match message {
                Ok(text) => {
                    if send(&mut socket, &text).await.is_err() {
                        let _ = close(&mut socket, "too slow").await;
                        return;
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "Stream client too slow: dropped");
                    let _ = close(&mut socket, "too slow").await;
                    return;
                }
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

async fn send(socket: &mut WebSocket, text: &Arc<str>) -> Result<(), ()> {
    match tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::text(&**text))).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

async fn close(socket: &mut WebSocket, reason: &'static str) -> Result<(), axum::Error> {
    let frame = CloseFrame { code: 1008, reason: reason.into() };
    socket.send(Message::Close(Some(frame))).await
}

/// One stream message: `{"type": …, "data": …}`, serialized once for every client.
pub(crate) fn envelope(kind: &str, data: &impl Serialize) -> Arc<str> {
    json!({ "type": kind, "data": data }).to_string().into()
}

/// Feeds the broadcast channel: live events at once, snapshots every [`PERIOD`].
pub(crate) async fn hub(state: Arc<AppState>) {
    let mut live = state.source.subscribe();
    let mut tick = tokio::time::interval(PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if state.stream.receiver_count() == 0 {
                    continue;
                }
                let src = &state.source;
                let mut latency = src.latency();
                for s in &mut latency.stages {
                    s.buckets.clear();
                }
                let mut risk = src.risk();
                risk.audit.truncate(20);
                risk.control_audit.truncate(20);
                let mut orders = src.orders();
                orders.history.truncate(50);
                for message in [
                    envelope("status", &src.status()),
                    envelope("positions", &src.positions()),
                    envelope("risk", &risk),
                    envelope("orders", &orders),
                    envelope("latency", &latency),
                ] {
                    let _ = state.stream.send(message);
                }
            }
            event = live.recv() => match event {
                Ok(LiveEvent::Fill(fill)) => { let _ = state.stream.send(envelope("fill", &fill)); }
                Ok(LiveEvent::Config(c)) => { let _ = state.stream.send(envelope("config", &c)); }
                Ok(LiveEvent::RiskChanged) => {
                    let _ = state.stream.send(envelope("risk", &state.source.risk()));
                }
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "API hub fell behind the engine's events");
                }
                Err(RecvError::Closed) => {
                    // The source is gone: keep serving snapshots until stopped.
                    live = state.source.subscribe();
                    tokio::time::sleep(PERIOD).await;
                }
            },
        }
    }
}
