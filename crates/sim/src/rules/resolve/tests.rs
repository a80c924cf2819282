use super::*;
use crate::accounts::AssetConfig;
use crate::exchange::ExchangeConfig;
use hlmm_types::commands::Tif;
use hlmm_types::{AssetId, Coin, InstrumentSpec, Px, Side, Sz};
use hlmm_wire::action::{Tpsl, WireNum};

fn eth_exchange() -> Exchange {
    let mut ex = Exchange::new(ExchangeConfig::default());
    let spec = InstrumentSpec::perp(AssetId(1), Coin::new(b"ETH").expect("coin"), 4);
    let px = Px(200_000);
    ex.add_asset(AssetConfig { spec, max_leverage: 25, mark_px: px, oracle_px: px })
        .expect("new asset");
    ex
}

fn wire(asset: u32, p: &str) -> OrderWire {
    let spec = InstrumentSpec::perp(AssetId(asset), Coin::new(b"ETH").expect("coin"), 4);
    let mut o = OrderWire::limit(&spec, Side::Bid, Px(1), Sz(100), Tif::Gtc, false, None);
    o.px = WireNum::new(p).expect("short");
    o
}

#[test]
fn wire_orders_resolve_to_ticks_and_lots() {
    let ex = eth_exchange();
    let o = limit_order(&ex, &wire(1, "1890.1")).expect("valid order");
    assert_eq!(
        (o.asset, o.px, o.sz, o.tif, o.is_buy),
        (AssetId(1), Px(189_010), Sz(100), Tif::Gtc, true)
    );
}

#[test]
fn per_order_problems_are_statuses_not_parse_errors() {
    let ex = eth_exchange();
    assert_eq!(limit_order(&ex, &wire(9, "1")).err().as_deref(), Some("Invalid asset."));
    assert_eq!(
        limit_order(&ex, &wire(1, "1890.123")).err().as_deref(),
        Some("Price must be divisible by tick size.")
    );
    let spec = ex.asset(AssetId(1)).expect("listed").spec;
    let trigger =
        OrderWire::trigger(&spec, Side::Ask, Px(1), Sz(100), Px(1), true, Tpsl::Sl, true, None);
    assert_eq!(limit_order(&ex, &trigger).err().as_deref(), Some(TRIGGER_UNSUPPORTED));
}

#[test]
fn refused_items_keep_their_place_among_the_exchange_statuses() {
    let got = merge(
        vec![None, Some("no".into()), None],
        vec![OrderStatusResp::Error("a".into()), OrderStatusResp::Error("b".into())],
    );
    let texts: Vec<_> = got
        .iter()
        .map(|s| match s {
            OrderStatusResp::Error(t) => t.as_str(),
            _ => "",
        })
        .collect();
    assert_eq!(texts, ["a", "no", "b"]);
}
