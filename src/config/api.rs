//! `[api]`: the operator API gateway and dashboard (`docs/api.md`). Off unless `listen` is set
//! (or `hlmm run --api ADDR`). Tokens are never in the config: `token_file` names a file, and
//! `HLMM_API_TOKEN` / `HLMM_API_READ_TOKEN` are read by the engine when it starts the gateway.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The `[api]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// `host:port` to listen on; `None` = no gateway. Loopback unless tokens are configured.
    #[serde(default)]
    pub listen: Option<String>,
    /// When `listen`'s port is taken, take an ephemeral port on the same address (the sim
    /// config's fixed port on a shared machine).
    #[serde(default)]
    pub fallback_to_ephemeral: bool,
    /// Token file: one `<read|control> <id> <token>` a line.
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// Extra `Host` names accepted (`name:port`), e.g. behind a reverse proxy.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
}

impl ApiConfig {
    /// The listen address, parsed (`validate()` has checked it).
    pub fn listen_addr(&self) -> Option<std::net::SocketAddr> {
        self.listen.as_deref().and_then(|l| l.parse().ok())
    }
}
