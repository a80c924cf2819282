use super::*;
use crate::actions::SimOrderStatus;
use crate::exchange::ExchangeConfig;
use crate::market::{default_coins, FlowVenue, Market};
use hlmm_types::events::MAX_BOOK_LEVELS;

const T0: Nanos = Nanos(1_760_000_000_000_000_000);
const BLOCK: u64 = 500_000_000;

fn market() -> Market<ExchangeVenue> {
    let venue = ExchangeVenue::new(Exchange::new(ExchangeConfig::default()));
    Market::with_venue(7, default_coins(), Vec::new(), venue).expect("valid market")
}

#[test]
fn the_generator_keeps_full_uncrossed_books_on_the_exchange() {
    let mut m = market();
    let mut trades = 0;
    for b in 0..300 {
        m.step(Nanos(T0.0 + b * BLOCK));
        for c in m.coins() {
            let name = &c.params.name;
            assert!(c.bids.len() >= MAX_BOOK_LEVELS, "{name}: {} bids", c.bids.len());
            assert!(c.asks.len() >= MAX_BOOK_LEVELS, "{name}: {} asks", c.asks.len());
            assert!(c.bids[0].px < c.asks[0].px, "{name}: crossed at block {b}");
            let v = m.venue();
            let (hb, ha) =
                (v.house_side(c.spec.asset, Side::Bid), v.house_side(c.spec.asset, Side::Ask));
            assert!(hb.windows(2).all(|w| w[0].px > w[1].px), "{name}: house bids unsorted");
            assert!(ha.windows(2).all(|w| w[0].px < w[1].px), "{name}: house asks unsorted");
            trades += c.trades.len();
        }
        m.venue().exchange().check_invariants().expect("exchange invariants");
    }
    assert!(trades > 100, "only {trades} trades");
}

#[test]
fn a_users_resting_bid_is_hit_by_house_takers_eventually() {
    let mut m = market();
    m.step(T0);
    let user = Address::from_low_u64(0xbeef);
    m.venue_mut().exchange_mut().deposit(user, Usd::from_dollars(1_000_000));
    let btc = *m.coin(AssetId(0)).expect("BTC").spec;
    let best_bid = m.coin(AssetId(0)).expect("BTC").bids[0].px;
    let order = LimitOrder {
        asset: AssetId(0),
        is_buy: true,
        px: best_bid,
        sz: btc.sz_from_f64_down(0.01).expect("size"),
        reduce_only: false,
        tif: Tif::Alo,
        cloid: None,
    };
    let r = m.venue_mut().apply(user, &ExchangeAction::Order { orders: vec![order] }, T0);
    assert!(
        matches!(r, ExchangeResponse::Order(ref s) if matches!(s[0], OrderStatusResp::Resting { .. })),
        "{r:?}"
    );
    let mut events = Vec::new();
    let mut filled = false;
    for b in 1..2_000 {
        m.step(Nanos(T0.0 + b * BLOCK));
        m.venue_mut().take_user_events(&mut events);
        if events.iter().any(|e| matches!(e, SimEvent::Fill { user: u, .. } if *u == user)) {
            filled = true;
            break;
        }
    }
    assert!(filled, "the user's bid never traded");
    assert!(events.iter().all(|e| match e {
        SimEvent::OrderUpdate { update, .. } => update.status != SimOrderStatus::SelfTradeCanceled,
        _ => true,
    }));
}

#[test]
fn funding_is_paid_by_a_users_long_and_reported_as_a_user_event() {
    let mut m = market();
    m.step(T0);
    let user = Address::from_low_u64(0xf00d);
    m.venue_mut().exchange_mut().deposit(user, Usd::from_dollars(1_000_000));
    let spec = *m.coin(AssetId(0)).expect("BTC").spec;
    let ask = m.coin(AssetId(0)).expect("BTC").asks[0].px;
    let order = LimitOrder {
        asset: AssetId(0),
        is_buy: true,
        px: ask,
        sz: spec.sz_from_f64_down(0.01).expect("size"),
        reduce_only: false,
        tif: Tif::Ioc,
        cloid: None,
    };
    let buy = ExchangeAction::Order { orders: vec![order] };
    assert!(matches!(m.venue_mut().apply(user, &buy, T0), ExchangeResponse::Order(_)));
    let mut events = Vec::new();
    m.venue_mut().take_user_events(&mut events);
    assert!(events.iter().any(|e| matches!(e, SimEvent::Fill { .. })), "{events:?}");
    events.clear();
    m.venue_mut().settle_funding(AssetId(0), Rate(12_500_000), Nanos(T0.0 + BLOCK));
    m.venue_mut().take_user_events(&mut events);
    let paid: Vec<Usd> = events
        .iter()
        .filter_map(|e| match e {
            SimEvent::Funding { user: u, funding } if *u == user => Some(funding.usdc),
            _ => None,
        })
        .collect();
    assert_eq!(paid.len(), 1, "{events:?}");
    assert!(paid[0].0 < 0, "a long pays positive funding: {paid:?}");
    assert!(
        events.iter().all(|e| match e {
            SimEvent::Funding { user: u, .. } => *u == user,
            _ => true,
        }),
        "house accounts' payments are not published"
    );
}
