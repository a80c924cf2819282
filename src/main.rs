//! The `hlmm` command line: run the engine, or check a config file.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use clap::builder::PossibleValuesParser;
use clap::{Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand};
use hlmm::config::{Config, ConfigLoadError, LogFormat, VenueKind, ENV_VARS};
use tracing::info;
use tracing_subscriber::filter::{EnvFilter, LevelFilter};

// mimalloc: faster and less fragmenting than the system allocator for the async exec and side
// threads, which allocate; the quote thread does not allocate in steady state.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The config `hlmm run` uses when no --config is given and it exists.
const DEFAULT_CONFIG: &str = "config/sim.toml";

/// hlmm quotes Hyperliquid perpetuals from one process: a feed thread parses books into rings, a
/// pinned quote thread decides, an exec thread signs and sends orders, and a side thread syncs
/// config and metrics with Redis. By default it trades against its built-in simulator, so it runs
/// with no account and no network. Without a subcommand, hlmm runs the engine.
#[derive(Debug, Parser)]
#[command(name = "hlmm", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the engine until interrupted (the default)
    Run(RunArgs),
    /// Check a config file and exit: 0 valid, 1 a rule is broken (every error listed), 2
    /// unreadable or not the schema (TOML syntax, unknown field, wrong type)
    CheckConfig(CheckConfigArgs),
    /// Serve the built-in Hyperliquid-compatible simulator on its own, until interrupted: for the
    /// official SDK (its BaseUrl::Localhost is 127.0.0.1:3001), or for `hlmm run --venue local`
    Sim(SimArgs),
    /// Run the configured coins through the deterministic pair harness (the real core against
    /// the simulator's venue in simulated time) and report PnL after fees, markouts,
    /// inventory, drawdown, Sharpe and quote uptime; or sweep a parameter grid on all cores
    #[cfg(feature = "sim")]
    Backtest(BacktestArgs),
    /// Record the built-in simulator's public feed (books and trades of the configured coins,
    /// with receive times) as a tape for `hlmm backtest --data`; needs no account
    #[cfg(feature = "sim")]
    Record(RecordArgs),
}

#[cfg(feature = "sim")]
#[derive(Debug, Args)]
struct BacktestArgs {
    /// Config file [default: config/sim.toml]
    #[arg(long, short, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Simulated hours
    #[arg(long, value_name = "H", default_value_t = 24.0)]
    hours: f64,
    /// Market seed [default: the config's venue.seed]
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Several seeds, run in parallel: a range (21-25) or a list (1,2,3); overrides --seed
    #[arg(long, value_name = "LIST")]
    seeds: Option<String>,
    /// Only these of the configured coins (comma separated)
    #[arg(long, value_name = "COINS", value_delimiter = ',')]
    coins: Option<Vec<String>>,
    /// Write the JSON report here (one seed), or the sweep's table as JSON
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Write the HTML report here [default: the JSON report's path with .html]
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Share of the simulator's takers that are informed, 0..1 [default: calibrated]
    #[arg(long, value_name = "X")]
    informed_share: Option<f64>,
    /// Lag of the mid behind the fair value the informed takers know, ms [default: calibrated]
    #[arg(long, value_name = "MS")]
    informed_lead_ms: Option<u64>,
    /// Order round trip, median, ms [default: 200, the venue's figure]
    #[arg(long, value_name = "MS")]
    rtt_median_ms: Option<f64>,
    /// Order round trip, 99th percentile, ms [default: 900]
    #[arg(long, value_name = "MS")]
    rtt_p99_ms: Option<f64>,
    /// Venue to engine delay of books and user events, ms [default: 10]
    #[arg(long, value_name = "MS")]
    feed_ms: Option<f64>,
    /// A parameter grid over every coin, e.g. "vol_k=1,1.5,2;min_half_spread_bps=2,3"
    #[arg(long, value_name = "GRID")]
    sweep: Option<String>,
    /// What the sweep's table is sorted by
    #[arg(long, value_name = "METRIC", default_value = "pnl_per_million",
          value_parser = PossibleValuesParser::new(hlmm::backtest_harness::sweep::SortBy::NAMES))]
    sort: String,
    /// Threads for several runs [default: every core]
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// No progress bar
    #[arg(long)]
    quiet: bool,
    /// Replay a recorded tape (a directory from `hlmm record`) instead of simulating the
    /// market: the configured coins that are on it, our orders queued by the queue model
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
}

#[cfg(feature = "sim")]
#[derive(Debug, Args)]
struct RecordArgs {
    /// Config file whose coins and seed are recorded [default: config/sim.toml]
    #[arg(long, short, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The tape directory to write (meta.json and feed.tape)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Simulated hours to record
    #[arg(long, value_name = "H", default_value_t = 1.0)]
    hours: f64,
    /// Market seed [default: the config's venue.seed]
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Only these of the configured coins (comma separated)
    #[arg(long, value_name = "COINS", value_delimiter = ',')]
    coins: Option<Vec<String>>,
    /// Record a live venue at this base URL (a `hlmm sim`: http://127.0.0.1:3001) instead of
    /// the built-in simulator; a config whose venue is testnet or mainnet records that venue
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Live recording: stop after this many seconds [default: until Ctrl-C]
    #[arg(long, value_name = "SECS")]
    duration: Option<f64>,
}

#[derive(Debug, Args)]
struct SimArgs {
    /// Simulator config file (TOML with the fields of hlmm::sim::SimConfig)
    #[arg(long, short, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:3001]; keep it on loopback
    #[arg(long, value_name = "ADDR")]
    listen: Option<std::net::SocketAddr>,
    /// Fund an account with USDC, e.g. 0xabc…=100000 (repeatable)
    #[arg(long, value_name = "ADDRESS=USDC")]
    fund: Vec<String>,
    /// Seed of the market generator: the same seed gives the same markets
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Load the venue state from this JSON file at start (if it exists) and dump it there on
    /// shutdown
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Push books as fast as possible instead of once per block (for benchmarks)
    #[arg(long)]
    fast: bool,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Config file [default: config/sim.toml if it exists, else the built-in simulator setup]
    #[arg(long, short, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Venue, overriding the file and HLMM_VENUE
    #[arg(long, value_name = "KIND", value_parser = PossibleValuesParser::new(VenueKind::NAMES))]
    venue: Option<String>,
    /// Log format, overriding the file and HLMM_LOG_FORMAT (levels come from RUST_LOG, default
    /// info)
    #[arg(long, value_name = "FORMAT", value_parser = PossibleValuesParser::new(LogFormat::NAMES))]
    log_format: Option<String>,
    /// Redis URL (redis://host:port[/db]) for config hot reload, position updates, metrics and
    /// the symbol scanner, overriding the file's [redis] url. Unset = Redis off
    #[arg(long = "redis", value_name = "URL", env = "REDIS_URL")]
    redis: Option<String>,
    /// Base URL of the venue for `--venue local`, e.g. http://127.0.0.1:3001 (a `hlmm sim`):
    /// /info and /ws are derived from it
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// File holding the agent (API wallet) private key; otherwise HLMM_PRIVATE_KEY or
    /// HLMM_AGENT_KEY. Never printed
    #[arg(long, value_name = "PATH")]
    key_file: Option<PathBuf>,
    /// Trading account address (0x…); defaults to the config's venue.account_address
    #[arg(long, value_name = "0xADDRESS")]
    account: Option<String>,
    /// Stop by itself after this many seconds (cancels everything, as on Ctrl-C)
    #[arg(long, value_name = "SECS")]
    duration: Option<f64>,
    /// Write the final summary as JSON to this file: per coin (quotes sent, fills, position,
    /// PnL, risk state), the stage latency percentiles and the counters
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Required to trade on mainnet (or venue.i_understand_this_is_mainnet = true): real money
    #[arg(long)]
    i_understand_this_is_mainnet: bool,
    /// Do not print the per-coin summary table every telemetry.summary_interval_ms
    #[arg(long)]
    no_summary: bool,
    /// Serve the API gateway and dashboard on host:port (e.g. 127.0.0.1:8080), overriding
    /// the file's [api] listen and HLMM_API_LISTEN
    #[arg(long, value_name = "ADDR")]
    api: Option<String>,
}

#[derive(Debug, Args)]
struct CheckConfigArgs {
    /// The config file to check
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Check the file alone, without the HLMM_* environment overrides `run` would apply
    #[arg(long)]
    no_env: bool,
}

fn main() -> ExitCode {
    let command = Cli::command().after_long_help(env_help());
    let cli = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match cli.command.unwrap_or(Command::Run(cli.run)) {
        Command::Run(args) => match run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
        Command::CheckConfig(args) => check_config(&args),
        Command::Sim(args) => match sim(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
        #[cfg(feature = "sim")]
        Command::Record(args) => match record(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
        #[cfg(feature = "sim")]
        Command::Backtest(args) => match backtest(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// `hlmm sim` in a live-only build: the simulator is not linked in.
#[cfg(not(feature = "sim"))]
fn sim(_args: &SimArgs) -> anyhow::Result<()> {
    bail!("this build has no simulator (built without the `sim` feature)")
}

#[cfg(feature = "sim")]
fn sim(args: &SimArgs) -> anyhow::Result<()> {
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("simulator config {}", path.display()))?;
            toml::from_str::<hlmm::sim::SimConfig>(&text)
                .with_context(|| format!("simulator config {}", path.display()))?
        }
        None => hlmm::sim::SimConfig::default(),
    };
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    if args.state.is_some() {
        config.state_file.clone_from(&args.state);
    }
    config.fast |= args.fast;
    for entry in &args.fund {
        config.fund.push(parse_fund(entry)?);
    }
    init_tracing(LogFormat::Pretty)?;
    if !config.listen.ip().is_loopback() {
        tracing::warn!(listen = %config.listen, "Simulator listens beyond loopback");
    }
    let shutdown = hlmm::runtime::Shutdown::new();
    shutdown.install_signal_handlers().context("signal handlers")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("simulator runtime")?;
    runtime
        .block_on(hlmm::sim::run_standalone(config, async move {
            while !shutdown.is_requested() {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }))
        .context("simulator stopped")
}

/// `0xADDRESS=USDC` → a funded paper account.
#[cfg(feature = "sim")]
fn parse_fund(entry: &str) -> anyhow::Result<hlmm::sim::handle::FundAccount> {
    let Some((address, usdc)) = entry.split_once('=') else {
        bail!("--fund {entry}: expected 0xADDRESS=USDC");
    };
    let address = hlmm::sim::Address::parse(address.trim().as_bytes())
        .map_err(|e| anyhow::anyhow!("--fund {entry}: address: {e}"))?;
    let usdc: f64 = usdc.trim().parse().with_context(|| format!("--fund {entry}: USDC amount"))?;
    if !(usdc.is_finite() && usdc >= 0.0) {
        bail!("--fund {entry}: USDC amount must be a non-negative number");
    }
    Ok(hlmm::sim::handle::FundAccount { address, usdc })
}

/// The config `backtest` and `record` read: `--config`, else config/sim.toml, else built-in.
#[cfg(feature = "sim")]
fn backtest_config(path: Option<&Path>) -> anyhow::Result<Config> {
    let env = process_env()?;
    match path {
        Some(path) => load(path, env),
        None if Path::new(DEFAULT_CONFIG).exists() => load(Path::new(DEFAULT_CONFIG), env),
        None => Config::default().with_env(env).context("built-in config"),
    }
}

/// `hlmm record`: a tape of the simulator's feed.
#[cfg(feature = "sim")]
fn record(args: &RecordArgs) -> anyhow::Result<()> {
    let config = backtest_config(args.config.as_deref())?;
    let options = hlmm::backtest::BacktestOptions {
        seed: args.seed,
        hours: args.hours,
        coins: args.coins.clone(),
        ..Default::default()
    };
    let live = match &args.url {
        Some(url) => Some(venue_urls(url)?),
        None if config.venue.kind != VenueKind::Sim => {
            config.venue.endpoints().map(|e| (e.info, e.ws))
        }
        None => None,
    };
    let Some((info, ws)) = live else {
        let records = hlmm::backtest::record(&config, &options, &args.out)?;
        println!("wrote {records} records to {}", args.out.display());
        return Ok(());
    };
    let duration = match args.duration {
        Some(s) if !(s.is_finite() && s > 0.0) => bail!("--duration {s}: must be positive"),
        Some(s) => Some(std::time::Duration::from_secs_f64(s)),
        None => None,
    };
    init_tracing(config.telemetry.log_format)?;
    let shutdown = hlmm::runtime::Shutdown::new();
    shutdown.install_signal_handlers().context("signal handlers")?;
    info!(ws = %ws, out = %args.out.display(), "Recording books and trades (Ctrl-C stops)");
    let coins = args.coins.as_deref();
    let rec =
        hlmm::backtest::record_live(&config, &info, &ws, coins, &args.out, duration, &shutdown)?;
    println!(
        "wrote {} records to {} ({} books conflated)",
        rec.records,
        args.out.display(),
        rec.conflated
    );
    Ok(())
}

/// `hlmm backtest`: the config (as `run` loads it) and the flags, handed to
/// [`hlmm::backtest::execute`].
#[cfg(feature = "sim")]
fn backtest(args: &BacktestArgs) -> anyhow::Result<()> {
    use hlmm::backtest::{BacktestOptions, Execution};
    let config = backtest_config(args.config.as_deref())?;
    let mut options = BacktestOptions { seed: args.seed, hours: args.hours, ..Default::default() };
    options.coins.clone_from(&args.coins);
    if args.informed_share.is_some() || args.informed_lead_ms.is_some() {
        let default = hlmm::sim::market::InformedFlow::default();
        options.informed = Some(hlmm::sim::market::InformedFlow {
            share: args.informed_share.unwrap_or(default.share),
            lead_ms: args.informed_lead_ms.unwrap_or(default.lead_ms),
        });
    }
    let l = &mut options.latency;
    l.order_rtt_median_ms = args.rtt_median_ms.unwrap_or(l.order_rtt_median_ms);
    l.order_rtt_p99_ms = args.rtt_p99_ms.unwrap_or(l.order_rtt_p99_ms);
    l.feed_ms = args.feed_ms.unwrap_or(l.feed_ms);
    let seeds = match &args.seeds {
        Some(list) => Some(hlmm::backtest::parse_seeds(list)?),
        None => None,
    };
    let html = args.html.clone().or_else(|| args.report.as_ref().map(|p| p.with_extension("html")));
    let execution = Execution {
        seeds,
        sweep: args.sweep.clone(),
        sort: args.sort.clone(),
        threads: args.threads,
        report: args.report.clone(),
        html,
        progress: !args.quiet && std::io::stderr().is_terminal(),
        data: args.data.clone(),
    };
    hlmm::backtest::execute(&config, &options, &execution)?;
    Ok(())
}

fn env_help() -> String {
    let width = ENV_VARS.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    let mut help = String::from(
        "Environment (applied after the config file, before command-line flags; empty = unset):\n",
    );
    for (name, what) in ENV_VARS {
        help.push_str(&format!("  {name:width$}  {what}\n"));
    }
    help.push_str(&format!("  {:width$}  log filter, e.g. info,hlmm=debug", "RUST_LOG"));
    help
}

fn run(args: &RunArgs) -> anyhow::Result<()> {
    let mut env = process_env()?;
    // Flags go through the same parsing as the environment, as its last (winning) entries.
    env.extend(args.venue.iter().map(|v| ("HLMM_VENUE".to_owned(), v.clone())));
    env.extend(args.log_format.iter().map(|v| ("HLMM_LOG_FORMAT".to_owned(), v.clone())));
    env.extend(args.api.iter().map(|v| ("HLMM_API_LISTEN".to_owned(), v.clone())));
    if let Some(url) = &args.url {
        let (info, ws) = venue_urls(url)?;
        env.push(("HLMM_INFO_URL".to_owned(), info));
        env.push(("HLMM_WS_URL".to_owned(), ws));
    }
    if let Some(path) = &args.key_file {
        env.push(("HLMM_AGENT_KEY_FILE".to_owned(), path.display().to_string()));
    }
    if let Some(account) = &args.account {
        env.push(("HLMM_ACCOUNT_ADDRESS".to_owned(), account.clone()));
    }
    let duration = match args.duration {
        Some(secs) if !(secs.is_finite() && secs > 0.0) => {
            bail!("--duration {secs}: must be a positive number of seconds")
        }
        Some(secs) => Some(std::time::Duration::from_secs_f64(secs)),
        None => None,
    };

    let (mut config, source) = match &args.config {
        Some(path) => (load(path, env)?, path.display().to_string()),
        None if Path::new(DEFAULT_CONFIG).exists() => {
            (load(Path::new(DEFAULT_CONFIG), env)?, DEFAULT_CONFIG.to_owned())
        }
        None => (
            Config::default().with_env(env).context("built-in config")?,
            "built-in defaults".to_owned(),
        ),
    };
    if let Some(url) = args.redis.as_ref().filter(|u| !u.is_empty()) {
        config.redis.url = Some(url.clone());
        config.validate().map_err(ConfigLoadError::Invalid).context("--redis / REDIS_URL")?;
    }
    init_tracing(config.telemetry.log_format)?;
    info!(
        config = %source,
        venue = %config.venue.kind,
        symbols = config.symbols.len(),
        redis = %config.redis.redacted_url(),
        "Config loaded"
    );
    if config.venue.kind == VenueKind::Mainnet {
        if !(args.i_understand_this_is_mainnet || config.venue.i_understand_this_is_mainnet) {
            bail!(
                "venue mainnet trades real money: pass --i-understand-this-is-mainnet (or set \
                 venue.i_understand_this_is_mainnet = true) to start"
            );
        }
        eprint!("{}", mainnet_banner(&config));
    }
    let options = hlmm::engine::RunOptions {
        print_summary: !args.no_summary,
        ..hlmm::engine::RunOptions::default()
    };
    let report = hlmm::engine::run(config, options, duration).context("engine stopped")?;
    let summary = report.summary();
    print!("{}", summary.render());
    if let Some(path) = &args.report {
        let json = serde_json::to_vec_pretty(&summary).context("report")?;
        std::fs::write(path, json).with_context(|| format!("--report {}", path.display()))?;
        info!(file = %path.display(), "Report written");
    }
    Ok(())
}

/// `http://host:port` → (`http://host:port/info`, `ws://host:port/ws`).
fn venue_urls(base: &str) -> anyhow::Result<(String, String)> {
    let base = base.trim_end_matches('/');
    let base = base.strip_suffix("/info").unwrap_or(base);
    let ws = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}/ws")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}/ws")
    } else {
        bail!("--url {base}: expected http://host:port or https://host");
    };
    Ok((format!("{base}/info"), ws))
}

/// What a mainnet start prints before anything is sent: the account, each symbol and its
/// limits.
fn mainnet_banner(config: &Config) -> String {
    let mut out = String::from("\n*** MAINNET: real money ***\n");
    out.push_str(&format!(
        "account  {}\nleverage {}x (cross)\n",
        config.venue.account_address.as_deref().unwrap_or("(unset)"),
        config.venue.leverage
    ));
    out.push_str(&format!(
        "{:<8} {:>12} {:>12} {:>12} {:>14}\n",
        "symbol", "per side $", "max long $", "max short $", "daily stop $"
    ));
    for (coin, p) in config.resolved_symbols() {
        if !p.enabled {
            continue;
        }
        out.push_str(&format!(
            "{:<8} {:>12.2} {:>12.2} {:>12.2} {:>14.2}\n",
            coin, p.notional_per_side, p.max_long_usd, p.max_short_usd, p.daily_pnl_stop_loss
        ));
    }
    out.push('\n');
    out
}

fn load(path: &Path, env: Vec<(String, String)>) -> anyhow::Result<Config> {
    Config::load(path, env).with_context(|| format!("config {}", path.display()))
}

/// The process environment as UTF-8 pairs. All of it, not only `HLMM_*`: `venue.agent_key_env`
/// may name any variable, and the config only checks that one is set, never keeps its value.
/// Variables that are not UTF-8 are skipped, unless they are ours.
fn process_env() -> anyhow::Result<Vec<(String, String)>> {
    let mut env = Vec::new();
    for (name, value) in std::env::vars_os() {
        let Ok(name) = name.into_string() else { continue };
        match value.into_string() {
            Ok(value) => env.push((name, value)),
            Err(_) if name.starts_with("HLMM_") => bail!("{name}: value is not valid UTF-8"),
            Err(_) => {}
        }
    }
    Ok(env)
}

fn init_tracing(format: LogFormat) -> anyhow::Result<()> {
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .from_env()
        .context("RUST_LOG")?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, never into a log file or collector.
        .with_ansi(std::io::stderr().is_terminal());
    let installed = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    installed.map_err(|e| anyhow::anyhow!("cannot install the log subscriber: {e}"))
}

/// Prints `ok: FILE (N symbols)` on stdout, or each error on its own line on stderr prefixed by
/// the file name.
fn check_config(args: &CheckConfigArgs) -> ExitCode {
    let file = args.file.display();
    let loaded = if args.no_env {
        Config::load(&args.file, std::iter::empty::<(String, String)>())
    } else {
        match process_env() {
            Ok(env) => Config::load(&args.file, env),
            Err(e) => {
                eprintln!("{file}: {e:#}");
                return ExitCode::from(2);
            }
        }
    };
    match loaded {
        Ok(config) => {
            println!("ok: {file} ({} symbols)", config.symbols.len());
            ExitCode::SUCCESS
        }
        Err(ConfigLoadError::Invalid(errors)) => {
            errors.iter().for_each(|e| eprintln!("{file}: {e}"));
            ExitCode::FAILURE
        }
        Err(ConfigLoadError::Env(errors)) => {
            errors.iter().for_each(|e| eprintln!("{file}: {e}"));
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("{file}: {:#}", anyhow::Error::new(e));
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_bare_flag_runs_the_engine() {
        let cli = Cli::try_parse_from(["hlmm", "--venue", "testnet"]).expect("valid args");
        assert!(cli.command.is_none());
        assert_eq!(cli.run.venue.as_deref(), Some("testnet"));
    }

    #[test]
    fn unknown_venue_is_rejected_by_the_parser() {
        assert!(Cli::try_parse_from(["hlmm", "run", "--venue", "prod"]).is_err());
    }
}
