//! Shared fixtures for the `sim_matching_*` tests: a two-asset venue (BTC, ETH) and helpers
//! that write orders the way the venue's wire does (decimal strings).

#![allow(dead_code)]

use hlmm::sim::accounts::AssetConfig;
use hlmm::sim::actions::{ExchangeAction, ExchangeResponse, LimitOrder, OrderStatusResp, SimEvent};
use hlmm::sim::exchange::{Exchange, ExchangeConfig};
use hlmm::sim::Address;
use hlmm::types::commands::Tif;
use hlmm::types::{AssetId, Cloid, Coin, InstrumentSpec, Nanos, Px, Sz, Usd};

pub(crate) const BTC: AssetId = AssetId(0);
pub(crate) const ETH: AssetId = AssetId(1);
pub(crate) const MAKER: Address = Address([0x11; 20]);
pub(crate) const TAKER: Address = Address([0x22; 20]);
pub(crate) const OTHER: Address = Address([0x33; 20]);
/// 2026-01-01T00:00:00Z plus an hour, in ns.
pub(crate) const T0: Nanos = Nanos(1_767_229_200_000_000_000);

pub(crate) fn btc_spec() -> InstrumentSpec {
    InstrumentSpec::perp(BTC, Coin::new(b"BTC").expect("coin"), 5)
}

pub(crate) fn eth_spec() -> InstrumentSpec {
    InstrumentSpec::perp(ETH, Coin::new(b"ETH").expect("coin"), 4)
}

pub(crate) fn spec(asset: AssetId) -> InstrumentSpec {
    if asset == BTC {
        btc_spec()
    } else {
        eth_spec()
    }
}

pub(crate) fn px(asset: AssetId, text: &str) -> Px {
    spec(asset).parse_px(text.as_bytes()).expect("price text")
}

pub(crate) fn sz(asset: AssetId, text: &str) -> Sz {
    spec(asset).parse_sz(text.as_bytes()).expect("size text")
}

/// A venue with BTC (mark 50000) and ETH (mark 2000), and MAKER, TAKER, OTHER funded with
/// $100 000 each.
pub(crate) fn venue_with(config: ExchangeConfig) -> Exchange {
    let mut ex = Exchange::new(config);
    ex.add_asset(AssetConfig {
        spec: btc_spec(),
        max_leverage: 40,
        mark_px: px(BTC, "50000"),
        oracle_px: px(BTC, "50000"),
    })
    .expect("new asset");
    ex.add_asset(AssetConfig {
        spec: eth_spec(),
        max_leverage: 25,
        mark_px: px(ETH, "2000"),
        oracle_px: px(ETH, "2000"),
    })
    .expect("new asset");
    for u in [MAKER, TAKER, OTHER] {
        ex.deposit(u, Usd::from_dollars(100_000));
    }
    ex
}

pub(crate) fn venue() -> Exchange {
    venue_with(ExchangeConfig::default())
}

pub(crate) fn order(asset: AssetId, is_buy: bool, p: &str, s: &str, tif: Tif) -> LimitOrder {
    LimitOrder {
        asset,
        is_buy,
        px: px(asset, p),
        sz: sz(asset, s),
        reduce_only: false,
        tif,
        cloid: None,
    }
}

pub(crate) fn with_cloid(mut o: LimitOrder, c: u128) -> LimitOrder {
    o.cloid = Some(Cloid(c));
    o
}

pub(crate) fn reduce_only(mut o: LimitOrder) -> LimitOrder {
    o.reduce_only = true;
    o
}

/// Sends one order as an `order` action and returns its status and the events.
pub(crate) fn send(
    ex: &mut Exchange,
    user: Address,
    o: LimitOrder,
    now: Nanos,
) -> (OrderStatusResp, Vec<SimEvent>) {
    let (resp, events) = ex.apply(user, &ExchangeAction::Order { orders: vec![o] }, now);
    match resp {
        ExchangeResponse::Order(mut s) if s.len() == 1 => (s.remove(0), events),
        other => panic!("unexpected response {other:?}"),
    }
}

/// The error text of a status, or panics.
pub(crate) fn error_of(s: &OrderStatusResp) -> &str {
    match s {
        OrderStatusResp::Error(e) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

pub(crate) fn oid_of(s: &OrderStatusResp) -> hlmm::types::Oid {
    match s {
        OrderStatusResp::Resting { oid, .. } | OrderStatusResp::Filled { oid, .. } => *oid,
        other => panic!("expected an oid, got {other:?}"),
    }
}

pub(crate) fn later(ms: u64) -> Nanos {
    Nanos(T0.0 + ms * 1_000_000)
}
