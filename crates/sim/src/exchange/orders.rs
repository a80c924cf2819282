//! Acting on resting orders and accounts: cancel, modify (cancel-replace), `scheduleCancel`
//! and its timer, `updateLeverage`.

use super::{
    Exchange, DAY_MS, INVALID_LEVERAGE, MODIFY_INVALID_NEW, SCHEDULE_TOO_EARLY, SCHEDULE_TOO_MANY,
};
use crate::actions::{
    CancelStatus, ExchangeResponse, ModifyRequest, OrderStatusResp, SimEvent, SimOrderStatus,
    CANCEL_MISSING, MODIFY_MISSING, MODIFY_PLACE_PREFIX,
};
use crate::matching::OrderRejection;
use hlmm_types::commands::Tif;
use hlmm_types::{AssetId, DecimalStr, Nanos, Oid, Usd};
use hlmm_wire::action::OrderRef;

impl Exchange {
    /// Finds `user`'s resting order: (market index, oid).
    pub(super) fn find(&self, a: u32, asset: Option<AssetId>, r: OrderRef) -> Option<(usize, Oid)> {
        let m_want = match asset {
            Some(id) => Some(*self.asset_index.get(&id)?),
            None => None,
        };
        let found = match r {
            OrderRef::Cloid(c) => self.accounts[a as usize].cloids.get(&c).copied(),
            OrderRef::Oid(oid) => match m_want {
                Some(m) => Some((m, oid)),
                None => (0..self.books.len())
                    .find(|&m| self.books[m].get(oid).is_some())
                    .map(|m| (m, oid)),
            },
        }?;
        let owned = self.books[found.0].get(found.1).is_some_and(|o| o.owner == a);
        (owned && m_want.is_none_or(|m| m == found.0)).then_some(found)
    }

    pub(super) fn cancel_status(
        &mut self,
        a: u32,
        asset: AssetId,
        r: OrderRef,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> CancelStatus {
        match self.find(a, Some(asset), r) {
            Some((m, oid)) => {
                if let Some(order) = self.books[m].remove(oid) {
                    self.on_removed(m, &order, SimOrderStatus::Canceled, now, events);
                }
                CancelStatus::Success
            }
            None => CancelStatus::Error(CANCEL_MISSING.to_owned()),
        }
    }

    /// Cancel-replace. `Err` carries the venue's message.
    pub(super) fn modify(
        &mut self,
        a: u32,
        req: &ModifyRequest,
        always_place: bool,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> Result<OrderStatusResp, String> {
        if !always_place && req.order.tif == Tif::Ioc {
            return Err(MODIFY_INVALID_NEW.to_owned());
        }
        match self.find(a, None, req.target) {
            Some((m, oid)) => {
                if let Some(order) = self.books[m].remove(oid) {
                    self.on_removed(m, &order, SimOrderStatus::Canceled, now, events);
                }
            }
            None if !always_place => return Err(MODIFY_MISSING.to_owned()),
            None => {}
        }
        // Without `a` the replacement must rest: a marketable GTC is refused like an ALO.
        let tif = if always_place { req.order.tif } else { Tif::Alo };
        self.place(a, &req.order, tif, now, events)
            .map_err(|r| format!("{MODIFY_PLACE_PREFIX}{}", r.message()))
    }

    pub(super) fn schedule_cancel(
        &mut self,
        a: u32,
        time_ms: Option<u64>,
        now: Nanos,
    ) -> ExchangeResponse {
        let cfg = self.config;
        let acct = &mut self.accounts[a as usize];
        if acct.cum_volume < cfg.schedule_cancel_min_volume {
            // Whole dollars and cents, trailing zeros dropped: `$1000000`, `$45.63`, `$0`.
            let dollars = |u: Usd| DecimalStr::new(u.0 / 10_000, 2).as_str().to_owned();
            return ExchangeResponse::Err(format!(
                "Cannot set scheduled cancel time until enough volume traded. Required: ${}. Traded: ${}.",
                dollars(cfg.schedule_cancel_min_volume),
                dollars(acct.cum_volume)
            ));
        }
        let now_ms = now.as_millis();
        let sc = &mut acct.scheduled_cancel;
        if sc.day != now_ms / DAY_MS {
            sc.day = now_ms / DAY_MS;
            sc.triggers = 0;
        }
        match time_ms {
            None => {
                sc.at = None;
                ExchangeResponse::Default
            }
            Some(t) if t < now_ms.saturating_add(cfg.schedule_cancel_min_lead_ms) => {
                ExchangeResponse::Err(SCHEDULE_TOO_EARLY.to_owned())
            }
            Some(_) if sc.triggers >= cfg.schedule_cancel_max_per_day => {
                ExchangeResponse::Err(SCHEDULE_TOO_MANY.to_owned())
            }
            Some(t) => {
                sc.at = Some(Nanos::from_millis(t));
                ExchangeResponse::Default
            }
        }
    }

    pub(super) fn update_leverage(
        &mut self,
        a: u32,
        asset: AssetId,
        is_cross: bool,
        leverage: u32,
    ) -> ExchangeResponse {
        let Some(&m) = self.asset_index.get(&asset) else {
            return ExchangeResponse::Err(OrderRejection::UnknownAsset.message());
        };
        if leverage == 0 || leverage > self.assets[m].max_leverage {
            return ExchangeResponse::Err(INVALID_LEVERAGE.to_owned());
        }
        let pos = &mut self.accounts[a as usize].positions[m];
        pos.leverage = leverage;
        pos.is_cross = is_cross;
        ExchangeResponse::Default
    }

    /// Fires due timers: every armed dead-man's switch with a time `<= now` cancels all of its
    /// account's orders (`scheduledCancel`) and counts a trigger for that UTC day. Call at
    /// [`Exchange::next_timer`]; extra calls are no-ops.
    pub fn on_time(&mut self, now: Nanos, events: &mut Vec<SimEvent>) {
        for a in 0..self.accounts.len() {
            let sc = self.accounts[a].scheduled_cancel;
            let Some(at) = sc.at.filter(|&t| t <= now) else { continue };
            let day = at.as_millis() / DAY_MS;
            let sc = &mut self.accounts[a].scheduled_cancel;
            if sc.day != day {
                sc.day = day;
                sc.triggers = 0;
            }
            sc.triggers += 1;
            sc.at = None;
            for m in 0..self.books.len() {
                let oids: Vec<Oid> = self.books[m].orders_of(a as u32).map(|o| o.oid).collect();
                for oid in oids {
                    if let Some(order) = self.books[m].remove(oid) {
                        self.on_removed(m, &order, SimOrderStatus::ScheduledCancel, at, events);
                    }
                }
            }
        }
        self.flush_dirty(events);
    }

    /// The earliest armed timer, if any.
    pub fn next_timer(&self) -> Option<Nanos> {
        self.accounts.iter().filter_map(|a| a.scheduled_cancel.at).min()
    }
}
