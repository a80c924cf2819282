//! The feed-handler thread: owns the venue WebSocket, parses frames into events, fills the rings.
//!
//! One socket carries every subscription (market data and the user stream). The thread runs a
//! current-thread tokio runtime: a `biased` select over the socket, the ping timer and a
//! housekeeping tick. Per frame it copies the bytes into a reused buffer, parses them with
//! simd-json ([`crate::wire::feed::FeedParser`]), stamps the receive and parse times, and pushes
//! each event: market data into the conflating ring, user-stream data into the lossless ring.
//!
//! It reconnects with jittered exponential backoff and resubscribes everything; on a drop every
//! stream is marked stale at once. It measures per-stream staleness ([`FeedHealth`]) and forces a
//! reconnect when the whole socket has been silent too long (a missed pong).
//!
//! Never does: block on a full ring (market data conflates; a full lossless ring is counted and
//! reported as a fault), panic on a frame, or log per frame.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::health::{FeedHealth, Stream};
use crate::msg::{AssetIndex, Stamped};
use crate::ring::{ConflatingTx, Delivery, LosslessTx};
use crate::runtime::{Backoff, Clock, Phase, Shutdown, SystemClock};
use crate::telemetry::{Counter, Counters, SharedStageHistograms, Stage, StageRecorder};
use crate::types::events::Channel;
use crate::types::events::FeedEvent;
use crate::types::{InstrumentSpec, Nanos};
use crate::wire::feed::{FeedCounters, FeedParser, FRAME_PADDING};

/// What the feed thread needs to know, resolved from the config.
#[derive(Debug, Clone)]
pub struct FeedSettings {
    /// The venue's WebSocket URL (`ws://127.0.0.1:PORT/ws` for the simulator).
    pub ws_url: String,
    /// JSON subscribe frames, sent in order after every (re)connect.
    pub subscribe_frames: Vec<String>,
    /// How often we send `{"method":"ping"}`. The venue closes a socket it has not heard from
    /// in 60 s.
    pub ping_interval: Duration,
    /// A market-data stream with no data for this long is stale.
    pub market_stale_after: Duration,
    /// The user stream with no data for this long is stale (it is quiet when we do not trade,
    /// so this is longer; pongs keep the socket itself alive).
    pub user_stale_after: Duration,
    /// With nothing at all received for this long (not even a pong), the socket is presumed
    /// dead and replaced.
    pub reconnect_after_silence: Duration,
    /// Smallest reconnect delay, ms.
    pub reconnect_min_ms: u64,
    /// Largest reconnect delay, ms.
    pub reconnect_max_ms: u64,
    /// Seed for the backoff jitter.
    pub seed: u64,
    /// Longest wait for a connection to open.
    pub connect_timeout: Duration,
}

impl FeedSettings {
    /// The settings `feed` (the config's `[feed]`) gives a feed of `subscribe_frames` on
    /// `ws_url`; `seed` jitters its reconnect backoff.
    pub fn from_config(
        feed: &crate::config::FeedConfig,
        ws_url: String,
        subscribe_frames: Vec<String>,
        seed: u64,
    ) -> Self {
        Self {
            ws_url,
            subscribe_frames,
            ping_interval: Duration::from_millis(feed.ping_interval_ms),
            market_stale_after: Duration::from_millis(feed.stale_after_ms.books),
            user_stale_after: Duration::from_millis(feed.stale_after_ms.user),
            // No frame at all (not even a pong) for two ping intervals: the socket is dead.
            reconnect_after_silence: Duration::from_millis(feed.ping_interval_ms * 2 + 5_000),
            reconnect_min_ms: feed.reconnect_min_ms,
            reconnect_max_ms: feed.reconnect_max_ms,
            seed,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// The producer ends the feed thread owns.
#[derive(Debug)]
pub struct FeedRings {
    /// Market data, conflating.
    pub md: ConflatingTx<Stamped>,
    /// User stream, lossless.
    pub user: LosslessTx<Stamped>,
}

/// Shared state the feed thread reports into.
#[derive(Debug, Clone)]
pub struct FeedShared<C = SystemClock> {
    /// Per-stream liveness.
    pub health: Arc<FeedHealth>,
    /// Engine counters.
    pub counters: Arc<Counters>,
    /// Where the stage histograms are published off the hot path.
    pub histograms: Arc<SharedStageHistograms>,
    /// Shutdown state.
    pub shutdown: Shutdown,
    /// The clock frames are stamped with: a type parameter, so reading it costs no indirect
    /// call per frame.
    pub clock: C,
}

/// The feed's WebSocket.
type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Why a connection ended.
#[derive(Debug)]
enum SessionEnd {
    /// Shutdown was requested.
    Shutdown,
    /// The connection was lost or refused; reconnect.
    Lost(String),
}

/// How often the housekeeping tick runs (staleness, shutdown, histogram publishing).
const HOUSEKEEPING: Duration = Duration::from_millis(20);

/// Largest frame we expect; the frame buffer starts at this size so steady state never grows it.
const FRAME_BUFFER_BYTES: usize = 64 * 1024;

/// The feed thread's state.
#[derive(Debug)]
pub struct FeedHandler<C = SystemClock> {
    settings: FeedSettings,
    parser: FeedParser,
    index: AssetIndex,
    rings: FeedRings,
    shared: FeedShared<C>,
    recorder: StageRecorder,
    /// Reused copy of the current frame: simd-json parses in place and needs `&mut [u8]`.
    frame: Vec<u8>,
    /// The parser counters already copied into the shared counters.
    mirrored: FeedCounters,
}

impl<C: Clock> FeedHandler<C> {
    /// A feed handler for `instruments`.
    pub fn new(
        settings: FeedSettings,
        instruments: &[InstrumentSpec],
        rings: FeedRings,
        shared: FeedShared<C>,
    ) -> Self {
        let recorder = StageRecorder::new(&shared.histograms);
        Self {
            parser: FeedParser::new(instruments),
            index: AssetIndex::new(instruments.iter().map(|i| i.asset)),
            settings,
            rings,
            shared,
            recorder,
            frame: Vec::with_capacity(FRAME_BUFFER_BYTES),
            mirrored: FeedCounters::default(),
        }
    }

    /// Runs until shutdown reaches [`Phase::StopInput`]; then moves it to
    /// [`Phase::DrainQuote`] so the quote thread drains what the feed delivered.
    pub fn run(mut self) {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                tracing::error!(error = %e, "Feed thread cannot build its runtime");
                self.shared.shutdown.request();
                self.shared.shutdown.advance(Phase::DrainQuote);
                return;
            }
        };
        runtime.block_on(self.run_sessions());
        self.rings.md.flush();
        // The last interval must reach the report: if the side thread has not merged the
        // previous hand-over yet, merge it here (shutdown, not the hot path) and retry.
        if !self.recorder.publish() {
            let _ = self.shared.histograms.snapshot();
            let _ = self.recorder.publish();
        }
        self.shared.health.set_connected(false);
        self.shared.shutdown.advance(Phase::DrainQuote);
    }

    async fn run_sessions(&mut self) {
        let mut backoff = Backoff::new(
            self.settings.reconnect_min_ms,
            self.settings.reconnect_max_ms,
            self.settings.seed,
        );
        loop {
            if self.stop_requested() {
                return;
            }
            match self.session(&mut backoff).await {
                SessionEnd::Shutdown => return,
                SessionEnd::Lost(reason) => {
                    self.shared.health.set_connected(false);
                    self.shared.health.mark_all_stale();
                    self.shared.counters.incr(Counter::Reconnects);
                    let delay = backoff.next_delay_ms();
                    tracing::warn!(
                        url = %self.settings.ws_url,
                        reason = %reason,
                        retry_in_ms = delay,
                        attempt = backoff.attempts(),
                        "Feed connection lost"
                    );
                    if self.sleep_unless_stopped(Duration::from_millis(delay)).await {
                        return;
                    }
                }
            }
        }
    }

    fn stop_requested(&self) -> bool {
        self.shared.shutdown.is_requested()
    }

    /// Sleeps `total`, waking every housekeeping tick to check for shutdown. Returns `true` if
    /// shutdown was requested.
    async fn sleep_unless_stopped(&self, total: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + total;
        while tokio::time::Instant::now() < deadline {
            if self.stop_requested() {
                return true;
            }
            tokio::time::sleep(HOUSEKEEPING.min(deadline - tokio::time::Instant::now())).await;
        }
        self.stop_requested()
    }

    /// Connects and sends every subscribe frame; the feed is connected once it returns `Ok`.
    async fn connect(&mut self) -> Result<Socket, SessionEnd> {
        let connect = tokio_tungstenite::connect_async(self.settings.ws_url.as_str());
        let mut ws = match tokio::time::timeout(self.settings.connect_timeout, connect).await {
            Ok(Ok((ws, _response))) => ws,
            Ok(Err(e)) => return Err(SessionEnd::Lost(format!("connect failed: {e}"))),
            Err(_) => return Err(SessionEnd::Lost("connect timed out".to_owned())),
        };
        for frame in &self.settings.subscribe_frames {
            if let Err(e) = ws.send(Message::text(frame.as_str())).await {
                return Err(SessionEnd::Lost(format!("subscribe failed: {e}")));
            }
            self.shared.counters.incr(Counter::Subscriptions);
        }
        self.shared.health.set_connected(true);
        tracing::info!(
            url = %self.settings.ws_url,
            subscriptions = self.settings.subscribe_frames.len(),
            "Feed connected"
        );
        Ok(ws)
    }

    /// One connection: connect, subscribe, read until it ends.
    async fn session(&mut self, backoff: &mut Backoff) -> SessionEnd {
        let mut ws = match self.connect().await {
            Ok(ws) => ws,
            Err(end) => return end,
        };
        let mut ping = tokio::time::interval(self.settings.ping_interval);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ping.tick().await; // the first tick is immediate; the first ping goes one interval later
        let mut housekeeping = tokio::time::interval(HOUSEKEEPING);
        housekeeping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_frame = self.shared.clock.now();
        let mut healthy_since_connect = false;

        loop {
            tokio::select! {
                biased;
                msg = ws.next() => {
                    let bytes_seen = match msg {
                        Some(Ok(Message::Text(text))) => {
                            self.on_frame(text.as_bytes());
                            true
                        }
                        Some(Ok(Message::Binary(bytes))) => {
                            self.on_frame(&bytes);
                            true
                        }
                        // tungstenite queues the pong for a ping; flushing sends it now.
                        Some(Ok(Message::Ping(_))) => ws.flush().await.is_ok(),
                        Some(Ok(Message::Pong(_) | Message::Frame(_))) => true,
                        Some(Ok(Message::Close(frame))) => {
                            return SessionEnd::Lost(format!("closed by venue: {frame:?}"));
                        }
                        Some(Err(e)) => return SessionEnd::Lost(format!("read failed: {e}")),
                        None => return SessionEnd::Lost("stream ended".to_owned()),
                    };
                    if bytes_seen {
                        last_frame = self.shared.clock.now();
                        if !healthy_since_connect {
                            // The connection delivered data: the next failure starts with a
                            // short delay again.
                            healthy_since_connect = true;
                            backoff.reset();
                        }
                    }
                }
                _ = ping.tick() => {
                    if let Err(e) = ws.send(Message::text(r#"{"method":"ping"}"#)).await {
                        return SessionEnd::Lost(format!("ping failed: {e}"));
                    }
                }
                _ = housekeeping.tick() => {
                    if self.stop_requested() {
                        // Best effort: the process is stopping either way.
                        let _ = ws.close(None).await;
                        return SessionEnd::Shutdown;
                    }
                    let now = self.shared.clock.now();
                    self.housekeeping(now);
                    let silent = now.saturating_since(last_frame);
                    if silent > self.settings.reconnect_after_silence.as_nanos() as u64 {
                        return SessionEnd::Lost(format!("no frame for {} ms", silent / 1_000_000));
                    }
                }
            }
        }
    }

    /// Off the frame path: staleness, pending conflated books, histograms.
    fn housekeeping(&mut self, now: Nanos) {
        self.rings.md.flush();
        self.rings.user.flush();
        let newly_stale = self.shared.health.evaluate(
            now,
            self.settings.market_stale_after.as_nanos() as u64,
            self.settings.user_stale_after.as_nanos() as u64,
        );
        if newly_stale > 0 {
            self.shared.counters.add(Counter::StaleFlags, newly_stale);
        }
        self.shared.counters.set_conflated_books(self.rings.md.conflated());
        self.mirror_parser_counters();
        self.recorder.publish();
    }

    /// Copies the parser's per-channel bad-frame counts and unknown-channel count into the
    /// shared counters (deltas since the last call).
    fn mirror_parser_counters(&mut self) {
        let seen = *self.parser.counters();
        for channel in Channel::ALL {
            let i = channel.index();
            for _ in self.mirrored.bad_frames[i]..seen.bad_frames[i] {
                self.shared.counters.bad_frame(channel);
            }
        }
        let unknown = seen.unknown_channels().saturating_sub(self.mirrored.unknown_channels());
        self.shared.counters.add(Counter::UnknownChannels, unknown);
        self.mirrored = seen;
    }

    /// Hands this thread's stage histograms to the side thread (off the hot path; the run
    /// loop does it every housekeeping tick). `false` if the previous hand-over is still
    /// waiting to be merged. Public for `benches/pipeline.rs`, which drives [`Self::on_frame`]
    /// without a socket.
    pub fn publish_stages(&mut self) -> bool {
        self.recorder.publish()
    }

    /// The hot path: one frame in, events out. No allocation once the buffer has grown to the
    /// largest frame; no logging; no syscall beyond the clock read (vDSO). Public so the
    /// pipeline bench can feed frames without a socket; the run loop is its only other caller.
    pub fn on_frame(&mut self, bytes: &[u8]) {
        let recv = self.shared.clock.now();
        self.frame.clear();
        self.frame.extend_from_slice(bytes);
        // simd-json reads up to FRAME_PADDING bytes past the frame; keeping them in our reused
        // buffer spares the parser its own padded copy.
        self.frame.resize(bytes.len() + FRAME_PADDING, b' ');
        self.shared.counters.incr(Counter::Frames);

        let Self { parser, index, rings, shared, recorder, frame, .. } = self;
        let clock = &shared.clock;
        let mut parsed_at: Option<Nanos> = None;
        let result = parser.parse_padded(frame, bytes.len(), &mut |event: FeedEvent| {
            let parsed = *parsed_at.get_or_insert_with(|| clock.now());
            let msg = Stamped { recv, parsed, event };
            if event.is_lossless() {
                shared.health.touch(Stream::User, recv);
                if rings.user.push_or_spill(msg) != Delivery::Ring {
                    // Kept in the spill buffer (lost only if that is full too): the quote
                    // thread halts on this counter.
                    shared.counters.incr(Counter::LosslessRingFull);
                }
            } else {
                if let Some(i) = AssetIndex::market_asset(&event).and_then(|a| index.get(a)) {
                    shared.health.touch(Stream::Market(i), recv);
                }
                rings.md.push(index.md_key(&event), msg);
            }
            recorder.record(Stage::FeedToRing, clock.now().saturating_since(parsed));
        });
        // A rejected frame is counted by the parser per channel (text greetings apart from
        // malformed ones); housekeeping copies those counts into the shared counters.
        if let (Ok(_), Some(parsed)) = (result, parsed_at) {
            recorder.record(Stage::Parse, parsed.saturating_since(recv));
        }
    }
}
