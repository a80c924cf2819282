//! The feed thread against a scripted loopback WebSocket server: events reach the consumer
//! (the quote thread's end of the rings) in order, a dropped connection is followed by a
//! reconnect and a full resubscribe, and a stream that stalls while the socket stays open is
//! flagged stale on its own.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use hlmm::engine::feed::{FeedHandler, FeedRings, FeedSettings, FeedShared};
use hlmm::engine::health::{FeedHealth, Stream};
use hlmm::msg::{AssetIndex, Stamped};
use hlmm::ring::{self, ConflatingRx, LosslessRx};
use hlmm::runtime::{Phase, Shutdown, SystemClock};
use hlmm::telemetry::{Counter, Counters, SharedStageHistograms};
use hlmm::types::events::FeedEvent;
use hlmm::types::{AssetId, Coin, InstrumentSpec, Nanos};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

fn instruments() -> Vec<InstrumentSpec> {
    vec![
        InstrumentSpec::perp(AssetId(0), Coin::new(b"BTC").expect("coin"), 5),
        InstrumentSpec::perp(AssetId(1), Coin::new(b"ETH").expect("coin"), 4),
    ]
}

fn book(coin: &str, time: u64, bid: &str, ask: &str) -> String {
    format!(
        r#"{{"channel":"l2Book","data":{{"coin":"{coin}","time":{time},"levels":[[{{"px":"{bid}","sz":"1.5","n":2}}],[{{"px":"{ask}","sz":"0.5","n":1}}]]}}}}"#
    )
}

fn fill_frame(tid: u64) -> String {
    format!(
        r#"{{"channel":"userFills","data":{{"user":"0x8c967e73e7b15087c42a10d344cff4c96d877f1d","fills":[{{"coin":"BTC","px":"97000.0","sz":"0.001","side":"B","time":1700000000000,"startPosition":"0.0","dir":"Open Long","closedPnl":"0.0","hash":"0x{hash}","oid":77,"crossed":false,"fee":"0.01","tid":{tid},"feeToken":"USDC"}}]}}}}"#,
        hash = "ab".repeat(32)
    )
}

/// What the scripted server saw, reported to the test.
#[derive(Debug)]
enum Seen {
    /// A connection opened.
    Connected,
    /// A text frame received on connection `n`.
    Text(u32, String),
}

/// Plays the script:
/// - connection 1: waits for the 2 subscriptions, sends BTC books at times 1, 2, 3, a fill,
///   then drops the connection without a close frame;
/// - connection 2: waits for the resubscriptions, sends a BTC book at time 4, then keeps ETH
///   books flowing (and answers pings) while BTC stays silent, until the test ends.
fn start_server(seen: mpsc::Sender<Seen>) -> (std::net::SocketAddr, std::thread::JoinHandle<()>) {
    let (addr_tx, addr_rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("test runtime");
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
            addr_tx.send(listener.local_addr().expect("addr")).expect("send addr");
            let mut n = 0;
            while let Ok((tcp, _)) = listener.accept().await {
                n += 1;
                let seen = seen.clone();
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else { continue };
                if seen.send(Seen::Connected).is_err() {
                    return;
                }
                let _ = ws.send(Message::text("Websocket connection established.")).await;
                let mut subscribed = 0;
                while subscribed < 2 {
                    match ws.next().await {
                        Some(Ok(Message::Text(t))) => {
                            if t.contains("subscribe") {
                                subscribed += 1;
                            }
                            let _ = seen.send(Seen::Text(n, t.to_string()));
                        }
                        Some(Ok(_)) => {}
                        _ => break,
                    }
                }
                if n == 1 {
                    for t in 1..=3 {
                        let _ = ws.send(Message::text(book("BTC", t, "97000.0", "97001.0"))).await;
                    }
                    let _ = ws.send(Message::text(fill_frame(9001))).await;
                    // Drop the TCP connection without a close handshake.
                    drop(ws);
                    continue;
                }
                let _ = ws.send(Message::text(book("BTC", 4, "97002.0", "97003.0"))).await;
                let mut t = 10;
                loop {
                    tokio::select! {
                        msg = ws.next() => match msg {
                            Some(Ok(Message::Text(text))) => {
                                if text.contains("ping") {
                                    let _ = ws.send(Message::text(r#"{"channel":"pong"}"#)).await;
                                }
                            }
                            Some(Ok(_)) => {}
                            _ => return,
                        },
                        _ = tokio::time::sleep(Duration::from_millis(20)) => {
                            t += 1;
                            let frame = book("ETH", t, "3400.1", "3400.2");
                            if ws.send(Message::text(frame)).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            }
        });
    });
    (addr_rx.recv().expect("server address"), handle)
}

struct Harness {
    md: ConflatingRx<Stamped>,
    user: LosslessRx<Stamped>,
    health: Arc<FeedHealth>,
    counters: Arc<Counters>,
    shutdown: Shutdown,
    feed: Option<std::thread::JoinHandle<()>>,
}

impl Harness {
    fn start(url: String) -> Self {
        let instruments = instruments();
        let index = AssetIndex::new(instruments.iter().map(|s| s.asset));
        let (md_tx, md) = ring::conflating(64, index.md_keys());
        let (user_tx, user) = ring::lossless(64);
        let health = Arc::new(FeedHealth::new(instruments.len()));
        let counters = Arc::new(Counters::new());
        let shutdown = Shutdown::new();
        let settings = FeedSettings {
            ws_url: url,
            subscribe_frames: vec![
                r#"{"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC"}}"#.into(),
                r#"{"method":"subscribe","subscription":{"type":"l2Book","coin":"ETH"}}"#.into(),
            ],
            ping_interval: Duration::from_millis(200),
            market_stale_after: Duration::from_millis(300),
            user_stale_after: Duration::from_secs(60),
            reconnect_after_silence: Duration::from_secs(30),
            reconnect_min_ms: 10,
            reconnect_max_ms: 50,
            seed: 7,
            connect_timeout: Duration::from_secs(5),
        };
        let handler = FeedHandler::new(
            settings,
            &instruments,
            FeedRings { md: md_tx, user: user_tx },
            FeedShared {
                health: Arc::clone(&health),
                counters: Arc::clone(&counters),
                histograms: Arc::new(SharedStageHistograms::new()),
                shutdown: shutdown.clone(),
                clock: SystemClock,
            },
        );
        let feed = Some(std::thread::spawn(move || handler.run()));
        Self { md, user, health, counters, shutdown, feed }
    }

    /// Pops what the feed delivered until `done` says so, or panics after a generous deadline
    /// (a liveness bound for a broken build, not a timing assertion).
    fn drain_until(&mut self, out: &mut Vec<FeedEvent>, done: impl Fn(&[FeedEvent]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !done(out) {
            assert!(Instant::now() < deadline, "feed did not deliver; got {out:?}");
            let mut got = false;
            while let Some(m) = self.user.pop() {
                out.push(m.event);
                got = true;
            }
            while let Some(m) = self.md.pop() {
                out.push(m.event);
                got = true;
            }
            if !got {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    }

    fn wait_for(&mut self, what: &str, cond: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !cond(self) {
            assert!(Instant::now() < deadline, "timed out waiting for: {what}");
            while self.md.pop().is_some() {}
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.shutdown.request();
        if let Some(feed) = self.feed.take() {
            let _ = feed.join();
        }
    }
}

fn btc_book_times(events: &[FeedEvent]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            FeedEvent::Book(b) if b.asset == AssetId(0) => Some(b.time.as_millis()),
            _ => None,
        })
        .collect()
}

#[test]
fn events_arrive_in_order_a_drop_reconnects_and_resubscribes_and_a_silent_stream_goes_stale() {
    let (seen_tx, seen_rx) = mpsc::channel();
    let (addr, _server) = start_server(seen_tx);
    let mut h = Harness::start(format!("ws://{addr}/ws"));

    // In order, across the reconnect: books 1, 2, 3 from the first connection, 4 from the second.
    let mut events = Vec::new();
    h.drain_until(&mut events, |e| btc_book_times(e).contains(&4));
    assert_eq!(btc_book_times(&events), vec![1, 2, 3, 4]);
    let fills: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            FeedEvent::Fills(b) => Some(b.fills.as_slice()[0].tid.0),
            _ => None,
        })
        .collect();
    assert_eq!(fills, vec![9001], "the fill travels on the lossless ring, exactly once");
    assert!(h.counters.get(Counter::Reconnects) >= 1, "the drop was counted as a reconnect");

    // Both connections received the full set of subscriptions.
    let mut subscriptions = [0u32; 3];
    for s in seen_rx.try_iter() {
        if let Seen::Text(n, text) = s {
            if text.contains(r#""method":"subscribe""#) {
                subscriptions[n as usize] += 1;
            }
        }
    }
    assert_eq!(&subscriptions[1..], &[2, 2], "resubscribed everything after the reconnect");

    // BTC is silent on the second connection while ETH keeps streaming: only BTC goes stale.
    // The reconnect marked every stream stale at once, so first see BTC fresh (its book 4 was
    // evaluated), then watch it go stale again: that transition is what the counter counts.
    h.wait_for("BTC fresh after book 4", |h| !h.health.is_stale(Stream::Market(0)));
    h.wait_for("BTC flagged stale", |h| h.health.is_stale(Stream::Market(0)));
    h.wait_for("the stale transition counted", |h| h.counters.get(Counter::StaleFlags) >= 1);
    h.wait_for("ETH fresh", |h| !h.health.is_stale(Stream::Market(1)));
    assert!(h.health.is_connected(), "the socket itself stayed open");
    assert!(h.health.last_recv(Stream::Market(0)).is_some_and(|t| t > Nanos(0)));
}

#[test]
fn shutdown_stops_the_feed_while_connected() {
    let (seen_tx, _seen_rx) = mpsc::channel();
    let (addr, _server) = start_server(seen_tx);
    let mut h = Harness::start(format!("ws://{addr}/ws"));
    let mut events = Vec::new();
    h.drain_until(&mut events, |e| !btc_book_times(e).is_empty());
    h.shutdown.request();
    let feed = h.feed.take().expect("feed thread");
    feed.join().expect("feed thread ends cleanly");
    assert!(h.shutdown.reached(Phase::DrainQuote));
    assert!(!h.health.is_connected());
}
