//! Command outcomes: what the exec thread reports back for every command.
//!
//! Every `Place`, `Modify` and `Cancel` ends in exactly one [`OutcomeEvent`] (`fault-cases.md`,
//! ground rules). Only the exec thread produces them; only the core interprets them. The venue's
//! reject strings are classified here, by prefix ([`RejectReason::from_venue_message`]), so that
//! the rest of the engine matches on an enum, never on text. All types are small and `Copy`.

use crate::commands::CommandKind;
use crate::{AssetId, Cloid, InstrumentSpec, Oid, Px, Sz};

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandOutcome {
    /// The venue acted on it (`resting` / `filled` / cancel `success`).
    Accepted(Accepted),
    /// The venue refused it, definitively: nothing happened (but see
    /// [`OutcomeEvent::modify_old_leg_canceled`]). Terminal.
    Rejected(RejectReason),
    /// It failed before any byte left: nothing can have landed.
    NotSent(NotSentReason),
    /// It may or may not have landed. Never terminal locally: the order stays in flight until an
    /// order update, a fill, `orderStatus` by cloid or reconciliation resolves it.
    Ambiguous(AmbiguousReason),
}

/// The venue accepted a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// The venue's order id, when the reply carries one (`resting`, `filled`).
    pub oid: Option<Oid>,
    /// What the venue did.
    pub status: AcceptedStatus,
}

/// The per-order status of an accepted command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptedStatus {
    /// The order rests on the book.
    Resting,
    /// The order filled completely on arrival.
    Filled {
        /// Total filled size, in lots.
        total_sz: Sz,
        /// Average fill price, in ticks (may be off the price grid).
        avg_px: Px,
    },
    /// A cancel succeeded (`"success"`).
    Canceled,
    /// `"waitingForFill"`: accepted, state not yet known.
    WaitingForFill,
    /// `"waitingForTrigger"`: a trigger order waits for its trigger.
    WaitingForTrigger,
}

/// Why the venue refused a command. Parsed from its message by prefix
/// ([`Self::from_venue_message`]); HTTP-level failures are set by the exec thread directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// `Price must be divisible by tick size.` / `Order has invalid price.`: our rounding or
    /// metadata is wrong.
    Tick,
    /// Size not a multiple of the lot: our metadata is wrong.
    LotSize,
    /// `Order must have minimum value of $10.` (or `… 10 {quote}.` on spot).
    MinNotional,
    /// `Insufficient margin to place order.`
    Margin,
    /// `Reduce only order would increase position.`
    ReduceOnly,
    /// `Post only order would have immediately matched, bbo was {bid}@{ask}.`: normal for
    /// post-only quoting; reprice from the bbo.
    AloWouldCross {
        /// The venue's best bid and ask from the message, in ticks, if they parsed.
        bbo: Option<(Px, Px)>,
    },
    /// `Order could not immediately match against any resting orders.` (IOC).
    IocNoMatch,
    /// `Invalid TP/SL price.`
    BadTriggerPx,
    /// `No liquidity available for market order.`
    NoLiquidity,
    /// Address budget (`Too many cumulative requests sent …`) or HTTP 429.
    RateLimited,
    /// The venue refuses this kind of order during maintenance (set by exec; no string known).
    Maintenance,
    /// One of the open-interest-cap messages.
    OpenInterestCap,
    /// `Order price too far from oracle`.
    OracleTooFar,
    /// `Order would cause position to exceed margin tier limit at current leverage`.
    MaxPosition,
    /// `Order was never placed, already canceled, or filled.`: a cancel of an order that is not
    /// resting. Normal after a fill or a racing cancel.
    CancelUnknownOrder,
    /// `Invalid nonce: …` (duplicate, too low, too high): whole action.
    Nonce,
    /// `Action already expired…`: `expiresAfter` passed before the venue saw it.
    Expired,
    /// The signature recovered to an address the venue does not know (`User or API Wallet …
    /// does not exist.`), or a signing mismatch.
    Signature,
    /// `Cannot modify canceled or filled order`: the old leg is already gone.
    ModifyOfCanceledOrFilled,
    /// `Cannot set scheduled cancel time until enough volume traded. …`
    ScheduleCancelNotAllowed,
    /// HTTP 422 `Failed to deserialize the JSON body into the target type`: our encoding.
    Malformed,
    /// Anything else.
    Other,
}

/// Venue message prefixes and their reasons, checked in order. Replies may append
/// ` asset=<id>` or other detail, hence prefixes (`hyperliquid.md` §4).
const PREFIXES: &[(&str, RejectReason)] = &[
    ("Price must be divisible by tick size", RejectReason::Tick),
    ("Order has invalid price", RejectReason::Tick),
    // Not in hyperliquid.md §4: the lot-size counterpart of `Order has invalid price.`
    // (uncertain; harmless if the venue never sends it).
    ("Order has invalid size", RejectReason::LotSize),
    ("Order must have minimum value of", RejectReason::MinNotional),
    ("Insufficient margin to place order", RejectReason::Margin),
    ("Reduce only order would increase position", RejectReason::ReduceOnly),
    ("Order could not immediately match against any resting orders", RejectReason::IocNoMatch),
    ("Invalid TP/SL price", RejectReason::BadTriggerPx),
    ("No liquidity available for market order", RejectReason::NoLiquidity),
    (
        "Order would increase open interest while open interest is capped",
        RejectReason::OpenInterestCap,
    ),
    (
        "Order rejected due to price more aggressive than oracle while at open interest cap",
        RejectReason::OpenInterestCap,
    ),
    ("Order would increase open interest too quickly", RejectReason::OpenInterestCap),
    ("Order price too far from oracle", RejectReason::OracleTooFar),
    (
        "Order would cause position to exceed margin tier limit at current leverage",
        RejectReason::MaxPosition,
    ),
    ("Order was never placed, already canceled, or filled", RejectReason::CancelUnknownOrder),
    ("Invalid nonce", RejectReason::Nonce),
    ("Too many cumulative requests sent", RejectReason::RateLimited),
    ("Action already expired", RejectReason::Expired),
    ("User or API Wallet", RejectReason::Signature),
    ("Cannot modify canceled or filled order", RejectReason::ModifyOfCanceledOrFilled),
    ("Cannot set scheduled cancel time", RejectReason::ScheduleCancelNotAllowed),
    ("Failed to deserialize the JSON body", RejectReason::Malformed),
];

const ALO_PREFIX: &str = "Post only order would have immediately matched";
const MODIFY_PLACE_PREFIX: &str = "Error placing new order during modify: ";

impl RejectReason {
    /// Classifies a venue error message by prefix. The `bbo` of an ALO reject is left `None`
    /// (prices need the instrument: [`Self::from_venue_message_with_spec`]). A modify's
    /// `Error placing new order during modify: <reason>` yields `<reason>`'s class; use
    /// [`Self::from_modify_message`] to also learn that the old leg is gone.
    pub fn from_venue_message(msg: &str) -> Self {
        Self::classify(msg, None)
    }

    /// As [`Self::from_venue_message`], and parses the `bbo` of an ALO reject with `spec`.
    pub fn from_venue_message_with_spec(msg: &str, spec: &InstrumentSpec) -> Self {
        Self::classify(msg, Some(spec))
    }

    /// Classifies the per-order message of a `batchModify` and says whether the old leg was
    /// already cancelled: `true` for `Error placing new order during modify: …` (the cancel leg
    /// happened, the new order failed) and for `Cannot modify canceled or filled order`.
    pub fn from_modify_message(msg: &str, spec: Option<&InstrumentSpec>) -> (Self, bool) {
        let msg = msg.trim_start();
        if let Some(inner) = msg.strip_prefix(MODIFY_PLACE_PREFIX) {
            return (Self::classify(inner, spec), true);
        }
        let reason = Self::classify(msg, spec);
        (reason, reason == Self::ModifyOfCanceledOrFilled)
    }

    fn classify(msg: &str, spec: Option<&InstrumentSpec>) -> Self {
        let msg = msg.trim_start();
        if let Some(inner) = msg.strip_prefix(MODIFY_PLACE_PREFIX) {
            return Self::classify(inner, spec);
        }
        if msg.starts_with(ALO_PREFIX) {
            return Self::AloWouldCross { bbo: spec.and_then(|s| parse_bbo(msg, s)) };
        }
        PREFIXES
            .iter()
            .find(|(prefix, _)| msg.starts_with(prefix))
            .map_or(Self::Other, |&(_, reason)| reason)
    }

    /// `true` if the condition is expected to clear by itself (market moved, budget refilled,
    /// maintenance over), so the same intent may succeed later without any change on our side.
    /// Never a reason to retry at once: rejects must not turn into a retry storm.
    pub const fn is_temporary(&self) -> bool {
        matches!(
            self,
            Self::AloWouldCross { .. }
                | Self::IocNoMatch
                | Self::NoLiquidity
                | Self::RateLimited
                | Self::Maintenance
                | Self::OpenInterestCap
                | Self::OracleTooFar
                | Self::Nonce
                | Self::Expired
        )
    }

    /// `true` if the reject means our own rounding, metadata, encoding or key is wrong: the
    /// coin must halt (and `meta` be refreshed) rather than keep sending the same mistake.
    pub const fn is_our_bug(&self) -> bool {
        matches!(
            self,
            Self::Tick | Self::LotSize | Self::MinNotional | Self::Signature | Self::Malformed
        )
    }

    /// `true` for the reasons that mean the position must only shrink (`fault-cases.md` §7:
    /// margin and max position → `Reducing`).
    pub const fn wants_reducing(&self) -> bool {
        matches!(self, Self::Margin | Self::MaxPosition)
    }
}

/// Parses `… bbo was <bid>@<ask>.` (optionally followed by ` asset=<id>`) into ticks.
fn parse_bbo(msg: &str, spec: &InstrumentSpec) -> Option<(Px, Px)> {
    let (_, rest) = msg.split_once("bbo was ")?;
    let token = rest.split_whitespace().next()?;
    let (bid, ask) = token.split_once('@')?;
    // The sentence's own full stop follows the ask: `100.6.` → `100.6`.
    let ask = ask.strip_suffix('.').unwrap_or(ask);
    let bid = spec.parse_px(bid.as_bytes()).ok()?;
    let ask = spec.parse_px(ask.as_bytes()).ok()?;
    Some((bid, ask))
}

/// Why a command never left the exec thread. Nothing can have landed, so the intent may be
/// retried (with a new nonce).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotSentReason {
    /// Signing failed (bad key, clock skew beyond the bound).
    Signing,
    /// The local token bucket or address budget refused it.
    Throttled,
    /// No transport was connected.
    NoConnection,
    /// An internal ring towards the sender was full.
    RingFull,
    /// Its deadline passed while it waited to be sent.
    Stale,
    /// The engine was halted or shutting down.
    Halted,
    /// Encoding the action failed.
    Encoding,
}

/// Why the exec thread cannot tell whether a command landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmbiguousReason {
    /// No reply within the timeout after sending.
    Timeout,
    /// The connection closed before the reply.
    ConnectionLost,
    /// HTTP 5xx after the request was sent.
    ServerError,
    /// A reply arrived but could not be parsed.
    UnparsableReply,
    /// A WebSocket `post` that never got its reply.
    NoPostReply,
}

/// One command's outcome, as it travels from exec back to the quote thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeEvent {
    /// The instrument.
    pub asset: AssetId,
    /// The command's cloid: for a `Place` the order's, for a `Cancel` the cancelled order's, for
    /// a `Modify` the **old** leg's (the command's `cloid` field; the order manager knows the
    /// new leg).
    pub cloid: Cloid,
    /// Which command this answers.
    pub command: CommandKind,
    /// How it ended.
    pub outcome: CommandOutcome,
    /// Only for a rejected `Modify`: `true` if the venue says the old leg was cancelled anyway
    /// (`Error placing new order during modify: …`), see [`RejectReason::from_modify_message`].
    /// `false` otherwise.
    pub modify_old_leg_canceled: bool,
}

impl OutcomeEvent {
    /// An outcome for `command` on `cloid` (with `modify_old_leg_canceled = false`).
    pub const fn new(
        asset: AssetId,
        cloid: Cloid,
        command: CommandKind,
        outcome: CommandOutcome,
    ) -> Self {
        Self { asset, cloid, command, outcome, modify_old_leg_canceled: false }
    }
}
