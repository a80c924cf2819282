//! The tape layout: what is written is read back, and damage is named.

use super::*;

fn book(asset: u32, t: u64) -> FeedEvent {
    let mut b = BookSnapshot { asset: AssetId(asset), time: Nanos(t), ..Default::default() };
    let _ = b.bids.push(Level { px: Px(999), sz: Sz(5), n: 2 });
    let _ = b.bids.push(Level { px: Px(998), sz: Sz(7), n: 1 });
    let _ = b.asks.push(Level { px: Px(1_001), sz: Sz(3), n: 1 });
    FeedEvent::Book(b)
}

fn trade(asset: u32, t: u64, side: Side) -> FeedEvent {
    let mut batch = TradeBatch::default();
    let _ = batch.push(Trade {
        asset: AssetId(asset),
        side,
        px: Px(1_001),
        sz: Sz(2),
        time: Nanos(t),
        tid: Tid(77),
    });
    FeedEvent::Trades(batch)
}

fn meta() -> TapeMeta {
    TapeMeta {
        version: TAPE_VERSION,
        source: "test".to_owned(),
        coins: vec![TapeCoin { name: "BTC".to_owned(), asset: 0, sz_decimals: 5 }],
    }
}

fn written(events: &[(u64, FeedEvent)]) -> (std::path::PathBuf, Vec<u8>) {
    let dir =
        std::env::temp_dir().join(format!("hlmm-tape-{}-{}", std::process::id(), events.len()));
    let mut w = TapeWriter::create(&dir, &meta()).expect("create");
    for (t, ev) in events {
        w.write(Nanos(*t), ev).expect("write");
    }
    w.finish().expect("finish");
    let bytes = std::fs::read(dir.join("feed.tape")).expect("bytes");
    (dir, bytes)
}

#[test]
fn books_and_trades_read_back_as_written() {
    let events = [(10, book(0, 10)), (20, trade(0, 20, Side::Ask)), (30, book(0, 30))];
    let (dir, _) = written(&events);
    let tape = Tape::read(&dir).expect("read");
    assert_eq!(tape.meta, meta());
    let read: Vec<_> = tape.events.iter().map(|(t, e)| (t.0, *e)).collect();
    assert_eq!(read, events.to_vec());
}

#[test]
fn a_truncated_last_record_ends_the_tape() {
    let (_, bytes) = written(&[(10, book(0, 10)), (20, book(0, 20))]);
    let cut = &bytes[..bytes.len() - 7];
    let events = parse(cut).expect("a cut tape still reads");
    assert_eq!(events.len(), 1);
}

#[test]
fn damage_is_named_with_its_offset() {
    let (_, bytes) = written(&[(10, book(0, 10))]);
    let e = parse(b"NOTATAPE\x01\x00").expect_err("magic");
    assert!(e.to_string().contains("magic"), "{e}");
    let mut bad_kind = bytes.clone();
    bad_kind[10 + 8] = 9;
    let e = parse(&bad_kind).expect_err("kind");
    assert!(e.to_string().contains("byte 10") && e.to_string().contains("kind"), "{e}");
    let mut bad_version = bytes;
    bad_version[8] = 2;
    assert!(parse(&bad_version).is_err());
}
