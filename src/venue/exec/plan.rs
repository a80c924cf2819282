//! Intents → venue actions: how one batch of commands is split into signed actions.
//!
//! Pure: no I/O, no clock. Runs on the exec thread; the buffers are reused across batches, so
//! after the first few batches nothing grows.
//!
//! Grouping rules (`hyperliquid.md` §7, §9):
//! - ALO-only placements go in their own `order` action: the validators put actions without
//!   GTC/IOC first in a block, and a mixed action would lose that priority.
//! - IOC/GTC placements go in a second `order` action.
//! - Re-quotes go as one `batchModify` (classed by their new orders, so an ALO re-quote keeps
//!   the ALO priority).
//! - Cancels go as one `cancelByCloid`.
//! - `CancelAll` is not an action of its own: the gateway sweeps the venue's open orders for it
//!   (it needs an `/info` round trip, so it is handled off this plan).

use crate::types::commands::{Command, OrderRequest, Tif as CoreTif};
use crate::types::{AssetId, InstrumentSpec, Oid};
use crate::wire::action::{
    ActionRef, CancelByCloidWire, Grouping, ModifyWire, OrderRef, OrderWire, Tif as WireTif,
};

/// The kind of one planned action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    /// `order` with ALO orders only.
    AloOrders,
    /// `order` with IOC/GTC orders.
    TakerOrders,
    /// `batchModify`.
    Modifies,
    /// `cancelByCloid`.
    Cancels,
}

impl ActionKind {
    /// Every kind, in the order the actions are sent. Cancels first: pulling a stale quote
    /// matters more than placing a new one.
    pub const SEND_ORDER: [Self; 4] =
        [Self::Cancels, Self::AloOrders, Self::Modifies, Self::TakerOrders];
}

/// One batch split into actions. Each list keeps, next to its wire elements, the index of the
/// intent each element answers (`*_idx[i]` ↔ element `i`).
#[derive(Debug, Default)]
pub struct Plan {
    /// ALO placements.
    pub alo: Vec<OrderWire>,
    /// Intent index per ALO placement.
    pub alo_idx: Vec<usize>,
    /// IOC/GTC placements.
    pub taker: Vec<OrderWire>,
    /// Intent index per IOC/GTC placement.
    pub taker_idx: Vec<usize>,
    /// Re-quotes.
    pub modifies: Vec<ModifyWire>,
    /// Intent index per re-quote.
    pub modify_idx: Vec<usize>,
    /// Cancels.
    pub cancels: Vec<CancelByCloidWire>,
    /// Intent index per cancel.
    pub cancel_idx: Vec<usize>,
    /// `CancelAll` intents (swept by the gateway).
    pub cancel_all_idx: Vec<usize>,
    /// Intents whose asset is not in the instrument table: answered `NotSent(Encoding)`.
    pub unknown_idx: Vec<usize>,
}

impl Plan {
    /// Empties every list, keeping capacity.
    pub fn clear(&mut self) {
        self.alo.clear();
        self.alo_idx.clear();
        self.taker.clear();
        self.taker_idx.clear();
        self.modifies.clear();
        self.modify_idx.clear();
        self.cancels.clear();
        self.cancel_idx.clear();
        self.cancel_all_idx.clear();
        self.unknown_idx.clear();
    }

    /// Splits `commands` (in batch order) into the action lists; `spec_of` finds an asset's
    /// instrument.
    pub fn build<'a>(
        &mut self,
        commands: impl Iterator<Item = &'a Command>,
        spec_of: impl Fn(AssetId) -> Option<InstrumentSpec>,
    ) {
        self.clear();
        for (i, command) in commands.enumerate() {
            match *command {
                Command::Place(req) => {
                    let Some(spec) = spec_of(req.asset) else {
                        self.unknown_idx.push(i);
                        continue;
                    };
                    let wire = order_wire(&spec, &req);
                    if req.tif == CoreTif::Alo {
                        self.alo.push(wire);
                        self.alo_idx.push(i);
                    } else {
                        self.taker.push(wire);
                        self.taker_idx.push(i);
                    }
                }
                Command::Modify { asset, cloid, oid, new } => {
                    let Some(spec) = spec_of(asset) else {
                        self.unknown_idx.push(i);
                        continue;
                    };
                    let target = oid.map_or(OrderRef::Cloid(cloid), |o: Oid| OrderRef::Oid(o));
                    self.modifies.push(ModifyWire { oid: target, order: order_wire(&spec, &new) });
                    self.modify_idx.push(i);
                }
                Command::Cancel { asset, cloid } => {
                    self.cancels.push(CancelByCloidWire { asset, cloid });
                    self.cancel_idx.push(i);
                }
                Command::CancelAll { .. } => self.cancel_all_idx.push(i),
            }
        }
    }

    /// The action of `kind`, or `None` if that list is empty.
    pub fn action(&self, kind: ActionKind) -> Option<ActionRef<'_>> {
        let action = match kind {
            ActionKind::AloOrders if !self.alo.is_empty() => {
                ActionRef::Order { orders: &self.alo, grouping: Grouping::Na, builder: None }
            }
            ActionKind::TakerOrders if !self.taker.is_empty() => {
                ActionRef::Order { orders: &self.taker, grouping: Grouping::Na, builder: None }
            }
            ActionKind::Modifies if !self.modifies.is_empty() => {
                ActionRef::BatchModify { modifies: &self.modifies, always_place: false }
            }
            ActionKind::Cancels if !self.cancels.is_empty() => {
                ActionRef::CancelByCloid { cancels: &self.cancels, fast: false }
            }
            _ => return None,
        };
        Some(action)
    }

    /// The intent indexes answered by the action of `kind`, in element order.
    pub fn indexes(&self, kind: ActionKind) -> &[usize] {
        match kind {
            ActionKind::AloOrders => &self.alo_idx,
            ActionKind::TakerOrders => &self.taker_idx,
            ActionKind::Modifies => &self.modify_idx,
            ActionKind::Cancels => &self.cancel_idx,
        }
    }
}

/// The wire order for a core order request: the price and size text come from the
/// instrument's own formatting (`px_wire`/`sz_wire`), so they match the venue's grid rules.
pub fn order_wire(spec: &InstrumentSpec, req: &OrderRequest) -> OrderWire {
    let tif = match req.tif {
        CoreTif::Alo => WireTif::Alo,
        CoreTif::Ioc => WireTif::Ioc,
        CoreTif::Gtc => WireTif::Gtc,
    };
    OrderWire::limit(spec, req.side, req.px, req.sz, tif, req.reduce_only, Some(req.cloid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Cloid, Coin, Px, Side, Sz};

    fn spec() -> InstrumentSpec {
        InstrumentSpec::perp(AssetId(0), Coin::new(b"BTC").expect("coin"), 5)
    }

    fn place(cloid: u128, tif: CoreTif) -> Command {
        Command::Place(OrderRequest {
            asset: AssetId(0),
            cloid: Cloid(cloid),
            side: Side::Bid,
            px: Px(100_000),
            sz: Sz(10),
            tif,
            reduce_only: false,
        })
    }

    #[test]
    fn alo_orders_are_kept_apart_from_ioc_and_gtc_and_cancels_and_modifies_are_grouped() {
        let new = OrderRequest {
            asset: AssetId(0),
            cloid: Cloid(9),
            side: Side::Ask,
            px: Px(100_100),
            sz: Sz(10),
            tif: CoreTif::Alo,
            reduce_only: false,
        };
        let commands = [
            place(1, CoreTif::Alo),
            place(2, CoreTif::Ioc),
            Command::Cancel { asset: AssetId(0), cloid: Cloid(3) },
            Command::Modify { asset: AssetId(0), cloid: Cloid(4), oid: Some(Oid(44)), new },
            place(5, CoreTif::Gtc),
            Command::Cancel { asset: AssetId(0), cloid: Cloid(6) },
            Command::Modify { asset: AssetId(0), cloid: Cloid(7), oid: None, new },
            Command::CancelAll { asset: None },
            place(8, CoreTif::Alo),
            Command::Place(OrderRequest { asset: AssetId(77), ..new }),
        ];
        let mut plan = Plan::default();
        plan.build(commands.iter(), |a| (a == AssetId(0)).then(spec));
        assert_eq!(plan.alo_idx, [0, 8]);
        assert_eq!(plan.taker_idx, [1, 4]);
        assert_eq!(plan.cancel_idx, [2, 5]);
        assert_eq!(plan.modify_idx, [3, 6]);
        assert_eq!(plan.cancel_all_idx, [7]);
        assert_eq!(plan.unknown_idx, [9]);
        assert_eq!(plan.modifies[0].oid, OrderRef::Oid(Oid(44)), "by oid when known");
        assert_eq!(plan.modifies[1].oid, OrderRef::Cloid(Cloid(7)), "else by the old cloid");
        assert_eq!(plan.modifies[0].order.cloid, Some(Cloid(9)), "the new leg's own cloid");
        assert!(plan.alo.iter().all(|o| o.order_type
            == crate::wire::action::OrderType::Limit(crate::wire::action::Limit {
                tif: WireTif::Alo
            })));
        for kind in ActionKind::SEND_ORDER {
            assert!(plan.action(kind).is_some());
        }
        plan.clear();
        assert!(ActionKind::SEND_ORDER.iter().all(|&k| plan.action(k).is_none()));
    }

    #[test]
    fn prices_and_sizes_use_the_instrument_wire_text() {
        let Command::Place(req) = place(1, CoreTif::Alo) else { unreachable!() };
        let wire = order_wire(&spec(), &req);
        assert_eq!(wire.px.as_str(), spec().px_wire(Px(100_000)).as_str());
        assert_eq!(wire.sz.as_str(), "0.0001");
        assert!(wire.is_buy);
    }
}
