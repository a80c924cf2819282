//! The subscriber thread (`hlmm-redis-sub`): keeps one connection subscribed to `mm_config`
//! and forwards what it hears to the side thread. Knows nothing of [`super::RedisSync`]: it
//! only hands over [`SubEvent`]s.

use std::sync::mpsc::{Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::runtime::{Backoff, Shutdown};
use crate::sync::schema::CONFIG_CHANNEL;

/// How often the subscriber thread looks at the stop flag while no message comes.
const SUB_POLL: Duration = Duration::from_millis(100);

/// From the subscriber thread.
#[derive(Debug)]
pub(super) enum SubEvent {
    /// Subscribed to `mm_config` (first time or after a reconnect).
    Subscribed,
    /// The subscription connection was lost.
    Lost,
    /// One `mm_config` payload.
    Message(Vec<u8>),
}

/// Starts the subscriber thread on `client` (it stops with `shutdown`; every connect is
/// bounded by `io_timeout`); `None`, logged, if it cannot start.
pub(super) fn spawn(
    client: redis::Client,
    backoff: Backoff,
    shutdown: Shutdown,
    io_timeout: Duration,
    threads: &mut Vec<JoinHandle<()>>,
) -> Option<Receiver<SubEvent>> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1_024);
    std::thread::Builder::new()
        .name("hlmm-redis-sub".to_owned())
        .spawn(move || subscriber_loop(&client, &tx, &shutdown, backoff, io_timeout))
        .map_err(|e| tracing::error!(error = %e, "Cannot start the Redis subscriber"))
        .ok()
        .map(|h| {
            threads.push(h);
            rx
        })
}

/// The subscriber thread: keeps one connection subscribed to `mm_config` and forwards what it
/// hears. Reconnects with backoff; ends at shutdown or when the side thread is gone.
fn subscriber_loop(
    client: &redis::Client,
    tx: &SyncSender<SubEvent>,
    shutdown: &Shutdown,
    mut backoff: Backoff,
    io_timeout: Duration,
) {
    while !shutdown.is_requested() {
        if let Ok(mut conn) = client.get_connection_with_timeout(io_timeout) {
            let mut pubsub = conn.as_pubsub();
            let ready = pubsub
                .set_read_timeout(Some(SUB_POLL))
                .and_then(|()| pubsub.subscribe(CONFIG_CHANNEL));
            if ready.is_ok() {
                backoff.reset();
                if tx.send(SubEvent::Subscribed).is_err() {
                    return;
                }
                loop {
                    if shutdown.is_requested() {
                        return;
                    }
                    match pubsub.get_message() {
                        Ok(msg) => {
                            let event = SubEvent::Message(msg.get_payload_bytes().to_vec());
                            if tx.send(event).is_err() {
                                return;
                            }
                        }
                        Err(e) if e.is_timeout() => {}
                        Err(_) => break,
                    }
                }
                if tx.send(SubEvent::Lost).is_err() {
                    return;
                }
            }
        }
        let mut wait = Duration::from_millis(backoff.next_delay_ms());
        while !wait.is_zero() && !shutdown.is_requested() {
            let step = wait.min(Duration::from_millis(50));
            std::thread::sleep(step);
            wait -= step;
        }
    }
}
