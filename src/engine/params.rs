//! Engine-wide core parameters ([`GlobalParams`]) and the instance prefix of our cloids. The
//! per-symbol parameters are converted from the config by
//! [`SymbolConfig::core_params`](crate::config::SymbolConfig::core_params), next to their
//! schema and the rules they are checked by.

use crate::core::params::GlobalParams;
use crate::types::{Nanos, Usd};

/// Engine-wide core parameters. The cloid prefix marks this engine's orders across restarts;
/// the run id (from the start time) keeps runs from colliding.
pub fn global_params(now: Nanos) -> GlobalParams {
    GlobalParams {
        global_daily_pnl_stop_loss: Usd::ZERO,
        cloid_prefix: CLOID_PREFIX,
        run_id: (now.0 / 1_000_000_000) as u32,
    }
}

/// The instance prefix of our cloids: "hlmm" in ASCII.
pub const CLOID_PREFIX: u32 = u32::from_be_bytes(*b"hlmm");
