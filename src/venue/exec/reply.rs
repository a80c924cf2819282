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

use crate::types::outcome::{
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
mod tests;
