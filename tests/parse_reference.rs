//! The serde_json baseline of the parse bench produces the identical `BookSnapshot`, so the
//! bench compares like with like.

mod parse_support;

use hlmm::types::events::FeedEvent;
use hlmm::wire::reference::{parse_l2_book, parse_l2_book_inline, ReferenceError};
use hlmm::wire::InstrumentTable;
use parse_support::{fixture, instruments, parse, parser};

#[test]
fn serde_reference_books_equal_the_feed_parser_books() {
    let table = InstrumentTable::new(&instruments());
    for name in ["l2book_btc.json", "l2book_btc_20.json", "l2book_eth_no_asks.json"] {
        let frame = fixture(name);
        let (_, events) = parse(&mut parser(), &frame);
        let [FeedEvent::Book(book)] = events.as_slice() else { panic!("{name}: {events:?}") };
        assert_eq!(parse_l2_book(&frame, &table), Ok(*book), "{name}: Vec variant");
        assert_eq!(parse_l2_book_inline(&frame, &table), Ok(*book), "{name}: inline variant");
    }
}

#[test]
fn serde_reference_rejects_what_the_feed_parser_rejects() {
    let table = InstrumentTable::new(&instruments());
    let text = String::from_utf8(fixture("l2book_btc.json")).expect("utf8");
    let too_precise = text.replacen(r#""px":"97012.0""#, r#""px":"97012.05""#, 1);
    assert!(matches!(
        parse_l2_book(too_precise.as_bytes(), &table),
        Err(ReferenceError::BadNumber(_))
    ));
    let level = r#"{"px":"97012.0","sz":"1.0","n":1}"#;
    let deep = format!(
        r#"{{"channel":"l2Book","data":{{"coin":"BTC","time":1,"levels":[[{}],[]]}}}}"#,
        vec![level; 21].join(",")
    );
    assert_eq!(parse_l2_book(deep.as_bytes(), &table), Err(ReferenceError::TooManyLevels));
    assert_eq!(parse_l2_book_inline(deep.as_bytes(), &table), Err(ReferenceError::Json));
}
