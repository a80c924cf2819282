//! The `hlmm` binary as an operator meets it: `check-config` exit codes and messages, `--help`,
//! and `run` refusing a bad config.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hlmm::config::ENV_VARS;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/config").join(name)
}

/// Runs `hlmm` from the package root with a clean environment, so no `HLMM_*` variable of the
/// developer's shell leaks in.
fn hlmm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hlmm"))
        .args(args)
        .current_dir(root())
        .env_clear()
        .output()
        .expect("the hlmm binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_config_accepts_the_shipped_sim_config() {
    let out = hlmm(&["check-config", "config/sim.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "ok: config/sim.toml (10 symbols)\n");
}

#[test]
fn check_config_lists_every_invalid_field_and_exits_1() {
    let path = fixture("bad_notional.toml");
    let out = hlmm(&["check-config", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].ends_with("feed.reconnect_max_ms = 10: must be >= feed.reconnect_min_ms (250)"),
        "{stderr}"
    );
    assert!(
        lines[1].ends_with("symbol ETH: notional_per_side = 5: below the $10 minimum order value"),
        "{stderr}"
    );
    assert!(lines.iter().all(|l| l.starts_with(path.to_str().expect("utf-8"))), "{stderr}");
}

#[test]
fn check_config_names_an_unknown_field_and_its_line_and_exits_2() {
    let out = hlmm(&["check-config", fixture("unknown_field.toml").to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("line 2, column 1: unknown field `notional`"), "{stderr}");
}

#[test]
fn check_config_reports_a_toml_syntax_error_and_exits_2() {
    let out = hlmm(&["check-config", fixture("not_toml.toml").to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("line 1, column"), "{}", text(&out.stderr));
}

#[test]
fn check_config_on_a_missing_file_exits_2_naming_it() {
    let out = hlmm(&["check-config", "config/nope.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read config/nope.toml"), "{}", text(&out.stderr));
}

#[test]
fn check_config_applies_the_environment_unless_told_not_to() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hlmm"));
    command.current_dir(root()).env_clear().env("HLMM_VENUE", "mainnet");
    let with_env = command.args(["check-config", "config/sim.toml"]).output().expect("runs");
    assert_eq!(with_env.status.code(), Some(1));
    assert!(text(&with_env.stderr).contains("venue.account_address"), "{}", text(&with_env.stderr));

    let without = Command::new(env!("CARGO_BIN_EXE_hlmm"))
        .current_dir(root())
        .env_clear()
        .env("HLMM_VENUE", "mainnet")
        .args(["check-config", "--no-env", "config/sim.toml"])
        .output()
        .expect("runs");
    assert_eq!(without.status.code(), Some(0), "{}", text(&without.stderr));
}

#[test]
fn run_refuses_an_invalid_config_with_a_readable_error() {
    let path = fixture("bad_notional.toml");
    let out = hlmm(&["run", "--config", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("error: config "), "{stderr}");
    assert!(stderr.contains("invalid config (2 errors):"), "{stderr}");
    assert!(stderr.contains("symbol ETH: notional_per_side = 5"), "{stderr}");
}

#[test]
fn help_describes_each_subcommand_flag_and_environment_variable() {
    let out = hlmm(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for needle in ["run", "check-config", "--config", "--venue", "--log-format", "RUST_LOG"] {
        assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
    }
    for (name, _) in ENV_VARS {
        assert!(help.contains(name), "--help lacks {name}:\n{help}");
    }
}

#[test]
fn a_key_variable_of_any_name_is_seen_in_the_process_environment() {
    let path = fixture("testnet_key_env.toml");
    let check = |env: &[(&str, &str)]| {
        Command::new(env!("CARGO_BIN_EXE_hlmm"))
            .current_dir(root())
            .env_clear()
            .envs(env.iter().copied())
            .args(["check-config", path.to_str().expect("utf-8")])
            .output()
            .expect("runs")
    };
    let unset = check(&[]);
    assert_eq!(unset.status.code(), Some(1));
    assert!(text(&unset.stderr).contains("MM_TEST_AGENT_KEY: not set"), "{}", text(&unset.stderr));

    let set = check(&[("MM_TEST_AGENT_KEY", "0x01")]);
    assert_eq!(set.status.code(), Some(0), "{}", text(&set.stderr));
    assert!(!text(&set.stdout).contains("0x01"));
}
