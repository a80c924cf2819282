use super::*;
use crate::types::{AssetId, Coin};

fn spec() -> InstrumentSpec {
    InstrumentSpec::perp(AssetId(0), Coin::new(b"BTC").expect("coin"), 5)
}

fn run(kind: ElementKind, n: usize, reply: Reply) -> Vec<ElementOutcome> {
    let specs = vec![spec(); n];
    let mut out = Vec::new();
    outcomes(kind, &specs, &reply, &mut out);
    assert_eq!(out.len(), n, "exactly one outcome per element");
    out
}

fn body(s: &str) -> Reply {
    Reply::Body(s.as_bytes().to_vec())
}

fn rejected(r: RejectReason) -> ElementOutcome {
    (CommandOutcome::Rejected(r), false)
}

fn ambiguous(r: AmbiguousReason) -> ElementOutcome {
    (CommandOutcome::Ambiguous(r), false)
}

#[test]
fn per_order_statuses_map_to_one_outcome_each() {
    let out = run(
        ElementKind::Order,
        4,
        body(
            r#"{"status":"ok","response":{"type":"order","data":{"statuses":[
                {"resting":{"oid":77}},
                {"filled":{"totalSz":"0.02","avgPx":"100000.0","oid":78}},
                {"error":"Post only order would have immediately matched, bbo was 99999@100001."},
                {"error":"Order must have minimum value of $10. asset=0"}]}}}"#,
        ),
    );
    assert_eq!(
        out[0].0,
        CommandOutcome::Accepted(Accepted { oid: Some(Oid(77)), status: AcceptedStatus::Resting })
    );
    let CommandOutcome::Accepted(Accepted { oid, status: AcceptedStatus::Filled { total_sz, .. } }) =
        out[1].0
    else {
        panic!("filled: {:?}", out[1]);
    };
    assert_eq!((oid, total_sz), (Some(Oid(78)), Sz(2_000)));
    assert!(matches!(
        out[2].0,
        CommandOutcome::Rejected(RejectReason::AloWouldCross { bbo: Some(_) })
    ));
    assert_eq!(out[3], rejected(RejectReason::MinNotional));
}

#[test]
fn replies_and_their_absence_map_per_the_table() {
    let table: Vec<(&str, Reply, ElementOutcome)> = vec![
        (
            "whole-action err applies to every element",
            body(r#"{"status":"err","response":"Invalid nonce: duplicate nonce 5"}"#),
            rejected(RejectReason::Nonce),
        ),
        (
            "address budget",
            body(
                r#"{"status":"err","response":"Too many cumulative requests sent (10001 > 10000) for cumulative volume traded $0."}"#,
            ),
            rejected(RejectReason::RateLimited),
        ),
        (
            "http 429",
            Reply::Http { status: 429, text: String::new() },
            rejected(RejectReason::RateLimited),
        ),
        (
            "http 422",
            Reply::Http {
                status: 422,
                text: "Failed to deserialize the JSON body into the target type".into(),
            },
            rejected(RejectReason::Malformed),
        ),
        (
            "http 500",
            Reply::Http { status: 500, text: String::new() },
            ambiguous(AmbiguousReason::ServerError),
        ),
        (
            "http 504",
            Reply::Http { status: 504, text: String::new() },
            ambiguous(AmbiguousReason::ServerError),
        ),
        ("ws post 429", Reply::PostError("429 error".into()), rejected(RejectReason::RateLimited)),
        (
            "ws post 502",
            Reply::PostError("502 error".into()),
            ambiguous(AmbiguousReason::ServerError),
        ),
        (
            "ws too many pending posts",
            Reply::PostError("too many pending post requests id=4".into()),
            rejected(RejectReason::Other),
        ),
        ("unparsable body", body("<html>"), ambiguous(AmbiguousReason::UnparsableReply)),
        (
            "ok without statuses",
            body(r#"{"status":"ok"}"#),
            ambiguous(AmbiguousReason::UnparsableReply),
        ),
        (
            "timeout",
            Reply::Ambiguous(AmbiguousReason::Timeout),
            ambiguous(AmbiguousReason::Timeout),
        ),
        (
            "socket closed before the reply",
            Reply::Ambiguous(AmbiguousReason::ConnectionLost),
            ambiguous(AmbiguousReason::ConnectionLost),
        ),
        (
            "nothing left the process",
            Reply::NotSent(NotSentReason::NoConnection),
            (CommandOutcome::NotSent(NotSentReason::NoConnection), false),
        ),
    ];
    for (name, reply, want) in table {
        let out = run(ElementKind::Order, 3, reply);
        assert!(out.iter().all(|o| *o == want), "{name}: {out:?}");
    }
}

#[test]
fn cancels_succeed_or_report_the_normal_race() {
    let out = run(
        ElementKind::Cancel,
        2,
        body(
            r#"{"status":"ok","response":{"type":"cancel","data":{"statuses":["success",
                {"error":"Order was never placed, already canceled, or filled. asset=0"}]}}}"#,
        ),
    );
    assert_eq!(
        out[0].0,
        CommandOutcome::Accepted(Accepted { oid: None, status: AcceptedStatus::Canceled })
    );
    assert_eq!(out[1], rejected(RejectReason::CancelUnknownOrder));
}

#[test]
fn a_modify_whose_new_leg_failed_says_the_old_leg_is_gone() {
    let out = run(
        ElementKind::Modify,
        2,
        body(
            r#"{"status":"ok","response":{"type":"order","data":{"statuses":[
                {"error":"Error placing new order during modify: Insufficient margin to place order."},
                {"error":"Cannot modify canceled or filled order"}]}}}"#,
        ),
    );
    assert_eq!(out[0], (CommandOutcome::Rejected(RejectReason::Margin), true));
    assert_eq!(out[1], (CommandOutcome::Rejected(RejectReason::ModifyOfCanceledOrFilled), true));
}

#[test]
fn a_short_status_list_leaves_the_missing_elements_ambiguous() {
    let out = run(
        ElementKind::Order,
        2,
        body(
            r#"{"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":1}}]}}}"#,
        ),
    );
    assert!(matches!(out[0].0, CommandOutcome::Accepted(_)));
    assert_eq!(out[1], ambiguous(AmbiguousReason::UnparsableReply));
}

#[test]
fn nonce_refusals_give_the_floor_to_move_above() {
    let err = |msg: &str| body(&format!(r#"{{"status":"err","response":"{msg}"}}"#));
    let table: Vec<(&str, Reply, Option<u64>)> = vec![
        (
            "too low against the kept set",
            err("Invalid nonce: nonce too low 1700000000000 < 1700000060000"),
            Some(1_700_000_060_000),
        ),
        ("duplicate", err("Invalid nonce: duplicate nonce 42"), Some(42)),
        ("too high: the counter cannot fix it", err("Invalid nonce: nonce too high 9 > 8"), None),
        (
            "over the post socket",
            Reply::PostError("Invalid nonce: duplicate nonce 7".into()),
            Some(7),
        ),
        ("another error", err("Order has invalid price."), None),
        ("a malformed number", err("Invalid nonce: nonce too low 5 < x"), None),
        ("accepted", body(r#"{"status":"ok","response":{"type":"default"}}"#), None),
        ("ambiguous", Reply::Ambiguous(AmbiguousReason::Timeout), None),
    ];
    for (name, reply, want) in table {
        assert_eq!(nonce_floor(&reply), want, "{name}");
    }
}
