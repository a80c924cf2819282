//! Account-level actions: `scheduleCancel` (the dead-man's switch) and `updateLeverage`.

use serde::Deserialize;

use super::deserialize::de_asset;
use hlmm_types::AssetId;

/// `scheduleCancel`: `{type, time?}`, the venue-side dead-man's switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleCancelAction {
    /// When to cancel everything, ms since the epoch; `None` clears the schedule.
    #[serde(default)]
    pub time: Option<u64>,
}

/// `updateLeverage`: `{type, asset, isCross, leverage}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateLeverageAction {
    /// The asset id.
    #[serde(deserialize_with = "de_asset")]
    pub asset: AssetId,
    /// Cross (`true`) or isolated margin.
    pub is_cross: bool,
    /// Leverage, times.
    pub leverage: u32,
}
