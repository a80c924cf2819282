//! Shared by the `parse_*` tests: our three instruments, fixture loading, and a parse that
//! collects events.

#![allow(dead_code)]

use hlmm::types::events::{Channel, FeedEvent};
use hlmm::types::{AssetId, Coin, InstrumentSpec};
use hlmm::wire::{FeedParser, ParseError};

/// BTC (asset 0, szDecimals 5), ETH (1, 4), SOL (5, 2): mainnet ids and scales.
pub(crate) fn instruments() -> [InstrumentSpec; 3] {
    let coin = |name: &str| Coin::new(name.as_bytes()).expect("valid coin");
    [
        InstrumentSpec::perp(AssetId(0), coin("BTC"), 5),
        InstrumentSpec::perp(AssetId(1), coin("ETH"), 4),
        InstrumentSpec::perp(AssetId(5), coin("SOL"), 2),
    ]
}

pub(crate) fn parser() -> FeedParser {
    FeedParser::new(&instruments())
}

/// Every JSON fixture under `tests/fixtures/frames/`.
pub(crate) const JSON_FIXTURES: [&str; 23] = [
    "active_asset_ctx_btc.json",
    "all_mids.json",
    "bbo_eth.json",
    "bbo_sol_no_ask.json",
    "error_already_subscribed.json",
    "l2book_btc.json",
    "l2book_btc_20.json",
    "l2book_eth_no_asks.json",
    "order_updates.json",
    "pong.json",
    "post_action.json",
    "post_error.json",
    "post_info.json",
    "subscription_response.json",
    "subscription_response_user_events.json",
    "trades_sol.json",
    "unknown_channel_candle.json",
    "user_event_fills.json",
    "user_event_funding.json",
    "user_event_liquidation.json",
    "user_event_non_user_cancel.json",
    "user_fills.json",
    "user_fills_snapshot.json",
];

pub(crate) fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/frames/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// Parses a copy of `frame` and returns the result with every emitted event.
pub(crate) fn parse(
    parser: &mut FeedParser,
    frame: &[u8],
) -> (Result<Channel, ParseError>, Vec<FeedEvent>) {
    let mut buf = frame.to_vec();
    let mut events = Vec::new();
    let result = parser.parse(&mut buf, &mut |e| events.push(e));
    (result, events)
}
