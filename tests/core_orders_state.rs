//! The order lifecycle table, edge by edge, and the venue's reject strings.

use hlmm::core::orders::{OrderEvent as E, OrderState as S};
use hlmm::types::outcome::RejectReason as R;
use hlmm::types::{AssetId, Coin, InstrumentSpec, Oid, Px};

const OID: Oid = Oid(7);
const OID2: Oid = Oid(8);

struct Case {
    name: &'static str,
    from: S,
    event: E,
    /// `None`: the table must refuse the pair.
    to: Option<S>,
}

fn fill(complete: bool) -> E {
    E::Fill { oid: OID, complete }
}

#[test]
fn every_listed_edge_of_the_order_lifecycle() {
    let open = S::Open { oid: OID };
    let cases = [
        // placement
        Case { name: "pending new, resting ack, so open with the oid", from: S::PendingNew, event: E::PlaceAccepted { oid: OID }, to: Some(open) },
        Case { name: "pending new, filled on arrival, so filled", from: S::PendingNew, event: E::PlaceFilled, to: Some(S::Filled) },
        Case { name: "pending new, rejected, so rejected with the reason", from: S::PendingNew, event: E::PlaceRejected(R::Tick), to: Some(S::Rejected(R::Tick)) },
        Case { name: "pending new, not sent, so never placed", from: S::PendingNew, event: E::PlaceNotSent, to: Some(S::NotPlaced) },
        Case { name: "pending new, ambiguous, so stays in flight as ambiguous", from: S::PendingNew, event: E::PlaceAmbiguous, to: Some(S::NewAmbiguous) },
        Case { name: "pending new, open update before the ack, so open awaiting the ack", from: S::PendingNew, event: E::VenueOpen { oid: OID }, to: Some(S::OpenPendingAck { oid: OID }) },
        Case { name: "pending new, partial fill before the ack, so open awaiting the ack", from: S::PendingNew, event: fill(false), to: Some(S::OpenPendingAck { oid: OID }) },
        Case { name: "pending new, complete fill before the ack, so filled", from: S::PendingNew, event: fill(true), to: Some(S::Filled) },
        Case { name: "pending new, filled update before the ack, so filled", from: S::PendingNew, event: E::VenueFilled, to: Some(S::Filled) },
        Case { name: "pending new, canceled update (ioc remainder), so canceled", from: S::PendingNew, event: E::VenueCanceled, to: Some(S::Canceled) },
        Case { name: "pending new, rejected update, so rejected", from: S::PendingNew, event: E::VenueRejected, to: Some(S::Rejected(R::Other)) },
        Case { name: "pending new, cancel sent, refused: one action in flight", from: S::PendingNew, event: E::CancelSent, to: None },
        Case { name: "pending new, modify sent, refused: one action in flight", from: S::PendingNew, event: E::ModifySent, to: None },
        // seen resting before the ack
        Case { name: "open awaiting the ack, resting ack, so open", from: S::OpenPendingAck { oid: OID }, event: E::PlaceAccepted { oid: OID }, to: Some(S::Open { oid: OID }) },
        Case { name: "open awaiting the ack, ambiguous outcome, so open: we saw it rest", from: S::OpenPendingAck { oid: OID }, event: E::PlaceAmbiguous, to: Some(S::Open { oid: OID }) },
        Case { name: "open awaiting the ack, partial fill, so still awaiting the ack", from: S::OpenPendingAck { oid: OID }, event: fill(false), to: Some(S::OpenPendingAck { oid: OID }) },
        Case { name: "open awaiting the ack, complete fill, so filled", from: S::OpenPendingAck { oid: OID }, event: fill(true), to: Some(S::Filled) },
        Case { name: "open awaiting the ack, filled on arrival per the ack, so filled", from: S::OpenPendingAck { oid: OID }, event: E::PlaceFilled, to: Some(S::Filled) },
        Case { name: "open awaiting the ack, canceled update, so canceled", from: S::OpenPendingAck { oid: OID }, event: E::VenueCanceled, to: Some(S::Canceled) },
        Case { name: "open awaiting the ack, place rejected, refused: contradiction", from: S::OpenPendingAck { oid: OID }, event: E::PlaceRejected(R::Tick), to: None },
        Case { name: "open awaiting the ack, cancel sent, refused: one action in flight", from: S::OpenPendingAck { oid: OID }, event: E::CancelSent, to: None },
        // ambiguous placement
        Case { name: "ambiguous new, open update, so open", from: S::NewAmbiguous, event: E::VenueOpen { oid: OID }, to: Some(open) },
        Case { name: "ambiguous new, partial fill, so it landed and rests", from: S::NewAmbiguous, event: fill(false), to: Some(open) },
        Case { name: "ambiguous new, complete fill, so filled", from: S::NewAmbiguous, event: fill(true), to: Some(S::Filled) },
        Case { name: "ambiguous new, filled update, so filled", from: S::NewAmbiguous, event: E::VenueFilled, to: Some(S::Filled) },
        Case { name: "ambiguous new, canceled update, so canceled", from: S::NewAmbiguous, event: E::VenueCanceled, to: Some(S::Canceled) },
        Case { name: "ambiguous new, rejected update, so rejected", from: S::NewAmbiguous, event: E::VenueRejected, to: Some(S::Rejected(R::Other)) },
        Case { name: "ambiguous new, expiry passed with unknown oid, so never placed", from: S::NewAmbiguous, event: E::NeverLanded, to: Some(S::NotPlaced) },
        Case { name: "ambiguous new, cancel by cloid sent, so pending cancel without oid", from: S::NewAmbiguous, event: E::CancelSent, to: Some(S::PendingCancel { oid: None }) },
        Case { name: "ambiguous new, a second place outcome, refused", from: S::NewAmbiguous, event: E::PlaceAccepted { oid: OID }, to: None },
        // open
        Case { name: "open, cancel sent, so pending cancel", from: open, event: E::CancelSent, to: Some(S::PendingCancel { oid: Some(OID) }) },
        Case { name: "open, modify sent, so pending modify", from: open, event: E::ModifySent, to: Some(S::PendingModify { oid: OID }) },
        Case { name: "open, repeated open update, so open", from: open, event: E::VenueOpen { oid: OID }, to: Some(open) },
        Case { name: "open, partial fill, so still open", from: open, event: fill(false), to: Some(open) },
        Case { name: "open, complete fill, so filled", from: open, event: fill(true), to: Some(S::Filled) },
        Case { name: "open, filled update, so filled", from: open, event: E::VenueFilled, to: Some(S::Filled) },
        Case { name: "open, venue cancel (margin, self-trade, scheduled), so canceled", from: open, event: E::VenueCanceled, to: Some(S::Canceled) },
        Case { name: "open, rejected update, refused", from: open, event: E::VenueRejected, to: None },
        Case { name: "open, cancel outcome without a cancel, refused", from: open, event: E::CancelAccepted, to: None },
        // pending cancel
        Case { name: "pending cancel, cancel success, so canceled", from: S::PendingCancel { oid: Some(OID) }, event: E::CancelAccepted, to: Some(S::Canceled) },
        Case { name: "pending cancel, never placed or already gone, so canceled (normal race)", from: S::PendingCancel { oid: Some(OID) }, event: E::CancelRejected(R::CancelUnknownOrder), to: Some(S::Canceled) },
        Case { name: "pending cancel of an ambiguous placement, unknown order, so still ambiguous", from: S::PendingCancel { oid: None }, event: E::CancelRejected(R::CancelUnknownOrder), to: Some(S::NewAmbiguous) },
        Case { name: "pending cancel, rate limited, so back to open", from: S::PendingCancel { oid: Some(OID) }, event: E::CancelRejected(R::RateLimited), to: Some(open) },
        Case { name: "pending cancel, not sent, so back to open", from: S::PendingCancel { oid: Some(OID) }, event: E::CancelNotSent, to: Some(open) },
        Case { name: "pending cancel without oid, not sent, so back to ambiguous", from: S::PendingCancel { oid: None }, event: E::CancelNotSent, to: Some(S::NewAmbiguous) },
        Case { name: "pending cancel, ambiguous, so cancel ambiguous", from: S::PendingCancel { oid: Some(OID) }, event: E::CancelAmbiguous, to: Some(S::CancelAmbiguous { oid: Some(OID) }) },
        Case { name: "tracked pending cancel, partial fill arrives, so position still counts it and the cancel stays pending", from: S::PendingCancel { oid: Some(OID) }, event: fill(false), to: Some(S::PendingCancel { oid: Some(OID) }) },
        Case { name: "pending cancel, complete fill beats the cancel, so filled", from: S::PendingCancel { oid: Some(OID) }, event: fill(true), to: Some(S::Filled) },
        Case { name: "pending cancel, filled update beats the cancel, so filled", from: S::PendingCancel { oid: Some(OID) }, event: E::VenueFilled, to: Some(S::Filled) },
        Case { name: "pending cancel, canceled update before the ack, so canceled", from: S::PendingCancel { oid: Some(OID) }, event: E::VenueCanceled, to: Some(S::Canceled) },
        Case { name: "pending cancel without oid, open update, so the oid is learned", from: S::PendingCancel { oid: None }, event: E::VenueOpen { oid: OID }, to: Some(S::PendingCancel { oid: Some(OID) }) },
        Case { name: "pending cancel without oid, expiry passed, so never placed", from: S::PendingCancel { oid: None }, event: E::NeverLanded, to: Some(S::NotPlaced) },
        Case { name: "pending cancel, second cancel, refused: one action in flight", from: S::PendingCancel { oid: Some(OID) }, event: E::CancelSent, to: None },
        // cancel ambiguous
        Case { name: "cancel ambiguous, cancel re-sent, so pending cancel", from: S::CancelAmbiguous { oid: Some(OID) }, event: E::CancelSent, to: Some(S::PendingCancel { oid: Some(OID) }) },
        Case { name: "cancel ambiguous, canceled update, so canceled", from: S::CancelAmbiguous { oid: Some(OID) }, event: E::VenueCanceled, to: Some(S::Canceled) },
        Case { name: "cancel ambiguous, complete fill, so filled", from: S::CancelAmbiguous { oid: Some(OID) }, event: fill(true), to: Some(S::Filled) },
        Case { name: "cancel ambiguous, partial fill, so still cancel ambiguous", from: S::CancelAmbiguous { oid: None }, event: fill(false), to: Some(S::CancelAmbiguous { oid: Some(OID) }) },
        Case { name: "cancel ambiguous without oid, expiry passed, so never placed", from: S::CancelAmbiguous { oid: None }, event: E::NeverLanded, to: Some(S::NotPlaced) },
        // modify: the old leg
        Case { name: "old leg pending modify, modify accepted, so canceled (replaced)", from: S::PendingModify { oid: OID }, event: E::ModifyAccepted, to: Some(S::Canceled) },
        Case { name: "old leg pending modify, error placing new order during modify, so the old leg is gone", from: S::PendingModify { oid: OID }, event: E::ModifyRejected { old_leg_gone: true }, to: Some(S::Canceled) },
        Case { name: "old leg pending modify, whole-action reject, so still open", from: S::PendingModify { oid: OID }, event: E::ModifyRejected { old_leg_gone: false }, to: Some(open) },
        Case { name: "old leg pending modify, not sent, so still open", from: S::PendingModify { oid: OID }, event: E::ModifyNotSent, to: Some(open) },
        Case { name: "old leg pending modify, ambiguous, so modify ambiguous", from: S::PendingModify { oid: OID }, event: E::ModifyAmbiguous, to: Some(S::ModifyAmbiguous { oid: OID }) },
        Case { name: "old leg pending modify, canceled update first, so canceled", from: S::PendingModify { oid: OID }, event: E::VenueCanceled, to: Some(S::Canceled) },
        Case { name: "old leg pending modify, partial fill on the old leg, so still pending", from: S::PendingModify { oid: OID }, event: fill(false), to: Some(S::PendingModify { oid: OID }) },
        Case { name: "old leg pending modify, old leg fills completely, so filled", from: S::PendingModify { oid: OID }, event: fill(true), to: Some(S::Filled) },
        Case { name: "old leg pending modify, stale open update, so still pending", from: S::PendingModify { oid: OID }, event: E::VenueOpen { oid: OID }, to: Some(S::PendingModify { oid: OID }) },
        Case { name: "old leg modify ambiguous, expiry passed, so the old leg still rests", from: S::ModifyAmbiguous { oid: OID }, event: E::NeverLanded, to: Some(open) },
        Case { name: "old leg modify ambiguous, canceled update, so the modify landed", from: S::ModifyAmbiguous { oid: OID }, event: E::VenueCanceled, to: Some(S::Canceled) },
        Case { name: "old leg modify ambiguous, cancel sent, so pending cancel", from: S::ModifyAmbiguous { oid: OID }, event: E::CancelSent, to: Some(S::PendingCancel { oid: Some(OID) }) },
        Case { name: "old leg modify ambiguous, filled update, so filled", from: S::ModifyAmbiguous { oid: OID }, event: E::VenueFilled, to: Some(S::Filled) },
        Case { name: "old leg pending modify, second modify, refused", from: S::PendingModify { oid: OID }, event: E::ModifySent, to: None },
        // terminal states absorb what arrives late
        Case { name: "canceled, fill arrives afterwards, so still accounted and canceled", from: S::Canceled, event: fill(false), to: Some(S::Canceled) },
        Case { name: "canceled, last lot fill arrives afterwards, so filled", from: S::Canceled, event: fill(true), to: Some(S::Filled) },
        Case { name: "canceled, filled update afterwards, so filled", from: S::Canceled, event: E::VenueFilled, to: Some(S::Filled) },
        Case { name: "canceled, stale open update, so canceled", from: S::Canceled, event: E::VenueOpen { oid: OID2 }, to: Some(S::Canceled) },
        Case { name: "canceled, late cancel outcome, so canceled", from: S::Canceled, event: E::CancelRejected(R::CancelUnknownOrder), to: Some(S::Canceled) },
        Case { name: "canceled, late place ack, so canceled", from: S::Canceled, event: E::PlaceAccepted { oid: OID }, to: Some(S::Canceled) },
        Case { name: "canceled, late modify outcome, so canceled", from: S::Canceled, event: E::ModifyAccepted, to: Some(S::Canceled) },
        Case { name: "canceled, cancel sent, refused", from: S::Canceled, event: E::CancelSent, to: None },
        Case { name: "filled, duplicate fill, so filled", from: S::Filled, event: fill(true), to: Some(S::Filled) },
        Case { name: "filled, late cancel outcome, so filled", from: S::Filled, event: E::CancelAccepted, to: Some(S::Filled) },
        Case { name: "filled, stale canceled update, so filled", from: S::Filled, event: E::VenueCanceled, to: Some(S::Filled) },
        Case { name: "filled, late place ack, so filled", from: S::Filled, event: E::PlaceAccepted { oid: OID }, to: Some(S::Filled) },
        Case { name: "filled, place rejected, refused: contradiction", from: S::Filled, event: E::PlaceRejected(R::Tick), to: None },
        Case { name: "rejected update first, outcome refines the reason", from: S::Rejected(R::Other), event: E::PlaceRejected(R::AloWouldCross { bbo: None }), to: Some(S::Rejected(R::AloWouldCross { bbo: None })) },
        Case { name: "rejected, fill, refused: a rejected order cannot fill", from: S::Rejected(R::Tick), event: fill(false), to: None },
        Case { name: "never placed, the venue shows it open after all, so open", from: S::NotPlaced, event: E::VenueOpen { oid: OID }, to: Some(open) },
        Case { name: "never placed, fill after all, so filled", from: S::NotPlaced, event: fill(true), to: Some(S::Filled) },
        Case { name: "never placed, late cancel outcome, so never placed", from: S::NotPlaced, event: E::CancelRejected(R::CancelUnknownOrder), to: Some(S::NotPlaced) },
        Case { name: "never placed, cancel sent, refused", from: S::NotPlaced, event: E::CancelSent, to: None },
    ];
    let mut failures = Vec::new();
    for c in &cases {
        let got = c.from.transition(c.event);
        let ok = match (c.to, got) {
            (Some(want), Ok(next)) => want == next,
            (None, Err(e)) => e.from == c.from && e.event == c.event,
            _ => false,
        };
        if !ok {
            failures.push(format!("{}: want {:?}, got {:?}", c.name, c.to, got));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_invalid_transition_says_what_was_refused() {
    let err = S::Filled.transition(E::CancelSent).expect_err("filled cannot be cancelled");
    assert_eq!(err.to_string(), "order in state Filled cannot take event CancelSent");
}

fn eth() -> InstrumentSpec {
    InstrumentSpec::perp(AssetId(1), Coin::new(b"ETH").expect("coin"), 4)
}

#[test]
fn every_venue_string_maps_to_its_reason() {
    let cases: &[(&str, R)] = &[
        ("Price must be divisible by tick size.", R::Tick),
        ("Order has invalid price.", R::Tick),
        ("Order has invalid size.", R::LotSize),
        ("Order must have minimum value of $10.", R::MinNotional),
        ("Order must have minimum value of 10 USDC.", R::MinNotional),
        ("Insufficient margin to place order.", R::Margin),
        ("Reduce only order would increase position.", R::ReduceOnly),
        ("Post only order would have immediately matched, bbo was 1892.3@1892.4.", R::AloWouldCross { bbo: None }),
        ("Order could not immediately match against any resting orders.", R::IocNoMatch),
        ("Invalid TP/SL price.", R::BadTriggerPx),
        ("No liquidity available for market order.", R::NoLiquidity),
        ("Order would increase open interest while open interest is capped", R::OpenInterestCap),
        ("Order rejected due to price more aggressive than oracle while at open interest cap", R::OpenInterestCap),
        ("Order would increase open interest too quickly", R::OpenInterestCap),
        ("Order price too far from oracle", R::OracleTooFar),
        ("Order would cause position to exceed margin tier limit at current leverage", R::MaxPosition),
        ("Order was never placed, already canceled, or filled.", R::CancelUnknownOrder),
        ("Invalid nonce: duplicate nonce 1723456789012", R::Nonce),
        ("Invalid nonce: nonce too low 1723456789012 < 1723456789999", R::Nonce),
        ("Invalid nonce: nonce too high 1823456789012 > 1723456789999", R::Nonce),
        ("Too many cumulative requests sent (10543 > 10500) for cumulative volume traded $500.0.", R::RateLimited),
        ("Too many cumulative requests sent (10543 > 10500) for cumulative volume traded $500.0. Place taker orders to free up 1 request per USDC traded.", R::RateLimited),
        ("Action already expired: 1723456789012 < 1723456790000", R::Expired),
        ("Cannot set scheduled cancel time until enough volume traded. Required: $1000000. Traded: $12.5.", R::ScheduleCancelNotAllowed),
        ("Cannot modify canceled or filled order", R::ModifyOfCanceledOrFilled),
        ("Error placing new order during modify: Post only order would have immediately matched, bbo was 1.0@1.1.", R::AloWouldCross { bbo: None }),
        ("User or API Wallet 0x0000000000000000000000000000000000000001 does not exist.", R::Signature),
        ("Failed to deserialize the JSON body into the target type", R::Malformed),
        ("Something the venue added next year", R::Other),
        ("", R::Other),
    ];
    let mut failures = Vec::new();
    for &(msg, want) in cases {
        for text in [msg.to_string(), format!("{msg} asset=4")] {
            let got = R::from_venue_message(&text);
            if got != want {
                failures.push(format!("{text:?}: want {want:?}, got {got:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn alo_reject_carries_the_bbo_from_the_message() {
    let spec = eth();
    for msg in [
        "Post only order would have immediately matched, bbo was 1892.3@1892.4.",
        "Post only order would have immediately matched, bbo was 1892.3@1892.4. asset=1",
    ] {
        assert_eq!(
            R::from_venue_message_with_spec(msg, &spec),
            R::AloWouldCross { bbo: Some((Px(189_230), Px(189_240))) },
            "{msg}"
        );
    }
    let garbled = "Post only order would have immediately matched, bbo was ?@?.";
    assert_eq!(R::from_venue_message_with_spec(garbled, &spec), R::AloWouldCross { bbo: None });
}

#[test]
fn a_failed_modify_says_whether_the_old_leg_is_gone() {
    let cases: &[(&str, R, bool)] = &[
        (
            "Error placing new order during modify: Price must be divisible by tick size.",
            R::Tick,
            true,
        ),
        (
            "Error placing new order during modify: Insufficient margin to place order. asset=3",
            R::Margin,
            true,
        ),
        ("Cannot modify canceled or filled order", R::ModifyOfCanceledOrFilled, true),
        ("Invalid nonce: duplicate nonce 5", R::Nonce, false),
        ("Price must be divisible by tick size.", R::Tick, false),
    ];
    for &(msg, reason, gone) in cases {
        assert_eq!(R::from_modify_message(msg, None), (reason, gone), "{msg}");
    }
}

#[test]
fn temporary_and_fatal_reject_classes() {
    for r in [
        R::AloWouldCross { bbo: None },
        R::RateLimited,
        R::Nonce,
        R::Expired,
        R::OpenInterestCap,
        R::OracleTooFar,
        R::Maintenance,
        R::IocNoMatch,
    ] {
        assert!(r.is_temporary(), "{r:?} is temporary");
        assert!(!r.is_our_bug(), "{r:?} is not our bug");
    }
    for r in [R::Tick, R::LotSize, R::MinNotional, R::Signature, R::Malformed] {
        assert!(!r.is_temporary(), "{r:?} is not temporary");
        assert!(r.is_our_bug(), "{r:?} halts the coin");
    }
    for r in [R::Margin, R::MaxPosition] {
        assert!(r.wants_reducing() && !r.is_temporary(), "{r:?} moves the coin to Reducing");
    }
    assert!(!R::CancelUnknownOrder.is_temporary() && !R::CancelUnknownOrder.is_our_bug());
}

#[test]
fn ring_messages_stay_small() {
    use hlmm::types::commands::Command;
    use hlmm::types::outcome::OutcomeEvent;
    use std::mem::size_of;
    assert!(size_of::<Command>() <= 128, "a command is at most two cache lines");
    assert!(size_of::<OutcomeEvent>() <= 64, "an outcome is at most one cache line");
}
