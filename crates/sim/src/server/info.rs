//! `/info` queries (HTTP and WS `post`), answered from the generator and the account seam.
//!
//! Runs on a request task; holds the venue lock only while serialising a market answer.
//! Anything it cannot parse, including an unknown `type`, is the venue's 422.

use serde::Deserialize;
use serde_json::json;

use super::seams::Address;
use super::shapes::{BookJson, CtxJson, FundingJson};
use super::Shared;
use crate::state::SimMarket as Market;
use hlmm_wire::action::OrderRef;

/// Most items a time-range query returns (the venue pages by `startTime`).
const MAX_RANGE_ITEMS: usize = 500;

/// Why a query got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum InfoError {
    /// Not JSON, or not a query we know: HTTP 422.
    Deserialize,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
enum InfoRequest {
    Meta {
        #[serde(default)]
        #[allow(dead_code)]
        dex: Option<String>,
    },
    SpotMeta,
    MetaAndAssetCtxs {
        #[serde(default)]
        #[allow(dead_code)]
        dex: Option<String>,
    },
    L2Book {
        coin: String,
        // Accepted and ignored: the simulator always answers at full precision.
        #[serde(default)]
        #[allow(dead_code)]
        n_sig_figs: Option<u32>,
        #[serde(default)]
        #[allow(dead_code)]
        mantissa: Option<u32>,
    },
    AllMids {
        #[serde(default)]
        #[allow(dead_code)]
        dex: Option<String>,
    },
    FundingHistory {
        coin: String,
        start_time: u64,
        #[serde(default)]
        end_time: Option<u64>,
    },
    ClearinghouseState {
        user: Address,
    },
    OpenOrders {
        user: Address,
    },
    FrontendOpenOrders {
        user: Address,
    },
    UserFills {
        user: Address,
        #[serde(default)]
        aggregate_by_time: Option<bool>,
    },
    UserFillsByTime {
        user: Address,
        start_time: u64,
        #[serde(default)]
        end_time: Option<u64>,
        #[serde(default)]
        aggregate_by_time: Option<bool>,
    },
    OrderStatus {
        user: Address,
        oid: OrderRef,
    },
    UserRateLimit {
        user: Address,
    },
}

impl InfoRequest {
    fn kind(&self) -> &'static str {
        match self {
            Self::Meta { .. } => "meta",
            Self::SpotMeta => "spotMeta",
            Self::MetaAndAssetCtxs { .. } => "metaAndAssetCtxs",
            Self::L2Book { .. } => "l2Book",
            Self::AllMids { .. } => "allMids",
            Self::FundingHistory { .. } => "fundingHistory",
            Self::ClearinghouseState { .. } => "clearinghouseState",
            Self::OpenOrders { .. } => "openOrders",
            Self::FrontendOpenOrders { .. } => "frontendOpenOrders",
            Self::UserFills { .. } => "userFills",
            Self::UserFillsByTime { .. } => "userFillsByTime",
            Self::OrderStatus { .. } => "orderStatus",
            Self::UserRateLimit { .. } => "userRateLimit",
        }
    }
}

/// Answers one query: its `type` and the JSON body.
pub(super) fn answer(shared: &Shared, body: &[u8]) -> Result<(&'static str, Vec<u8>), InfoError> {
    let req: InfoRequest = serde_json::from_slice(body).map_err(|_| InfoError::Deserialize)?;
    let kind = req.kind();
    let accounts = &shared.services.accounts;
    let now_ms = shared.clock.now_ms();
    let json = match req {
        InfoRequest::Meta { .. } => to_vec(&meta_json(shared.venue.lock().state.market())),
        InfoRequest::SpotMeta => to_vec(&spot_meta_json()),
        InfoRequest::MetaAndAssetCtxs { .. } => {
            let cell = shared.venue.lock();
            let ctxs: Vec<_> = cell.state.market().coins().collect();
            let ctxs: Vec<CtxJson<'_>> = ctxs.iter().map(CtxJson).collect();
            to_vec(&(meta_json(cell.state.market()), ctxs))
        }
        InfoRequest::L2Book { coin, .. } => {
            let cell = shared.venue.lock();
            match cell.state.market().coin_by_name(&coin) {
                Some(c) => to_vec(&BookJson { coin: &c, time: cell.state.time_ms() }),
                None => b"null".to_vec(),
            }
        }
        InfoRequest::AllMids { .. } => to_vec(&all_mids(shared.venue.lock().state.market())),
        InfoRequest::FundingHistory { coin, start_time, end_time } => {
            let cell = shared.venue.lock();
            let items: Vec<FundingJson<'_>> = match cell.state.market().coin_by_name(&coin) {
                Some(c) => c
                    .funding_history
                    .iter()
                    .filter(|r| r.time_ms >= start_time && end_time.is_none_or(|e| r.time_ms <= e))
                    .take(MAX_RANGE_ITEMS)
                    .map(|r| FundingJson(c.params.name.as_str(), r))
                    .collect(),
                None => Vec::new(),
            };
            to_vec(&items)
        }
        InfoRequest::ClearinghouseState { user } => {
            to_vec(&accounts.clearinghouse_state(&user, now_ms))
        }
        InfoRequest::OpenOrders { user } => to_vec(&accounts.open_orders(&user)),
        InfoRequest::FrontendOpenOrders { user } => to_vec(&accounts.frontend_open_orders(&user)),
        InfoRequest::UserFills { user, aggregate_by_time } => {
            to_vec(&accounts.user_fills(&user, aggregate_by_time.unwrap_or(false)))
        }
        InfoRequest::UserFillsByTime { user, start_time, end_time, aggregate_by_time } => {
            to_vec(&accounts.user_fills_by_time(
                &user,
                start_time,
                end_time,
                aggregate_by_time.unwrap_or(false),
            ))
        }
        InfoRequest::OrderStatus { user, oid } => to_vec(&accounts.order_status(&user, oid)),
        InfoRequest::UserRateLimit { user } => to_vec(&accounts.user_rate_limit(&user)),
    };
    Ok((kind, json))
}

fn to_vec<T: serde::Serialize>(v: &T) -> Vec<u8> {
    // Our shapes have string keys and no failing serialisers: an error cannot happen, and
    // `null` would be the honest answer if it did.
    serde_json::to_vec(v).unwrap_or_else(|_| b"null".to_vec())
}

/// `meta`: the universe (delisted coins flagged) and one margin table per leverage.
pub(super) fn meta_json(market: &Market) -> serde_json::Value {
    let universe: Vec<_> = market
        .coins()
        .map(|c| {
            let mut entry = json!({
                "name": c.params.name,
                "szDecimals": c.spec.sz_decimals,
                "maxLeverage": c.params.max_leverage,
                "marginTableId": c.params.max_leverage,
            });
            if c.delisted {
                entry["isDelisted"] = json!(true);
            }
            entry
        })
        .collect();
    let mut leverages: Vec<u32> = market.coins().map(|c| c.params.max_leverage).collect();
    leverages.sort_unstable();
    leverages.dedup();
    let tables: Vec<_> = leverages
        .iter()
        .map(|&l| {
            json!([l, {
                "description": "",
                "marginTiers": [{"lowerBound": "0.0", "maxLeverage": l}],
            }])
        })
        .collect();
    json!({"universe": universe, "marginTables": tables})
}

/// `spotMeta`: the simulator lists no spot pairs, only USDC (the SDK parses `tokenId` as 16
/// bytes of hex).
fn spot_meta_json() -> serde_json::Value {
    json!({
        "universe": [],
        "tokens": [{
            "name": "USDC",
            "szDecimals": 8,
            "weiDecimals": 8,
            "index": 0,
            "tokenId": "0x6d1e7cde53ba9467b783cb7c530ce054",
            "isCanonical": true,
            "evmContract": null,
            "fullName": null,
        }],
    })
}

/// `allMids` / the `mids` of the WS channel: every listed coin with a two-sided book.
pub(super) fn all_mids(market: &Market) -> serde_json::Map<String, serde_json::Value> {
    market
        .coins()
        .filter(|c| !c.delisted)
        .filter_map(|c| {
            let mid = c.ctx.mid_px?;
            let text = serde_json::to_value(super::shapes::px(c.spec, mid)).ok()?;
            Some((c.params.name.clone(), text))
        })
        .collect()
}
