//! Helpers shared by the `sim_server_*` integration tests: a minimal blocking HTTP/1.1 client
//! (the tests need no HTTP client crate) and WebSocket read helpers.

#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Guards against a hung test; never an assertion on speed.
pub const SAFETY: Duration = Duration::from_secs(20);

/// `POST path` with `body`; returns the status and the body text.
pub fn post(addr: SocketAddr, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect to the simulator");
    s.set_read_timeout(Some(SAFETY)).expect("timeout");
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).expect("send request");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read response");
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("header end");
    assert!(!head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "chunked reply");
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("status code");
    (status, body.to_owned())
}

/// `POST /info` that must answer 200 with JSON.
pub fn info(addr: SocketAddr, body: &str) -> Value {
    let (status, text) = post(addr, "/info", body);
    assert_eq!(status, 200, "{body} -> {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{body} -> not JSON ({e}): {text}"))
}

pub async fn connect(url: &str) -> Ws {
    let (ws, _) = tokio::time::timeout(SAFETY, tokio_tungstenite::connect_async(url))
        .await
        .expect("connect in time")
        .expect("websocket handshake");
    ws
}

/// The next text frame; `None` when the connection ended.
pub async fn next_text(ws: &mut Ws) -> Option<String> {
    next_text_within(ws, SAFETY).await
}

/// [`next_text`] with its own guard (tests on paused time wait longer than [`SAFETY`]).
pub async fn next_text_within(ws: &mut Ws, guard: Duration) -> Option<String> {
    loop {
        match tokio::time::timeout(guard, ws.next()).await.expect("a frame in time") {
            Some(Ok(Message::Text(t))) => return Some(t.as_str().to_owned()),
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
            Some(Ok(_)) => {}
        }
    }
}

/// The next JSON frame.
pub async fn next_json(ws: &mut Ws) -> Value {
    let text = next_text(ws).await.expect("connection open");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The next frame of `channel`, skipping others.
pub async fn next_on(ws: &mut Ws, channel: &str) -> Value {
    loop {
        let v = next_json(ws).await;
        if v["channel"] == channel {
            return v;
        }
    }
}

pub async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).await.expect("send");
}

/// Connects and consumes the welcome text.
pub async fn connect_ready(url: &str) -> Ws {
    let mut ws = connect(url).await;
    assert_eq!(next_text(&mut ws).await.as_deref(), Some("Websocket connection established."));
    ws
}

/// Reads until the connection ends; `true` if it did within `limit` frames.
pub async fn ends_within(ws: &mut Ws, limit: usize) -> bool {
    for _ in 0..limit {
        if next_text(ws).await.is_none() {
            return true;
        }
    }
    false
}
