//! A Redis that requires authentication (`fault-cases.md`, "Control endpoints": whoever can
//! publish to `mm_config` can move limits, so production Redis has a password and ACL users).
//! The engine reaches it with the password in `REDIS_URL` (the compose file's shape), and as an
//! ACL user with its password in a file; with a wrong password it runs on without Redis; its
//! config never shows the secret.

#[path = "support/redis_server.rs"]
mod redis_server;

use std::time::Duration;

use redis_server::{engine_config, get_json, wait_engine_synced, EngineRun, RedisServer};

const ADMIN_PASSWORD: &str = "admin-pw-7f3a9c";

#[test]
fn the_password_in_the_url_reaches_a_password_protected_redis() {
    let server = RedisServer::start_locked(ADMIN_PASSWORD);
    let url = format!("redis://:{ADMIN_PASSWORD}@127.0.0.1:{}", server.port());
    let config = engine_config(&url, "");
    assert!(!format!("{config:?}").contains(ADMIN_PASSWORD), "Debug redacts the URL");
    let engine = EngineRun::start(config);
    let mut conn = server.connect(Some(ADMIN_PASSWORD));
    let metrics = wait_engine_synced(&mut conn);
    assert_eq!(metrics["redis"]["config_source_stale"], false, "{metrics}");
    engine.stop();
}

#[test]
fn an_acl_user_with_its_password_in_a_file_can_sync_and_the_default_user_cannot() {
    let server = RedisServer::start_locked(ADMIN_PASSWORD);
    let mut admin = server.connect(Some(ADMIN_PASSWORD));
    redis::cmd("ACL")
        .arg(&["SETUSER", "hlmm", "on", ">hlmm-user-pw-41d2", "~*", "&*", "+@all"][..])
        .query::<()>(&mut admin)
        .expect("ACL SETUSER");
    let file = std::env::temp_dir().join(format!("hlmm-redis-auth-{}.pw", std::process::id()));
    std::fs::write(&file, "hlmm-user-pw-41d2\n").expect("password file");
    let extra = format!("username = \"hlmm\"\npassword_file = \"{}\"", file.display());
    let engine = EngineRun::start(engine_config(&server.url(), &extra));
    let metrics = wait_engine_synced(&mut admin);
    assert_eq!(metrics["redis"]["config_source_stale"], false, "{metrics}");
    let clients: String = redis::cmd("CLIENT").arg("LIST").query(&mut admin).expect("client list");
    assert!(
        clients.lines().any(|l| l.contains(" user=hlmm ")),
        "the engine is connected as the ACL user: {clients}"
    );
    engine.stop();
    let _ = std::fs::remove_file(&file);
}

#[test]
fn a_wrong_password_leaves_redis_unsynced_and_the_engine_running() {
    let server = RedisServer::start_locked(ADMIN_PASSWORD);
    let url = format!("redis://:not-the-password@127.0.0.1:{}", server.port());
    let engine = EngineRun::start(engine_config(&url, ""));
    let mut admin = server.connect(Some(ADMIN_PASSWORD));
    // Several reconnect attempts (50–300 ms backoff) are refused; nothing gets written.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(get_json(&mut admin, "mm_metrics"), None, "an unauthenticated engine wrote nothing");
    let report = engine.stop();
    assert!(report.counters.frames > 0, "the feed ran on without Redis");
}
