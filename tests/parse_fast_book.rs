//! The `l2Book` fast path (simd-json stage 1 + a walk over the structural indexes) gives
//! exactly what the general tape path gives: the same result, the same events, the same
//! counters, for well-formed books, books in unusual layouts and damaged frames alike.

mod parse_support;

use hlmm::types::events::{Channel, FeedEvent};
use hlmm::wire::{FeedCounters, FeedParser, ParseError};
use parse_support::{fixture, parser};
use proptest::prelude::*;

type Outcome = (Result<Channel, ParseError>, Vec<FeedEvent>, FeedCounters);
/// One way to parse a frame, collecting its events.
type ParseWith<'a> =
    dyn Fn(&mut FeedParser, &mut Vec<FeedEvent>) -> Result<Channel, ParseError> + 'a;

/// `frame` through `parse` (fast path allowed), `parse_padded`, and `parse_via_tape`, each on
/// a fresh parser.
fn three_ways(frame: &[u8]) -> [Outcome; 3] {
    let run = |f: &ParseWith<'_>| {
        let mut p = parser();
        let mut events = Vec::new();
        let result = f(&mut p, &mut events);
        (result, events, *p.counters())
    };
    let fast = run(&|p, ev| p.parse(&mut frame.to_vec(), &mut |e| ev.push(e)));
    let padded = run(&|p, ev| {
        let mut buf = frame.to_vec();
        buf.resize(frame.len() + hlmm::wire::feed::FRAME_PADDING, b'x');
        p.parse_padded(&mut buf, frame.len(), &mut |e| ev.push(e))
    });
    let tape = run(&|p, ev| p.parse_via_tape(&mut frame.to_vec(), &mut |e| ev.push(e)));
    [fast, padded, tape]
}

fn assert_same(name: &str, frame: &[u8]) -> Outcome {
    let [fast, padded, tape] = three_ways(frame);
    assert_eq!(fast, tape, "{name}: parse vs parse_via_tape");
    assert_eq!(padded, tape, "{name}: parse_padded vs parse_via_tape");
    tape
}

fn book_20() -> String {
    String::from_utf8(fixture("l2book_btc_20.json")).expect("utf-8 fixture")
}

#[test]
fn fixtures_parse_the_same_both_ways() {
    for name in ["l2book_btc.json", "l2book_btc_20.json", "l2book_eth_no_asks.json"] {
        let (result, events, _) = assert_same(name, &fixture(name));
        assert_eq!(result, Ok(Channel::L2Book), "{name}");
        assert_eq!(events.len(), 1, "{name}");
    }
}

#[test]
fn unusual_but_valid_and_invalid_books_agree() {
    let base = book_20();
    let first_level = r#"{"px":"97012.0","sz":"0.00001","n":1}"#;
    assert!(base.contains(first_level), "fixture changed");
    let cases: Vec<(&str, String)> = vec![
        ("pretty printed", base.replace(',', ", ").replace(':', ": ")),
        ("whitespace before the end", base.replace("]]}}", "]] } } ")),
        ("leading whitespace", format!(" \n{base}")),
        (
            "data keys reordered",
            base.replacen(
                r#""coin":"BTC","time":1767225601234,"#,
                r#""time":1767225601234,"coin":"BTC","#,
                1,
            ),
        ),
        (
            "extra data field",
            base.replacen(r#""coin":"BTC","#, r#""coin":"BTC","spread":"1.0","#, 1),
        ),
        (
            "level keys reordered",
            base.replacen(first_level, r#"{"sz":"0.00001","px":"97012.0","n":1}"#, 1),
        ),
        (
            "extra level field",
            base.replacen(first_level, r#"{"px":"97012.0","sz":"0.00001","n":1,"x":null}"#, 1),
        ),
        ("escaped coin", base.replacen(r#""coin":"BTC""#, r#""coin":"BT\u0043""#, 1)),
        ("escaped price", base.replacen(r#""px":"97012.0""#, r#""px":"9701\u0032.0""#, 1)),
        ("escaped key", base.replacen(r#""px":"97012.0""#, r#""p\u0078":"97012.0""#, 1)),
        ("unknown coin", base.replacen(r#""coin":"BTC""#, r#""coin":"DOGE""#, 1)),
        ("number price", base.replacen(r#""px":"97012.0""#, r#""px":97012.0"#, 1)),
        ("too precise price", base.replacen(r#""px":"97012.0""#, r#""px":"97012.05""#, 1)),
        ("negative size", base.replacen(r#""sz":"0.00001""#, r#""sz":"-0.00001""#, 1)),
        ("n above u32", base.replacen(r#""n":1}"#, r#""n":4294967296}"#, 1)),
        ("n negative", base.replacen(r#""n":1}"#, r#""n":-1}"#, 1)),
        ("n float", base.replacen(r#""n":1}"#, r#""n":1.0}"#, 1)),
        ("n leading zero", base.replacen(r#""n":1}"#, r#""n":01}"#, 1)),
        ("n string", base.replacen(r#""n":1}"#, r#""n":"1"}"#, 1)),
        ("n null", base.replacen(r#""n":1}"#, r#""n":null}"#, 1)),
        ("n true", base.replacen(r#""n":1}"#, r#""n":true}"#, 1)),
        ("time above u64", base.replacen("1767225601234", "18446744073709551616", 1)),
        ("time max u64", base.replacen("1767225601234", "18446744073709551615", 1)),
        ("time zero", base.replacen("1767225601234", "0", 1)),
        ("time negative", base.replacen("1767225601234", "-1", 1)),
        ("21 bids", base.replacen(first_level, &format!("{first_level},{first_level}"), 1)),
        ("empty bids", {
            let start = base.find("[[").expect("levels") + 1;
            let end = base.find("],[").expect("asks");
            format!("{}[{}", &base[..start], &base[end..])
        }),
        ("one side", {
            let end = base.find("],[").expect("asks");
            format!("{}]]}}}}", &base[..end])
        }),
        ("three sides", base.replacen("]]}}", "],[]]}}", 1)),
        ("levels not an array", base.replacen(r#""levels":[["#, r#""levels":{"a":["#, 1)),
        ("trailing garbage", format!("{base}x")),
        ("two frames", format!("{base}{base}")),
        ("trailing comma", base.replacen("]]}}", "],]}}", 1)),
        ("missing colon", base.replacen(r#""n":1}"#, r#""n"1}"#, 1)),
        ("missing comma", base.replacen(r#"","n""#, r#"" "n""#, 1)),
        ("unclosed string", base.replacen(r#""px":"97012.0""#, r#""px":"97012.0"#, 1)),
        ("control byte in string", base.replacen("97012.0", "97012\t0", 1)),
        ("non-ascii coin", base.replacen("BTC", "B\u{fffd}C", 1)),
        ("duplicate coin", base.replacen(r#""coin":"BTC","#, r#""coin":"ETH","coin":"BTC","#, 1)),
        ("channel only", r#"{"channel":"l2Book","data":null}"#.to_owned()),
        ("channel and nothing", r#"{"channel":"l2Book","#.to_owned()),
        ("channel, then another data", base.replacen(r#""data":"#, r#""data":1,"data":"#, 1)),
    ];
    let (_, want, _) = assert_same("base", base.as_bytes());
    // Layouts the fast path leaves to the tape path but that describe the same book.
    let same_book = [
        "pretty printed",
        "whitespace before the end",
        "leading whitespace",
        "data keys reordered",
        "extra data field",
        "level keys reordered",
        "extra level field",
        "escaped coin",
        "escaped price",
        "escaped key",
    ];
    for (name, frame) in &cases {
        let (result, events, _) = assert_same(name, frame.as_bytes());
        if same_book.contains(name) {
            assert_eq!((result, &events), (Ok(Channel::L2Book), &want), "{name}");
        }
    }
    // Raw bytes that are not UTF-8.
    let mut bad = base.clone().into_bytes();
    let at = base.find("BTC").expect("coin") + 1;
    bad[at] = 0xff;
    let (result, events, _) = assert_same("invalid utf-8", &bad);
    assert_eq!((result, events.len()), (Err(ParseError::Json), 0));
    // Every truncation (the fixture ends with a newline).
    for len in 0..base.trim_end().len() {
        let (result, _, _) = assert_same(&format!("truncated to {len}"), &base.as_bytes()[..len]);
        assert!(result.is_err(), "truncated to {len}");
    }
}

fn damage() -> impl Strategy<Value = (usize, u8, u8)> {
    // (position, byte, kind: 0 set, 1 delete, 2 insert); bytes biased towards JSON syntax.
    let byte = prop_oneof![
        any::<u8>(),
        prop::sample::select(b"{}[]\",:-.0123456789eE \\nulltruefalse".to_vec()),
    ];
    (any::<usize>(), byte, 0u8..3)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    #[test]
    fn damaged_books_agree_both_ways(
        which in 0..3usize,
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let name = ["l2book_btc.json", "l2book_btc_20.json", "l2book_eth_no_asks.json"][which];
        let mut frame = fixture(name);
        for &(pos, byte, kind) in &damages {
            if frame.is_empty() {
                break;
            }
            let at = pos % frame.len();
            match kind {
                0 => frame[at] = byte,
                1 => {
                    frame.remove(at);
                }
                _ => frame.insert(at, byte),
            }
        }
        let [fast, padded, tape] = three_ways(&frame);
        prop_assert_eq!(&fast, &tape);
        prop_assert_eq!(&padded, &tape);
        if tape.0.is_err() {
            prop_assert!(tape.1.is_empty());
        }
    }
}
