//! A throwaway `redis-server` for one test: loopback, a free port, no persistence. It can be
//! killed and restarted on the same port (optionally behind a password, so a test can decide
//! exactly when the engine may reconnect). Killed on drop.
//!
//! When `redis-server` is not installed and the tests run as root on Debian, it is installed
//! once with apt-get (what `.ci/run` does too), so `cargo test` works on a fresh machine.

#![allow(dead_code, unreachable_pub)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

/// A running (or stopped) `redis-server` on a fixed port.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server on a free port and waits until it answers PING.
    pub fn start() -> Self {
        let port = free_port();
        let mut server = Self { port, child: None };
        server.spawn(None);
        server
    }

    /// Starts a server on a free port that requires `password` (`requirepass`).
    pub fn start_locked(password: &str) -> Self {
        let port = free_port();
        let mut server = Self { port, child: None };
        server.spawn(Some(password));
        server
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A client connection (with `password` when the server requires one).
    pub fn connect(&self, password: Option<&str>) -> redis::Connection {
        let url = match password {
            Some(pw) => format!("redis://:{pw}@127.0.0.1:{}", self.port),
            None => self.url(),
        };
        let client = redis::Client::open(url).expect("redis url");
        let conn = client.get_connection_with_timeout(Duration::from_secs(2)).expect("connect");
        conn.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        conn
    }

    /// Kills the server (SIGKILL: no goodbye to clients) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty (no persistence).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn(None);
    }

    /// Starts it again on the same port, empty, requiring `password`: clients without it get
    /// `NOAUTH` until [`RedisServer::unlock`].
    pub fn restart_locked(&mut self, password: &str) {
        self.kill();
        self.spawn(Some(password));
    }

    /// Removes the password (connection `conn` must be authenticated).
    pub fn unlock(conn: &mut redis::Connection) {
        redis::cmd("CONFIG")
            .arg("SET")
            .arg("requirepass")
            .arg("")
            .query::<()>(conn)
            .expect("unlock");
    }

    fn spawn(&mut self, password: Option<&str>) {
        ensure_installed();
        let mut cmd = Command::new("redis-server");
        cmd.args([
            "--port",
            &self.port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]);
        if let Some(pw) = password {
            cmd.args(["--requirepass", pw]);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server on PATH (apt-get install redis-server)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ok = redis::Client::open(format!("redis://127.0.0.1:{}", self.port))
                .ok()
                .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)).ok())
                .map(|mut c| {
                    // A locked server answers NOAUTH: it is up.
                    match redis::cmd("PING").query::<String>(&mut c) {
                        Ok(_) => true,
                        Err(e) => e.to_string().contains("NOAUTH") || e.code() == Some("NOAUTH"),
                    }
                })
                .unwrap_or(false);
            if ok {
                return;
            }
            assert!(Instant::now() < deadline, "redis-server did not come up on {}", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Polls `f` every 20 ms until it returns `Some`, or panics after `within` with `what`.
pub fn wait_for<T>(within: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An engine running on its own thread against the in-process simulator (or the venue its
/// config names), stopped with [`EngineRun::stop`].
#[derive(Debug)]
pub struct EngineRun {
    shutdown: hlmm::runtime::Shutdown,
    handle: std::thread::JoinHandle<Result<hlmm::engine::RunReport, hlmm::engine::EngineError>>,
}

impl EngineRun {
    /// Starts `config`.
    pub fn start(config: hlmm::config::Config) -> Self {
        let shutdown = hlmm::runtime::Shutdown::new();
        let s = shutdown.clone();
        let handle = std::thread::spawn(move || hlmm::engine::run_until(&config, s));
        Self { shutdown, handle }
    }

    /// Requests the stop and returns the report.
    pub fn stop(self) -> hlmm::engine::RunReport {
        self.shutdown.request();
        self.handle.join().expect("engine thread").expect("engine run")
    }
}

/// An engine config quoting BTC and ETH on the built-in simulator, with Redis at `url` and
/// short intervals so tests see updates quickly.
pub fn engine_config(url: &str, extra_redis: &str) -> hlmm::config::Config {
    let toml = format!(
        r#"
[venue]
kind = "sim"
listen = "127.0.0.1:0"
[threads]
spin = "spin_then_yield"
[redis]
url = "{url}"
position_interval_ms = 100
metrics_interval_ms = 100
scan_interval_ms = 1000
reconnect_min_ms = 50
reconnect_max_ms = 300
{extra_redis}
[symbols.BTC]
[symbols.ETH]
"#
    );
    hlmm::config::Config::from_toml_str(&toml).expect("test config is valid")
}

/// `GET key` parsed as JSON, when set.
pub fn get_json(conn: &mut redis::Connection, key: &str) -> Option<serde_json::Value> {
    let text: Option<String> = redis::cmd("GET").arg(key).query(conn).ok()?;
    serde_json::from_str(&text?).ok()
}

/// Waits until the engine's metrics say it is connected and subscribed to `mm_config`.
pub fn wait_engine_synced(conn: &mut redis::Connection) -> serde_json::Value {
    wait_for(Duration::from_secs(30), "engine subscribed to mm_config", || {
        get_json(conn, "mm_metrics")
            .filter(|m| m["redis"]["config_source_stale"] == serde_json::Value::Bool(false))
    })
}

/// Installs Debian's `redis-server` once per test binary when it is missing and we may.
fn ensure_installed() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let present = |cmd: &str| {
            Command::new(cmd).arg("--version").output().is_ok_and(|o| o.status.success())
        };
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        if present("redis-server") || !root || !present("apt-get") {
            return;
        }
        eprintln!("redis-server is missing: installing it with apt-get");
        let installed = Command::new("sh")
            .args([
                "-c",
                "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
                 apt-get install -y -qq --no-install-recommends redis-server",
            ])
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            eprintln!("apt-get could not install redis-server");
        }
    });
}
