//! The engine with its API gateway, for the operator tests and the operator bench: threads
//! unpinned and polite (a shared machine), the gateway on 127.0.0.1:0 with a token file, a
//! volatility prior so that quoting starts at once, and the counters to watch.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hlmm::config::{Config, SpinPolicy};
use hlmm::engine::{run_until_with, EngineError, RunOptions, RunReport};
use hlmm::runtime::Shutdown;
use hlmm::telemetry::{Counter, Counters};

/// A running engine and what a test needs of it.
#[derive(Debug)]
pub struct ApiEngine {
    /// Where the gateway listens.
    pub api: SocketAddr,
    /// The engine's counters, live.
    pub counters: Arc<Counters>,
    /// Stops it.
    pub shutdown: Shutdown,
    /// Its thread: the run's report once stopped.
    pub thread: JoinHandle<Result<RunReport, EngineError>>,
}

impl ApiEngine {
    /// Starts `config` with the gateway on 127.0.0.1:0 behind the tokens of `token_file`, and
    /// waits (120 s at most) until it listens and has sent `intents` intents.
    pub fn start(mut config: Config, token_file: &Path, intents: u64) -> Self {
        config.threads.spin = SpinPolicy::SpinThenYield;
        config.threads.feed_core = None;
        config.threads.quote_core = None;
        config.threads.exec_core = None;
        config.api.listen = Some("127.0.0.1:0".to_owned());
        config.api.token_file = Some(token_file.to_owned());
        config.validate().expect("a valid config");
        let counters = Arc::new(Counters::new());
        let api = Arc::new(OnceLock::new());
        let shutdown = Shutdown::new();
        let options = RunOptions {
            vol_prior: Some(0.0002),
            counters: Some(Arc::clone(&counters)),
            api_addr: Some(Arc::clone(&api)),
            ..RunOptions::default()
        };
        let thread = {
            let shutdown = shutdown.clone();
            std::thread::spawn(move || run_until_with(&config, shutdown, options))
        };
        let start = Instant::now();
        while api.get().is_none() || counters.get(Counter::IntentsSent) < intents {
            assert!(!thread.is_finished(), "the engine stopped while starting");
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the engine quotes with its gateway up"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let api = *api.get().expect("address");
        Self { api, counters, shutdown, thread }
    }

    /// Stops the engine and returns its report.
    pub fn stop(self) -> Result<RunReport, EngineError> {
        self.shutdown.request();
        self.thread.join().expect("engine thread")
    }
}
