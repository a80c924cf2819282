//! Simulator WebSocket fan-out: frames per second a client receives over loopback.
//!
//! The simulator runs in `fast` mode (blocks back to back) on its own thread; clients on the
//! bench thread subscribe to `l2Book` of every coin (14 frames per block, ~2.4 KB each) and
//! count text frames. One iteration = one frame received, so criterion's element throughput is
//! frames/s. A regression means the block task (market step, serialisation) or the writer
//! (batching, flushing) got slower; the 4-client case shows what each extra subscriber costs
//! when a frame is serialised once and shared.
//!
//! Run: `cargo bench --bench fanout -- --warm-up-time 1 --measurement-time 3`

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use futures_util::{SinkExt, StreamExt};
use hlmm::sim::market::default_coins;
use hlmm::sim::{SimConfig, SimHandle};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn subscribed_client(url: &str) -> Ws {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("connect");
    for c in default_coins() {
        let sub = serde_json::json!({"method": "subscribe", "subscription": {"type": "l2Book", "coin": c.name}});
        ws.send(Message::text(sub.to_string())).await.expect("subscribe");
    }
    ws
}

/// Receives `n` text frames spread over `clients`; returns the time taken.
async fn receive(clients: &mut [Ws], n: u64) -> Duration {
    let per_client = n.div_ceil(clients.len() as u64);
    let start = Instant::now();
    let reads = clients.iter_mut().map(|ws| async move {
        let mut got = 0;
        while got < per_client {
            match ws.next().await {
                Some(Ok(Message::Text(_))) => got += 1,
                Some(Ok(_)) => {}
                other => panic!("stream ended: {other:?}"),
            }
        }
    });
    futures_util::future::join_all(reads).await;
    start.elapsed()
}

fn fanout(c: &mut Criterion) {
    let cfg = SimConfig { fast: true, outbox_frames: 8192, ..SimConfig::ephemeral() };
    let sim = SimHandle::start(cfg).expect("simulator starts");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut group = c.benchmark_group("sim_ws_fanout");
    group.throughput(Throughput::Elements(1));
    for clients in [1usize, 4] {
        let url = sim.ws_url();
        let mut ws: Vec<Ws> = rt.block_on(futures_util::future::join_all(
            (0..clients).map(|_| subscribed_client(&url)),
        ));
        group.bench_function(format!("l2Book_all_coins_{clients}_client"), |b| {
            b.iter_custom(|iters| rt.block_on(receive(&mut ws, iters)));
        });
    }
    group.finish();
    eprintln!("frames dropped for slow clients: {}", sim.frames_dropped());
}

criterion_group!(benches, fanout);
criterion_main!(benches);
