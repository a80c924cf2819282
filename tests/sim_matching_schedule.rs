//! The `scheduleCancel` dead-man's switch: volume gate, 5 s lead, 10 triggers per UTC day.

mod sim_matching_support;

use hlmm::sim::actions::{ExchangeAction, ExchangeResponse, SimEvent, SimOrderStatus};
use hlmm::sim::exchange::{Exchange, SCHEDULE_TOO_EARLY, SCHEDULE_TOO_MANY};
use hlmm::types::commands::Tif;
use hlmm::types::{Nanos, Usd};
use hlmm::wire::action::ScheduleCancelAction;
use sim_matching_support::*;

fn arm(ex: &mut Exchange, at_ms: u64, now: Nanos) -> ExchangeResponse {
    ex.apply(
        TAKER,
        &ExchangeAction::ScheduleCancel(ScheduleCancelAction { time: Some(at_ms) }),
        now,
    )
    .0
}

fn funded() -> Exchange {
    let mut ex = venue();
    ex.credit_volume(TAKER, Usd::from_dollars(1_000_000));
    ex
}

#[test]
fn schedule_cancel_is_refused_until_a_million_dollars_traded() {
    let cases: [(&str, Usd, &str); 3] = [
        ("no volume", Usd::ZERO, "$0."),
        ("cents are shown", Usd(45_630_000), "$45.63."),
        ("one cent short", Usd(999_999_990_000), "$999999.99."),
    ];
    for (name, volume, traded) in cases {
        let mut ex = venue();
        ex.credit_volume(TAKER, volume);
        let expected = format!(
            "Cannot set scheduled cancel time until enough volume traded. Required: $1000000. Traded: {traded}"
        );
        assert_eq!(
            arm(&mut ex, later(10_000).as_millis(), T0),
            ExchangeResponse::Err(expected.clone()),
            "{name}"
        );
        // Clearing is gated too (observed live).
        let clear = ex
            .apply(TAKER, &ExchangeAction::ScheduleCancel(ScheduleCancelAction { time: None }), T0)
            .0;
        assert_eq!(clear, ExchangeResponse::Err(expected), "{name}");
    }
}

#[test]
fn traded_volume_opens_the_gate() {
    let mut ex = venue();
    for i in 0..100 {
        // 100 trades of 1 BTC at 50000: $5M traded by TAKER.
        let (side, other) = if i % 2 == 0 { (true, false) } else { (false, true) };
        send(&mut ex, MAKER, order(BTC, other, "50000", "1", Tif::Gtc), T0);
        send(&mut ex, TAKER, order(BTC, side, "50000", "1", Tif::Ioc), T0);
    }
    assert_eq!(arm(&mut ex, later(10_000).as_millis(), T0), ExchangeResponse::Default);
}

#[test]
fn schedule_cancel_needs_five_seconds_of_lead() {
    let mut ex = funded();
    assert_eq!(
        arm(&mut ex, later(4_999).as_millis(), T0),
        ExchangeResponse::Err(SCHEDULE_TOO_EARLY.into())
    );
    assert_eq!(arm(&mut ex, later(5_000).as_millis(), T0), ExchangeResponse::Default);
    assert_eq!(ex.next_timer(), Some(later(5_000)));
}

#[test]
fn scheduled_cancel_fires_and_cancels_every_open_order() {
    let mut ex = funded();
    send(&mut ex, TAKER, order(BTC, true, "49000", "0.1", Tif::Gtc), T0);
    send(&mut ex, TAKER, order(ETH, false, "2100", "1", Tif::Alo), T0);
    send(&mut ex, OTHER, order(BTC, true, "48000", "0.1", Tif::Gtc), T0);
    arm(&mut ex, later(5_000).as_millis(), T0);
    let mut events = Vec::new();
    ex.on_time(later(4_999), &mut events);
    assert!(events.is_empty(), "not yet due");
    ex.on_time(later(5_000), &mut events);
    let cancelled: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            SimEvent::OrderUpdate { user, update } => {
                Some((*user, update.status, update.status_time))
            }
            _ => None,
        })
        .collect();
    assert_eq!(cancelled, [(TAKER, SimOrderStatus::ScheduledCancel, later(5_000)); 2]);
    assert!(
        events.contains(&SimEvent::BookChanged(BTC))
            && events.contains(&SimEvent::BookChanged(ETH))
    );
    assert_eq!(ex.open_orders(TAKER).len(), 0);
    assert_eq!(ex.open_orders(OTHER).len(), 1, "other accounts keep their orders");
    assert_eq!(ex.next_timer(), None);
}

#[test]
fn a_due_switch_fires_before_the_next_action() {
    let mut ex = funded();
    send(&mut ex, TAKER, order(BTC, true, "49000", "0.1", Tif::Gtc), T0);
    arm(&mut ex, later(5_000).as_millis(), T0);
    let (_, events) = ex.apply(OTHER, &ExchangeAction::Noop, later(6_000));
    assert!(events.iter().any(|e| matches!(e, SimEvent::OrderUpdate { update, .. } if update.status == SimOrderStatus::ScheduledCancel)));
}

#[test]
fn clearing_the_switch_disarms_it() {
    let mut ex = funded();
    send(&mut ex, TAKER, order(BTC, true, "49000", "0.1", Tif::Gtc), T0);
    arm(&mut ex, later(5_000).as_millis(), T0);
    assert_eq!(
        ex.apply(TAKER, &ExchangeAction::ScheduleCancel(ScheduleCancelAction { time: None }), T0).0,
        ExchangeResponse::Default
    );
    let mut events = Vec::new();
    ex.on_time(later(10_000), &mut events);
    assert!(events.is_empty());
    assert_eq!(ex.open_orders(TAKER).len(), 1);
}

#[test]
fn ten_triggers_per_utc_day_then_refused_until_midnight() {
    let mut ex = funded();
    let mut now = T0;
    let mut events = Vec::new();
    for _ in 0..10 {
        let at = Nanos(now.0 + 5_000_000_000);
        assert_eq!(arm(&mut ex, at.as_millis(), now), ExchangeResponse::Default);
        ex.on_time(at, &mut events);
        now = Nanos(at.0 + 1_000_000_000);
    }
    assert_eq!(ex.account(TAKER).map(|a| a.scheduled_cancel.triggers), Some(10));
    assert_eq!(
        arm(&mut ex, now.as_millis() + 10_000, now),
        ExchangeResponse::Err(SCHEDULE_TOO_MANY.into())
    );
    // T0 is 01:00 UTC; 23 hours later is the next UTC day.
    let tomorrow = later(23 * 3_600_000);
    assert_eq!(arm(&mut ex, tomorrow.as_millis() + 10_000, tomorrow), ExchangeResponse::Default);
    assert_eq!(ex.account(TAKER).map(|a| a.scheduled_cancel.triggers), Some(0));
}
