use super::*;

#[test]
fn config_rejects_unknown_fields_and_coins() {
    assert!(toml::from_str::<SimConfig>("sede = 3").is_err());
    let cfg: SimConfig = toml::from_str("seed = 3\ncoins = [\"BTC\", \"NOPE\"]").expect("parses");
    assert!(matches!(cfg.market(), Err(SimError::UnknownCoin(c)) if c == "NOPE"));
}

#[test]
fn default_config_is_the_sdk_localhost_with_venue_timings() {
    let cfg = SimConfig::default();
    assert_eq!(cfg.listen.to_string(), "127.0.0.1:3001");
    assert_eq!(cfg.idle_timeout_ms, 60_000);
    assert_eq!(cfg.block_interval_ms, 500);
    assert_eq!(cfg.max_posts_in_flight, 100);
    assert_eq!(cfg.ws_limits, WsLimits::default());
}

#[test]
fn ws_limits_parse_from_a_toml_table_and_reach_the_server() {
    let cfg: SimConfig =
        toml::from_str("[ws_limits]\nconnections = 3\nmessages_per_minute = 5").expect("parses");
    let want = WsLimits { connections: 3, messages_per_minute: 5, ..WsLimits::default() };
    assert_eq!(cfg.ws_limits, want, "a field left out keeps the venue's number");
    assert_eq!(cfg.server_options().expect("valid").ws_limits, want);
    assert!(toml::from_str::<SimConfig>("[ws_limits]\nconections = 3").is_err());
}

#[test]
fn schedule_parses_from_toml() {
    let text = r#"
            [[schedule]]
            kind = "delist"
            at_ms = 5000
            coin = "LTC"
        "#;
    let cfg: SimConfig = toml::from_str(text).expect("parses");
    assert!(cfg.market().is_ok());
}

#[test]
fn a_busy_port_is_a_bind_error() {
    let first = SimHandle::start(SimConfig::ephemeral()).expect("starts");
    let cfg = SimConfig { listen: first.addr(), ..SimConfig::default() };
    assert!(matches!(SimHandle::start(cfg), Err(SimError::Bind { .. })));
    first.shutdown().expect("clean shutdown");
}
