//! Read-only views of the exchange: assets, books, accounts, open orders, `orderStatus`,
//! `clearinghouseState`, and the invariant check the tests run.

use super::Exchange;
use crate::accounts::{position_margin, raw_to_usd, Account, Address, AssetConfig};
use crate::actions::{
    ClearinghouseRecord, FillRecord, L2Book, L2Level, OrderUpdateRecord, PositionSummary,
    SimOrderStatus,
};
use crate::matching::{OrderBook, RestingOrder};
use hlmm_types::{AssetId, Nanos, Px, Side, Usd};
use hlmm_wire::action::OrderRef;

impl Exchange {
    /// The listed assets, in listing order.
    pub fn assets(&self) -> &[AssetConfig] {
        &self.assets
    }

    /// One asset's configuration and prices.
    pub fn asset(&self, asset: AssetId) -> Option<&AssetConfig> {
        self.asset_index.get(&asset).map(|&m| &self.assets[m])
    }

    /// One asset's book.
    pub fn book(&self, asset: AssetId) -> Option<&OrderBook> {
        self.asset_index.get(&asset).map(|&m| &self.books[m])
    }

    /// An account.
    pub fn account(&self, user: Address) -> Option<&Account> {
        self.account_index.get(&user).map(|&a| &self.accounts[a as usize])
    }

    /// Every account.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// `l2Book`: up to `depth` levels per side (the venue sends ≤ 20).
    pub fn l2_book(&self, asset: AssetId, depth: usize, now: Nanos) -> Option<L2Book> {
        let m = *self.asset_index.get(&asset)?;
        let level = |d: crate::matching::DepthLevel| L2Level { px: d.px, sz: d.sz, n: d.n };
        Some(L2Book {
            spec: self.assets[m].spec,
            time: now,
            bids: self.books[m].depth(Side::Bid, depth).map(level).collect(),
            asks: self.books[m].depth(Side::Ask, depth).map(level).collect(),
        })
    }

    /// The best bid and ask of `asset`.
    pub fn bbo(&self, asset: AssetId) -> Option<(Option<Px>, Option<Px>)> {
        self.book(asset).map(|b| (b.best_bid(), b.best_ask()))
    }

    pub(super) fn open_record(&self, m: usize, o: &RestingOrder) -> OrderUpdateRecord {
        OrderUpdateRecord {
            spec: self.assets[m].spec,
            side: o.side,
            limit_px: o.px,
            sz: o.sz,
            oid: o.oid,
            timestamp: o.timestamp,
            orig_sz: o.orig_sz,
            cloid: o.cloid,
            tif: o.tif,
            reduce_only: o.reduce_only,
            status: SimOrderStatus::Open,
            status_time: o.timestamp,
        }
    }

    /// `openOrders` of `user` (status `open`), per asset, newest first.
    pub fn open_orders(&self, user: Address) -> Vec<OrderUpdateRecord> {
        let Some(&a) = self.account_index.get(&user) else { return Vec::new() };
        (0..self.books.len())
            .flat_map(|m| self.books[m].orders_of(a).map(move |o| self.open_record(m, o)))
            .collect()
    }

    /// `orderStatus`: the resting order, or its last terminal update still in the history.
    pub fn order_status(&self, user: Address, r: OrderRef) -> Option<OrderUpdateRecord> {
        let a = *self.account_index.get(&user)?;
        if let Some((m, oid)) = self.find(a, None, r) {
            return self.books[m].get(oid).map(|o| self.open_record(m, o));
        }
        self.accounts[a as usize]
            .history
            .iter()
            .rev()
            .find(|u| match r {
                OrderRef::Oid(o) => u.oid == o,
                OrderRef::Cloid(c) => u.cloid == Some(c),
            })
            .copied()
    }

    /// The fills of `user` kept in the log, oldest first.
    pub fn user_fills(&self, user: Address) -> impl Iterator<Item = &FillRecord> + '_ {
        self.account(user).into_iter().flat_map(|a| a.fills.iter())
    }

    /// `clearinghouseState` of `user` at `now`.
    pub fn clearinghouse_state(&self, user: Address, now: Nanos) -> Option<ClearinghouseRecord> {
        let acct = self.account(user)?;
        let assets = &self.assets;
        let mut positions = Vec::new();
        let (mut ntl, mut signed) = (0i64, 0i64);
        for (i, (p, c)) in acct.positions.iter().zip(assets).enumerate() {
            if p.szi.0 == 0 {
                continue;
            }
            let value = raw_to_usd(&c.spec, p.value_raw(c.mark_px));
            ntl += value.0.abs();
            signed += value.0;
            let upnl = raw_to_usd(&c.spec, p.upnl_raw(c.mark_px));
            let entry_margin = raw_to_usd(&c.spec, p.entry_raw / i128::from(p.leverage.max(1)));
            let roe = if entry_margin.0 == 0 {
                0
            } else {
                (i128::from(upnl.0) * 1_000_000 / i128::from(entry_margin.0)) as i64
            };
            positions.push(PositionSummary {
                spec: c.spec,
                szi: p.szi,
                entry_px: p.entry_px(),
                leverage: p.leverage,
                is_cross: p.is_cross,
                liquidation_px: acct.liquidation_px(assets, i),
                margin_used: position_margin(p, c),
                max_leverage: c.max_leverage,
                position_value: value.abs(),
                return_on_equity_micro: roe,
                unrealized_pnl: upnl,
                cum_funding: p.cum_funding,
            });
        }
        let account_value = acct.account_value(assets);
        Some(ClearinghouseRecord {
            positions,
            account_value,
            total_ntl_pos: Usd(ntl),
            total_raw_usd: account_value - Usd(signed),
            total_margin_used: acct.position_margin(assets),
            maintenance_margin_used: acct.maintenance_margin(assets),
            withdrawable: acct.withdrawable(assets),
            time: now,
        })
    }

    /// Checks every invariant the state machine keeps (books uncrossed and consistent, order
    /// counters and reserved notional equal to the resting orders). O(orders); for tests.
    pub fn check_invariants(&self) -> Result<(), String> {
        for (m, book) in self.books.iter().enumerate() {
            book.check_invariants()
                .map_err(|e| format!("asset {}: {e}", self.assets[m].spec.asset.0))?;
        }
        for (a, acct) in self.accounts.iter().enumerate() {
            let mut count = 0u32;
            for (m, book) in self.books.iter().enumerate() {
                let (mut bid, mut ask, mut ro) = (0i128, 0i128, 0u32);
                for o in book.orders_of(a as u32) {
                    count += 1;
                    let raw = i128::from(o.px.0) * i128::from(o.sz.0);
                    match o.side {
                        Side::Bid => bid += raw,
                        Side::Ask => ask += raw,
                    }
                    ro += u32::from(o.reduce_only);
                }
                let p = &acct.positions[m];
                if (p.bid_raw, p.ask_raw, p.reduce_only_orders) != (bid, ask, ro) {
                    return Err(format!(
                        "account {}: asset {m}: reserved notional drifted",
                        acct.address
                    ));
                }
            }
            if count != acct.open_orders {
                return Err(format!(
                    "account {}: open_orders {} != {count}",
                    acct.address, acct.open_orders
                ));
            }
        }
        Ok(())
    }
}
