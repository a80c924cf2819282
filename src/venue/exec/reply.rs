//! Venue replies → one [`CommandOutcome`] per action element (`fault-cases.md`, ground rules).
//!
//! Pure: the transport hands over what happened to one action ([`Reply`]) and this module
//! decides every element's outcome. Runs on the exec thread; parses with `serde_json` trees
//! (the reply is small and this is after the network round trip, not on the quote path).
//!
//! | what came back | outcome of every element |
//! |---|---|
//! | `{"status":"ok"}` with statuses | per element: `resting`/`filled`/`success`/`waiting…` → `Accepted`, `{"error":…}` → `Rejected(class)` |
//! | `{"status":"err","response":msg}` | `Rejected(class of msg)` for every element |
//! | HTTP 429 | `Rejected(RateLimited)`: definitive, never retried blindly |
//! | HTTP 4xx (422 included) | `Rejected(class of the body)` (`Malformed` for 422) |
//! | HTTP 5xx, timeout after send, socket closed before the reply, unparsable body, a missing status | `Ambiguous` |
//! | failure before any byte left | `NotSent` |

use serde_json::Value;

use crate::core::outcome::{
    Accepted, AcceptedStatus, AmbiguousReason, CommandOutcome, NotSentReason, RejectReason,
};
use crate::types::{InstrumentSpec, Oid, Px, Sz};

/// What happened to one sent action, as the transport saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// HTTP 200 (or a WS `post` reply of type `action`): the venue's JSON body.
    Body(Vec<u8>),
    /// A non-200 HTTP status with its body text (a WS `post` error `"<status> <text>"` is mapped
    /// to this too when it starts with a status).
    Http {
        /// The status code.
        status: u16,
        /// The body text.
        text: String,
    },
    /// A WS `post` reply of type `error`, or an `error` frame naming the post, without a status.
    PostError(String),
    /// Nothing left the process.
    NotSent(NotSentReason),
    /// Sent; the answer is unknown.
    Ambiguous(AmbiguousReason),
}

/// What one element of an action is, for reading its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementKind {
    /// An order placement.
    Order,
    /// A `batchModify` element.
    Modify,
    /// A cancel.
    Cancel,
}

/// One element's result: the outcome and, for a rejected modify, whether the venue says the
/// old leg was cancelled anyway.
pub type ElementOutcome = (CommandOutcome, bool);

/// The outcome of every element of one action, in element order, pushed into `out`.
/// `specs[i]` is element `i`'s instrument (for reading prices and the `bbo` of ALO rejects).
pub fn outcomes(
    kind: ElementKind,
    specs: &[InstrumentSpec],
    reply: &Reply,
    out: &mut Vec<ElementOutcome>,
) {
    let n = specs.len();
    let all = |out: &mut Vec<ElementOutcome>, o: CommandOutcome| {
        out.extend(std::iter::repeat_n((o, false), n));
    };
    match reply {
        Reply::NotSent(r) => all(out, CommandOutcome::NotSent(*r)),
        Reply::Ambiguous(r) => all(out, CommandOutcome::Ambiguous(*r)),
        Reply::Http { status, text } => all(out, http_outcome(*status, text)),
        Reply::PostError(text) => match split_status(text) {
            Some((status, rest)) => all(out, http_outcome(status, rest)),
            None => whole_action_error(kind, specs, text, out),
        },
        Reply::Body(body) => body_outcomes(kind, specs, body, out),
    }
}

/// The outcome of a non-200 HTTP status.
fn http_outcome(status: u16, text: &str) -> CommandOutcome {
    match status {
        429 => CommandOutcome::Rejected(RejectReason::RateLimited),
        422 => CommandOutcome::Rejected(RejectReason::Malformed),
        400..=499 => CommandOutcome::Rejected(RejectReason::from_venue_message(text)),
        // 5xx, and anything else unexpected: the venue may have acted.
        _ => CommandOutcome::Ambiguous(AmbiguousReason::ServerError),
    }
}

/// `"429 error"` → `(429, "error")`; `None` without a leading 3-digit status.
fn split_status(text: &str) -> Option<(u16, &str)> {
    let head = text.get(..3)?;
    let status: u16 = head.parse().ok()?;
    if !(100..=599).contains(&status) || text.as_bytes().get(3).is_some_and(|&b| b != b' ') {
        return None;
    }
    Some((status, text.get(4..).unwrap_or("")))
}

fn whole_action_error(
    kind: ElementKind,
    specs: &[InstrumentSpec],
    msg: &str,
    out: &mut Vec<ElementOutcome>,
) {
    for spec in specs {
        out.push(error_outcome(kind, spec, msg));
    }
}

fn error_outcome(kind: ElementKind, spec: &InstrumentSpec, msg: &str) -> ElementOutcome {
    if kind == ElementKind::Modify {
        let (reason, old_gone) = RejectReason::from_modify_message(msg, Some(spec));
        return (CommandOutcome::Rejected(reason), old_gone);
    }
    (CommandOutcome::Rejected(RejectReason::from_venue_message_with_spec(msg, spec)), false)
}

fn body_outcomes(
    kind: ElementKind,
    specs: &[InstrumentSpec],
    body: &[u8],
    out: &mut Vec<ElementOutcome>,
) {
    let unparsable = CommandOutcome::Ambiguous(AmbiguousReason::UnparsableReply);
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        out.extend(std::iter::repeat_n((unparsable, false), specs.len()));
        return;
    };
    match v.get("status").and_then(Value::as_str) {
        Some("err") => {
            let msg = v.get("response").and_then(Value::as_str).unwrap_or("");
            whole_action_error(kind, specs, msg, out);
        }
        Some("ok") => {
            let statuses = v
                .pointer("/response/data/statuses")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            for (i, spec) in specs.iter().enumerate() {
                let o = statuses
                    .get(i)
                    .and_then(|s| status_outcome(kind, spec, s))
                    .unwrap_or((unparsable, false));
                out.push(o);
            }
        }
        _ => out.extend(std::iter::repeat_n((unparsable, false), specs.len())),
    }
}

/// One element's status; `None` if it has an unknown shape.
fn status_outcome(kind: ElementKind, spec: &InstrumentSpec, s: &Value) -> Option<ElementOutcome> {
    let accepted = |oid: Option<Oid>, status| {
        Some((CommandOutcome::Accepted(Accepted { oid, status }), false))
    };
    if let Some(text) = s.as_str() {
        return match text {
            "success" => accepted(None, AcceptedStatus::Canceled),
            "waitingForFill" => accepted(None, AcceptedStatus::WaitingForFill),
            "waitingForTrigger" => accepted(None, AcceptedStatus::WaitingForTrigger),
            _ => None,
        };
    }
    if let Some(msg) = s.get("error").and_then(Value::as_str) {
        return Some(error_outcome(kind, spec, msg));
    }
    if let Some(r) = s.get("resting") {
        let oid = r.get("oid").and_then(Value::as_u64).map(Oid);
        return accepted(oid, AcceptedStatus::Resting);
    }
    if let Some(f) = s.get("filled") {
        let oid = f.get("oid").and_then(Value::as_u64).map(Oid);
        let num = |key: &str| f.get(key).and_then(Value::as_str).map(str::as_bytes);
        let total_sz = num("totalSz").and_then(|t| spec.parse_sz(t).ok()).unwrap_or(Sz(0));
        // The average price may be off the price grid (more decimals than a tick): then it is
        // not representable in ticks and is reported as 0; the fill stream has exact prices.
        let avg_px = num("avgPx").and_then(|t| spec.parse_px(t).ok()).unwrap_or(Px(0));
        return accepted(oid, AcceptedStatus::Filled { total_sz, avg_px });
    }
    None
}

/// A nonce refusal, read from a whole-action error: the floor the signer's counter must move
/// above so its next action is not refused the same way (hyperliquid.md §7). `None` for every
/// other reply, and for `nonce too high` (our clock is over a day ahead of the venue's: moving
/// the counter cannot fix that, the action stays `Rejected(Nonce)`).
///
/// | venue text | floor |
/// |---|---|
/// | `Invalid nonce: nonce too low N < M` (M: the smallest of the 100 kept, or the 2-day window) | M |
/// | `Invalid nonce: duplicate nonce N` (another client signs with this key) | N |
pub fn nonce_floor(reply: &Reply) -> Option<u64> {
    let text = match reply {
        Reply::Body(bytes) => std::str::from_utf8(bytes).ok()?,
        Reply::Http { text, .. } | Reply::PostError(text) => text.as_str(),
        Reply::NotSent(_) | Reply::Ambiguous(_) => return None,
    };
    const PREFIX: &str = "Invalid nonce: ";
    let rest = &text[text.find(PREFIX)? + PREFIX.len()..];
    let number = if let Some(r) = rest.strip_prefix("nonce too low ") {
        r.split_once(" < ")?.1
    } else {
        rest.strip_prefix("duplicate nonce ")?
    };
    let digits = number.bytes().take_while(u8::is_ascii_digit).count();
    number[..digits].parse().ok()
}

#[cfg(test)]
mod tests {
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
            CommandOutcome::Accepted(Accepted {
                oid: Some(Oid(77)),
                status: AcceptedStatus::Resting
            })
        );
        let CommandOutcome::Accepted(Accepted {
            oid,
            status: AcceptedStatus::Filled { total_sz, .. },
        }) = out[1].0
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
            (
                "ws post 429",
                Reply::PostError("429 error".into()),
                rejected(RejectReason::RateLimited),
            ),
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
        assert_eq!(
            out[1],
            (CommandOutcome::Rejected(RejectReason::ModifyOfCanceledOrFilled), true)
        );
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
            (
                "too high: the counter cannot fix it",
                err("Invalid nonce: nonce too high 9 > 8"),
                None,
            ),
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
}
