//! Every channel we subscribe to, from frames written as the Hyperliquid docs show them, into
//! exactly the events the rest of the engine sees; and every way a frame can be wrong.

mod parse_support;

use hlmm::types::events::{
    AssetCtx, Bbo, BookSnapshot, Channel, FeedEvent, Fill, FillBatch, FillSource, Funding,
    InlineVec, Level, Liquidation, Mid, NonUserCancel, OrderStatus, OrderUpdate, PostReplyKind,
    Trade, VenueErrorKind,
};
use hlmm::types::{AssetId, Cloid, DecimalError, Nanos, Oid, Px, Rate, Side, Sz, Tid, TxHash, Usd};
use hlmm::wire::ParseError;
use parse_support::{fixture, parse, parser, JSON_FIXTURES};

const BTC: AssetId = AssetId(0);
const ETH: AssetId = AssetId(1);
const SOL: AssetId = AssetId(5);
/// The fixtures' block time, 2026-01-01T00:00:01.234Z, in ms.
const T: u64 = 1_767_225_601_234;

fn ms(v: u64) -> Nanos {
    Nanos::from_millis(v)
}

fn lv(px: i64, sz: i64, n: u32) -> Level {
    Level { px: Px(px), sz: Sz(sz), n }
}

fn inline<T: Copy + Default, const N: usize>(items: &[T]) -> InlineVec<T, N> {
    let mut v = InlineVec::default();
    for &i in items {
        v.push(i).unwrap_or_else(|_| panic!("more than {N} items"));
    }
    v
}

fn book(asset: AssetId, bids: &[Level], asks: &[Level]) -> FeedEvent {
    FeedEvent::Book(BookSnapshot { asset, time: ms(T), bids: inline(bids), asks: inline(asks) })
}

fn hash(text: &str) -> TxHash {
    TxHash::parse(text.as_bytes()).expect("fixture hash")
}

fn cloid(text: &str) -> Option<Cloid> {
    Some(Cloid::parse(text.as_bytes()).expect("fixture cloid"))
}

fn fill_btc() -> Fill {
    Fill {
        asset: BTC,
        side: Side::Bid,
        px: Px(970_120),
        sz: Sz(1_050),
        time: ms(T),
        start_position: Sz(-2_050),
        closed_pnl: Usd(157_500),
        fee: Usd(152_793),
        oid: Oid(89_123_456_791),
        tid: Tid(118_906_512_037_720),
        hash: hash("0x6262211c157aa9623d96f03ffb638c3f7ea0d62a2bf0f4b4239e63aee0bb18b0"),
        cloid: cloid("0x27f431feb724bfa060cd53629d56246a"),
        crossed: false,
        liquidation: false,
    }
}

fn fill_eth_liquidation() -> Fill {
    Fill {
        asset: ETH,
        side: Side::Ask,
        px: Px(345_670),
        sz: Sz(5_000),
        time: ms(T + 10),
        start_position: Sz(5_000),
        closed_pnl: Usd(-12_350_000),
        fee: Usd(777_757),
        oid: Oid(89_123_456_792),
        tid: Tid(118_906_512_037_721),
        hash: hash("0x8e0fcd6b1f6cf7103b4569cfc1593f5386c1a522daaf39cfe155e1aba9df7035"),
        cloid: None,
        crossed: true,
        liquidation: true,
    }
}

fn fill_sol_rebate() -> Fill {
    Fill {
        asset: SOL,
        side: Side::Ask,
        px: Px(1_874_500),
        sz: Sz(1_234),
        time: ms(T + 20),
        start_position: Sz(0),
        closed_pnl: Usd(0),
        fee: Usd(-23_131),
        oid: Oid(89_123_456_793),
        tid: Tid(118_906_512_037_722),
        hash: hash("0x53329b3a3ee48d243dac7046444e2fec3a4a305de06fd03f0dd151adb9fdd22f"),
        cloid: cloid("0x6e160ea7d1a6905ec3154a3ec3f98dfe"),
        crossed: false,
        liquidation: false,
    }
}

fn fills(is_snapshot: bool, source: FillSource, items: &[Fill]) -> FeedEvent {
    FeedEvent::Fills(FillBatch { is_snapshot, source, fills: inline(items) })
}

struct Case {
    name: &'static str,
    fixture: &'static str,
    channel: Channel,
    events: Vec<FeedEvent>,
}

fn documented_frames() -> Vec<Case> {
    vec![
        Case {
            name: "l2Book snapshot: BTC prices in 0.1 ticks, sizes in 1e-5 lots, best first",
            fixture: "l2book_btc.json",
            channel: Channel::L2Book,
            events: vec![book(
                BTC,
                &[lv(970_120, 123_456, 7), lv(970_110, 50_000, 2), lv(970_090, 310_000, 11)],
                &[lv(970_130, 15, 1), lv(970_140, 271_828, 5), lv(970_200, 1_000_000, 14)],
            )],
        },
        Case {
            name: "l2Book with an empty side keeps the side empty",
            fixture: "l2book_eth_no_asks.json",
            channel: Channel::L2Book,
            events: vec![book(ETH, &[lv(345_670, 123_456, 4)], &[])],
        },
        Case {
            name: "bbo with both sides",
            fixture: "bbo_eth.json",
            channel: Channel::Bbo,
            events: vec![FeedEvent::Bbo(Bbo {
                asset: ETH,
                time: ms(T),
                bid: Some(lv(345_670, 123_456, 4)),
                ask: Some(lv(345_680, 5_000, 1)),
            })],
        },
        Case {
            name: "bbo with a null side has no level there",
            fixture: "bbo_sol_no_ask.json",
            channel: Channel::Bbo,
            events: vec![FeedEvent::Bbo(Bbo {
                asset: SOL,
                time: ms(T),
                bid: Some(lv(1_874_500, 12_050, 9)),
                ask: None,
            })],
        },
        Case {
            name: "trades keep frame order; side is the aggressor's",
            fixture: "trades_sol.json",
            channel: Channel::Trades,
            events: vec![FeedEvent::Trades(inline(&[
                Trade {
                    asset: SOL,
                    side: Side::Bid,
                    px: Px(1_874_500),
                    sz: Sz(1_234),
                    time: ms(T),
                    tid: Tid(118_906_512_037_719),
                },
                Trade {
                    asset: SOL,
                    side: Side::Ask,
                    px: Px(1_874_400),
                    sz: Sz(50),
                    time: ms(T + 1),
                    tid: Tid(560_442_102_411_305),
                },
            ]))],
        },
        Case {
            name: "allMids keeps our coins in frame order and skips the rest",
            fixture: "all_mids.json",
            channel: Channel::AllMids,
            events: vec![FeedEvent::Mids(inline(&[
                Mid { asset: BTC, px: Px(970_125) },
                Mid { asset: ETH, px: Px(345_675) },
                Mid { asset: SOL, px: Px(1_874_550) },
            ]))],
        },
        Case {
            name: "orderUpdates with and without a cloid",
            fixture: "order_updates.json",
            channel: Channel::OrderUpdates,
            events: vec![FeedEvent::OrderUpdates(inline(&[
                OrderUpdate {
                    asset: ETH,
                    side: Side::Bid,
                    limit_px: Px(345_670),
                    sz: Sz(5_000),
                    orig_sz: Sz(5_000),
                    oid: Oid(89_123_456_789),
                    cloid: cloid("0xdaab908dcafc015a9e26e15a0ef8cc35"),
                    timestamp: ms(T),
                    status: OrderStatus::Open,
                    status_time: ms(T),
                },
                OrderUpdate {
                    asset: SOL,
                    side: Side::Ask,
                    limit_px: Px(1_874_600),
                    sz: Sz(0),
                    orig_sz: Sz(1_234),
                    oid: Oid(89_123_456_790),
                    cloid: None,
                    timestamp: ms(T - 5_000),
                    status: OrderStatus::Canceled,
                    status_time: ms(T + 3),
                },
            ]))],
        },
        Case {
            name: "userFills snapshot: is_snapshot set; a liquidation object marks the fill",
            fixture: "user_fills_snapshot.json",
            channel: Channel::UserFills,
            events: vec![fills(true, FillSource::UserFills, &[fill_btc(), fill_eth_liquidation()])],
        },
        Case {
            name: "userFills without isSnapshot is live; a negative fee is a rebate",
            fixture: "user_fills.json",
            channel: Channel::UserFills,
            events: vec![fills(false, FillSource::UserFills, &[fill_sol_rebate()])],
        },
        Case {
            name: "user event fills are tagged with their source",
            fixture: "user_event_fills.json",
            channel: Channel::User,
            events: vec![fills(false, FillSource::UserEvents, &[fill_sol_rebate()])],
        },
        Case {
            name: "user event funding: usdc in micro-dollars, szi in lots, rate in 1e-12",
            fixture: "user_event_funding.json",
            channel: Channel::User,
            events: vec![FeedEvent::Funding(Funding {
                asset: ETH,
                time: ms(1_767_225_600_000),
                usdc: Usd(-64_813),
                szi: Sz(15_000),
                rate: Rate(12_500_000),
            })],
        },
        Case {
            name: "user event liquidation",
            fixture: "user_event_liquidation.json",
            channel: Channel::User,
            events: vec![FeedEvent::Liquidation(Liquidation {
                lid: 123_456_789,
                liquidated_ntl_pos: Usd(1_728_350_000),
                liquidated_account_value: Usd(85_123_456),
            })],
        },
        Case {
            name: "user event nonUserCancel",
            fixture: "user_event_non_user_cancel.json",
            channel: Channel::User,
            events: vec![FeedEvent::NonUserCancels(inline(&[
                NonUserCancel { asset: SOL, oid: Oid(89_123_450_001) },
                NonUserCancel { asset: BTC, oid: Oid(89_123_450_002) },
            ]))],
        },
        Case {
            name: "activeAssetCtx: prices in ticks, volume in micro-dollars, open interest in lots",
            fixture: "active_asset_ctx_btc.json",
            channel: Channel::ActiveAssetCtx,
            events: vec![FeedEvent::AssetCtx(AssetCtx {
                asset: BTC,
                day_ntl_vlm: Usd(1_169_046_294_060),
                prev_day_px: Px(960_120),
                mark_px: Px(970_100),
                mid_px: Some(Px(970_125)),
                oracle_px: Px(970_050),
                funding: Rate(12_500_000),
                open_interest: Sz(1_234_567_891),
            })],
        },
        Case {
            name: "subscriptionResponse for a coin channel names the asset",
            fixture: "subscription_response.json",
            channel: Channel::SubscriptionResponse,
            events: vec![FeedEvent::Subscribed { channel: Channel::Trades, asset: Some(SOL) }],
        },
        Case {
            name: "subscriptionResponse for userEvents is the user channel",
            fixture: "subscription_response_user_events.json",
            channel: Channel::SubscriptionResponse,
            events: vec![FeedEvent::Subscribed { channel: Channel::User, asset: None }],
        },
        Case {
            name: "pong has no data",
            fixture: "pong.json",
            channel: Channel::Pong,
            events: vec![FeedEvent::Pong],
        },
        Case {
            name: "post info reply",
            fixture: "post_info.json",
            channel: Channel::Post,
            events: vec![FeedEvent::PostReply { id: 7, kind: PostReplyKind::Info }],
        },
        Case {
            name: "post action reply",
            fixture: "post_action.json",
            channel: Channel::Post,
            events: vec![FeedEvent::PostReply { id: 8, kind: PostReplyKind::Action }],
        },
        Case {
            name: "post error reply",
            fixture: "post_error.json",
            channel: Channel::Post,
            events: vec![FeedEvent::PostReply { id: 9, kind: PostReplyKind::Error }],
        },
        Case {
            name: "error frame with escaped JSON in its text",
            fixture: "error_already_subscribed.json",
            channel: Channel::Error,
            events: vec![FeedEvent::VenueError(VenueErrorKind::AlreadySubscribed)],
        },
        Case {
            name: "a channel we do not parse is accepted with no event",
            fixture: "unknown_channel_candle.json",
            channel: Channel::Unknown,
            events: vec![],
        },
    ]
}

#[test]
fn every_documented_frame_parses_into_exactly_its_events() {
    for case in documented_frames() {
        let mut p = parser();
        let (result, events) = parse(&mut p, &fixture(case.fixture));
        assert_eq!(result, Ok(case.channel), "{}", case.name);
        assert_eq!(events, case.events, "{}", case.name);
        assert_eq!(p.counters().frames[case.channel.index()], 1, "{}", case.name);
        assert_eq!(p.counters().bad_frames_total(), 0, "{}", case.name);
    }
}

#[test]
fn every_json_fixture_is_covered_by_the_table() {
    let mut covered: Vec<&str> = documented_frames().iter().map(|c| c.fixture).collect();
    covered.push("l2book_btc_20.json");
    for name in JSON_FIXTURES {
        assert!(covered.contains(&name), "{name} has no expected events");
    }
}

#[test]
fn full_depth_book_holds_twenty_levels_a_side() {
    let (result, events) = parse(&mut parser(), &fixture("l2book_btc_20.json"));
    assert_eq!(result, Ok(Channel::L2Book));
    let [FeedEvent::Book(book)] = events.as_slice() else { panic!("one book: {events:?}") };
    assert_eq!((book.bids.len(), book.asks.len()), (20, 20));
    assert_eq!(book.bids.as_slice()[0].px, Px(970_120));
    assert_eq!(book.asks.as_slice()[19].px, Px(970_320));
}

#[test]
fn connection_greeting_is_text_counted_apart_from_malformed_frames() {
    let mut p = parser();
    let (result, events) = parse(&mut p, &fixture("connection_established.txt"));
    assert_eq!(result, Err(ParseError::NotJson));
    assert!(events.is_empty());
    assert!(!ParseError::NotJson.is_malformed());
    assert_eq!(p.counters().text_frames, 1);
    assert_eq!(p.counters().bad_frames_total(), 0);
}

#[test]
fn unknown_channel_is_counted_and_ignored() {
    let mut p = parser();
    for _ in 0..3 {
        assert_eq!(parse(&mut p, &fixture("unknown_channel_candle.json")).0, Ok(Channel::Unknown));
    }
    assert_eq!(p.counters().unknown_channels(), 3);
    assert_eq!(p.counters().bad_frames_total(), 0);
}

fn trade_json(i: usize, coin: &str) -> String {
    format!(
        r#"{{"coin":"{coin}","side":"B","px":"187.45","sz":"0.5","hash":"0x{:064x}","time":{},"tid":{},"users":["0x{:040x}","0x{:040x}"]}}"#,
        i,
        T,
        1000 + i,
        1,
        2
    )
}

fn trades_frame(items: &[String]) -> String {
    format!(r#"{{"channel":"trades","data":[{}]}}"#, items.join(","))
}

#[test]
fn a_frame_with_more_trades_than_one_event_holds_becomes_several_in_order() {
    let items: Vec<String> = (0..40).map(|i| trade_json(i, "SOL")).collect();
    let (result, events) = parse(&mut parser(), trades_frame(&items).as_bytes());
    assert_eq!(result, Ok(Channel::Trades));
    let sizes: Vec<usize> = events
        .iter()
        .map(|e| match e {
            FeedEvent::Trades(t) => t.len(),
            other => panic!("not trades: {other:?}"),
        })
        .collect();
    assert_eq!(sizes, [16, 16, 8]);
    let tids: Vec<u64> = events
        .iter()
        .flat_map(|e| match e {
            FeedEvent::Trades(t) => t.as_slice().iter().map(|t| t.tid.0).collect::<Vec<_>>(),
            _ => vec![],
        })
        .collect();
    assert_eq!(tids, (1000..1040).collect::<Vec<u64>>());
}

#[test]
fn a_snapshot_larger_than_one_event_marks_every_batch_as_snapshot() {
    let fill = String::from_utf8(fixture("user_fills.json")).expect("utf8");
    let one = fill
        .split_once(r#""fills":["#)
        .and_then(|(_, rest)| rest.strip_suffix("]}}\n"))
        .expect("one fill in the fixture")
        .to_owned();
    let frame = format!(
        r#"{{"channel":"userFills","data":{{"isSnapshot":true,"user":"0x8c967e73e7b15087c42a10d344cff4c96d877f1d","fills":[{}]}}}}"#,
        vec![one; 20].join(",")
    );
    let (result, events) = parse(&mut parser(), frame.as_bytes());
    assert_eq!(result, Ok(Channel::UserFills));
    let shape: Vec<(bool, usize)> = events
        .iter()
        .map(|e| match e {
            FeedEvent::Fills(b) => (b.is_snapshot, b.fills.len()),
            other => panic!("not fills: {other:?}"),
        })
        .collect();
    assert_eq!(shape, [(true, 8), (true, 8), (true, 4)]);
}

#[test]
fn an_empty_fills_snapshot_still_says_the_snapshot_arrived() {
    let frame = r#"{"channel":"userFills","data":{"isSnapshot":true,"user":"0x8c967e73e7b15087c42a10d344cff4c96d877f1d","fills":[]}}"#;
    let (result, events) = parse(&mut parser(), frame.as_bytes());
    assert_eq!(result, Ok(Channel::UserFills));
    assert_eq!(events, [fills(true, FillSource::UserFills, &[])]);
}

#[test]
fn a_bad_item_late_in_a_large_frame_emits_nothing() {
    let mut items: Vec<String> = (0..40).map(|i| trade_json(i, "SOL")).collect();
    items[37] = items[37].replace(r#""side":"B""#, r#""side":"S""#);
    let mut p = parser();
    let (result, events) = parse(&mut p, trades_frame(&items).as_bytes());
    assert_eq!(result, Err(ParseError::BadSide));
    assert!(events.is_empty(), "{} events escaped a rejected frame", events.len());
    assert_eq!(p.counters().bad_frames[Channel::Trades.index()], 1);
}

#[test]
fn market_data_on_an_unknown_coin_is_skipped_and_counted() {
    let mut p = parser();
    let book = String::from_utf8(fixture("l2book_btc.json")).expect("utf8").replace("BTC", "DOGE");
    assert_eq!(parse(&mut p, book.as_bytes()), (Ok(Channel::L2Book), vec![]));
    let items = [trade_json(0, "DOGE"), trade_json(1, "SOL"), trade_json(2, "DOGE")];
    let (result, events) = parse(&mut p, trades_frame(&items).as_bytes());
    assert_eq!(result, Ok(Channel::Trades));
    assert!(matches!(events.as_slice(), [FeedEvent::Trades(t)] if t.len() == 1));
    assert_eq!(p.counters().unknown_coin_market, 3);
    assert_eq!(p.counters().unknown_coin_user, 0);
}

#[test]
fn user_data_on_an_unknown_coin_is_reported_in_band_and_counted() {
    let mut p = parser();
    let frame = String::from_utf8(fixture("user_fills_snapshot.json"))
        .expect("utf8")
        .replace(r#""coin":"ETH""#, r#""coin":"DOGE""#);
    let (result, events) = parse(&mut p, frame.as_bytes());
    assert_eq!(result, Ok(Channel::UserFills));
    assert_eq!(
        events,
        [
            fills(true, FillSource::UserFills, &[fill_btc()]),
            FeedEvent::UnknownCoinUserData { channel: Channel::UserFills, items: 1 },
        ]
    );
    assert!(events[1].is_lossless());
    assert_eq!(p.counters().unknown_coin_user, 1);

    let cancels = String::from_utf8(fixture("user_event_non_user_cancel.json"))
        .expect("utf8")
        .replace("SOL", "DOGE");
    let (_, events) = parse(&mut p, cancels.as_bytes());
    assert_eq!(
        events.last(),
        Some(&FeedEvent::UnknownCoinUserData { channel: Channel::User, items: 1 })
    );
    assert_eq!(p.counters().unknown_coin_user, 2);
}

#[test]
fn user_event_of_an_unknown_kind_is_counted_not_rejected() {
    let mut p = parser();
    let frame = r#"{"channel":"user","data":{"twapHistory":[]}}"#;
    assert_eq!(parse(&mut p, frame.as_bytes()), (Ok(Channel::User), vec![]));
    assert_eq!(p.counters().unknown_user_events, 1);
}

/// `(name, frame, error, channel whose bad-frame counter moves)`.
fn malformed_frames() -> Vec<(&'static str, String, ParseError, Channel)> {
    let book = |levels: &str| {
        format!(r#"{{"channel":"l2Book","data":{{"coin":"BTC","time":{T},"levels":{levels}}}}}"#)
    };
    let level = r#"{"px":"97012.0","sz":"1.0","n":1}"#;
    let side = |n: usize| format!("[{}]", vec![level; n].join(","));
    let fixture_with = |name: &str, from: &str, to: &str| {
        let text = String::from_utf8(fixture(name)).expect("utf8");
        assert!(text.contains(from), "{name} does not contain {from}");
        text.replacen(from, to, 1)
    };
    use Channel::*;
    use ParseError::*;
    vec![
        ("truncated json", r#"{"channel":"l2Book","data":{"#.into(), Json, Unknown),
        ("a json array is not a frame", "[1,2]".into(), WrongType("frame"), Unknown),
        ("no channel", r#"{"data":{}}"#.into(), MissingField("channel"), Unknown),
        ("channel is a number", r#"{"channel":5,"data":{}}"#.into(), WrongType("channel"), Unknown),
        ("l2Book without data", r#"{"channel":"l2Book"}"#.into(), MissingField("data"), L2Book),
        (
            "l2Book without time",
            fixture_with("l2book_btc.json", &format!(r#""time":{T},"#), ""),
            MissingField("time"),
            L2Book,
        ),
        (
            "time as a string",
            fixture_with("l2book_btc.json", &format!(r#""time":{T}"#), r#""time":"1""#),
            WrongType("time"),
            L2Book,
        ),
        (
            "negative time",
            fixture_with("l2book_btc.json", &format!(r#""time":{T}"#), r#""time":-1"#),
            BadNumber { field: "time", err: DecimalError::Negative },
            L2Book,
        ),
        (
            "px as a JSON number",
            fixture_with("l2book_btc.json", r#""px":"97012.0""#, r#""px":97012.0"#),
            WrongType("px"),
            L2Book,
        ),
        (
            "px finer than the BTC tick",
            fixture_with("l2book_btc.json", r#""px":"97012.0""#, r#""px":"97012.05""#),
            BadNumber { field: "px", err: DecimalError::TooPrecise { scale: 1 } },
            L2Book,
        ),
        (
            "px with an exponent",
            fixture_with("l2book_btc.json", r#""px":"97012.0""#, r#""px":"9.7e4""#),
            BadNumber { field: "px", err: DecimalError::InvalidChar },
            L2Book,
        ),
        (
            "empty sz",
            fixture_with("l2book_btc.json", r#""sz":"0.5""#, r#""sz":"""#),
            BadNumber { field: "sz", err: DecimalError::Empty },
            L2Book,
        ),
        (
            "negative sz",
            fixture_with("l2book_btc.json", r#""sz":"0.5""#, r#""sz":"-0.5""#),
            BadNumber { field: "sz", err: DecimalError::Negative },
            L2Book,
        ),
        (
            "level count beyond u32",
            fixture_with("l2book_btc.json", r#""n":7"#, r#""n":5000000000"#),
            BadNumber { field: "n", err: DecimalError::Overflow },
            L2Book,
        ),
        (
            "level count as a float",
            fixture_with("l2book_btc.json", r#""n":7"#, r#""n":7.5"#),
            WrongType("n"),
            L2Book,
        ),
        ("21 bids", book(&format!("[{},[]]", side(21))), TooManyLevels, L2Book),
        ("21 asks", book(&format!("[[],{}]", side(21))), TooManyLevels, L2Book),
        ("three sides", book("[[],[],[]]"), BadValue("levels"), L2Book),
        ("levels is an object", book("{}"), WrongType("levels"), L2Book),
        ("a level is an array", book(r#"[[["97012.0","1.0",1]],[]]"#), WrongType("level"), L2Book),
        (
            "bbo with one entry",
            fixture_with("bbo_sol_no_ask.json", ",null]", "]"),
            BadValue("bbo"),
            Bbo,
        ),
        (
            "trade side S",
            fixture_with("trades_sol.json", r#""side":"B""#, r#""side":"S""#),
            BadSide,
            Trades,
        ),
        (
            "trade without tid",
            fixture_with("trades_sol.json", r#","tid":118906512037719"#, ""),
            MissingField("tid"),
            Trades,
        ),
        (
            "trades data is an object",
            r#"{"channel":"trades","data":{}}"#.into(),
            WrongType("data"),
            Trades,
        ),
        (
            "allMids without mids",
            r#"{"channel":"allMids","data":{}}"#.into(),
            MissingField("mids"),
            AllMids,
        ),
        (
            "mid that is not a number",
            fixture_with("all_mids.json", r#""BTC":"97012.5""#, r#""BTC":"abc""#),
            BadNumber { field: "mids", err: DecimalError::InvalidChar },
            AllMids,
        ),
        (
            "cloid of 31 hex digits",
            fixture_with(
                "order_updates.json",
                "0xdaab908dcafc015a9e26e15a0ef8cc35",
                "0xdaab908dcafc015a9e26e15a0ef8cc3",
            ),
            BadId("cloid"),
            OrderUpdates,
        ),
        (
            "order without order",
            fixture_with(
                "order_updates.json",
                r#"{"order":{"coin":"ETH""#,
                r#"{"o":{"coin":"ETH""#,
            ),
            MissingField("order"),
            OrderUpdates,
        ),
        (
            "fill hash too short",
            fixture_with(
                "user_fills.json",
                "0x53329b3a3ee48d243dac7046444e2fec3a4a305de06fd03f0dd151adb9fdd22f",
                "0x53329b",
            ),
            BadId("hash"),
            UserFills,
        ),
        (
            "isSnapshot as a string",
            fixture_with(
                "user_fills_snapshot.json",
                r#""isSnapshot":true"#,
                r#""isSnapshot":"yes""#,
            ),
            WrongType("isSnapshot"),
            UserFills,
        ),
        (
            "fill without crossed",
            fixture_with("user_fills.json", r#""crossed":false,"#, ""),
            MissingField("crossed"),
            UserFills,
        ),
        (
            "fee finer than a micro-dollar",
            fixture_with("user_fills.json", r#""fee":"-0.023131""#, r#""fee":"-0.0231312""#),
            BadNumber { field: "fee", err: DecimalError::TooPrecise { scale: 6 } },
            UserFills,
        ),
        (
            "funding rate with an exponent",
            fixture_with(
                "user_event_funding.json",
                r#""fundingRate":"0.0000125""#,
                r#""fundingRate":"1.25e-5""#,
            ),
            BadNumber { field: "fundingRate", err: DecimalError::InvalidChar },
            User,
        ),
        (
            "liquidation without lid",
            fixture_with("user_event_liquidation.json", r#""lid":123456789,"#, ""),
            MissingField("lid"),
            User,
        ),
        (
            "ctx without markPx",
            fixture_with("active_asset_ctx_btc.json", r#""markPx":"97010.0","#, ""),
            MissingField("markPx"),
            ActiveAssetCtx,
        ),
        (
            "subscription method unknown",
            fixture_with(
                "subscription_response.json",
                r#""method":"subscribe""#,
                r#""method":"resubscribe""#,
            ),
            BadValue("method"),
            SubscriptionResponse,
        ),
        (
            "post reply of an unknown type",
            fixture_with("post_error.json", r#""type":"error""#, r#""type":"oops""#),
            BadValue("type"),
            Post,
        ),
        (
            "post reply with a negative id",
            fixture_with("post_error.json", r#""id":9"#, r#""id":-9"#),
            BadNumber { field: "id", err: DecimalError::Negative },
            Post,
        ),
        (
            "error frame with object data",
            r#"{"channel":"error","data":{}}"#.into(),
            WrongType("data"),
            Error,
        ),
    ]
}

#[test]
fn malformed_frames_are_rejected_with_their_specific_error_and_counter() {
    for (name, frame, error, channel) in malformed_frames() {
        let mut p = parser();
        let (result, events) = parse(&mut p, frame.as_bytes());
        assert_eq!(result, Err(error), "{name}");
        assert!(error.is_malformed(), "{name}");
        assert!(events.is_empty(), "{name}: a rejected frame emitted {events:?}");
        assert_eq!(p.counters().bad_frames[channel.index()], 1, "{name}: counted on {channel:?}");
        assert_eq!(p.counters().bad_frames_total(), 1, "{name}");
        assert_eq!(p.counters().frames, [0; Channel::COUNT], "{name}");
    }
}

#[test]
fn truncation_at_every_byte_offset_is_an_error_never_a_panic() {
    let mut p = parser();
    let mut rejected = 0u64;
    for name in JSON_FIXTURES {
        let frame = fixture(name);
        let text = frame.trim_ascii_end();
        for cut in 0..text.len() {
            let (result, events) = parse(&mut p, &text[..cut]);
            assert!(result.is_err(), "{name} cut at {cut} parsed: {result:?}");
            assert!(events.is_empty(), "{name} cut at {cut} emitted {events:?}");
            rejected += 1;
        }
        // And the parser still reads the whole frame afterwards.
        assert!(parse(&mut p, &frame).0.is_ok(), "{name} after its truncations");
    }
    let c = p.counters();
    assert_eq!(c.bad_frames_total() + c.text_frames, rejected);
}

#[test]
fn invalid_utf8_is_invalid_json() {
    let mut p = parser();
    let (result, events) = parse(&mut p, b"{\"channel\":\"l2Book\xff\",\"data\":{}}");
    assert_eq!(result, Err(ParseError::Json));
    assert!(events.is_empty());
    assert_eq!(p.counters().bad_frames[Channel::Unknown.index()], 1);
}

#[test]
fn the_parser_recovers_after_a_bad_frame() {
    let mut p = parser();
    assert!(parse(&mut p, br#"{"channel":"l2Book","data":{"coin":"BTC""#).0.is_err());
    assert_eq!(parse(&mut p, &fixture("l2book_btc.json")).0, Ok(Channel::L2Book));
    assert_eq!(p.counters().frames[Channel::L2Book.index()], 1);
    assert_eq!(p.counters().bad_frames[Channel::Unknown.index()], 1);
}

#[test]
fn unknown_fields_are_ignored_everywhere() {
    let frame = String::from_utf8(fixture("l2book_btc.json"))
        .expect("utf8")
        .replacen(r#"{"channel""#, r#"{"seq":1,"extra":{"a":[1,{"b":null}]},"channel""#, 1)
        .replace(r#""n":7"#, r#""n":7,"new":[1,2,3]"#);
    let (result, events) = parse(&mut parser(), frame.as_bytes());
    assert_eq!(result, Ok(Channel::L2Book));
    let (_, expected) = parse(&mut parser(), &fixture("l2book_btc.json"));
    assert_eq!(events, expected);
}

#[test]
fn level_keys_in_another_order_parse_the_same() {
    let frame = String::from_utf8(fixture("l2book_btc.json")).expect("utf8").replace(
        r#"{"px":"97012.0","sz":"1.23456","n":7}"#,
        r#"{"n":7,"sz":"1.23456","px":"97012.0"}"#,
    );
    assert!(frame.contains(r#""n":7,"sz""#));
    let (_, expected) = parse(&mut parser(), &fixture("l2book_btc.json"));
    assert_eq!(parse(&mut parser(), frame.as_bytes()), (Ok(Channel::L2Book), expected));
}

#[test]
fn padded_parse_gives_the_same_events_and_leaves_the_padding_alone() {
    use hlmm::wire::feed::FRAME_PADDING;
    for name in JSON_FIXTURES {
        let frame = fixture(name);
        let (want, want_events) = parse(&mut parser(), &frame);
        let mut buf = frame.clone();
        buf.extend(std::iter::repeat_n(b'#', FRAME_PADDING));
        let mut events = Vec::new();
        let got = parser().parse_padded(&mut buf, frame.len(), &mut |e| events.push(e));
        assert_eq!((got, events), (want, want_events), "{name}");
        assert!(buf[frame.len()..].iter().all(|&b| b == b'#'), "{name}: padding changed");
    }
}

#[test]
fn padded_parse_without_enough_padding_is_rejected() {
    let frame = fixture("pong.json");
    let mut buf = frame.clone();
    let mut p = parser();
    assert_eq!(p.parse_padded(&mut buf, frame.len(), &mut |_| {}), Err(ParseError::Json));
    assert_eq!(p.counters().bad_frames[Channel::Unknown.index()], 1);
}
