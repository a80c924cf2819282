//! Commands: what the core asks the exec thread to do.
//!
//! Produced on the quote thread (by [`crate::core::orders::OrderManager`]), carried over the
//! lossless intent ring, executed by the exec thread. Every type here is `Copy` and fixed-size:
//! no heap, so pushing one into a preallocated buffer or ring never allocates.

use crate::{AssetId, Cloid, Oid, Px, Side, Sz};

/// Time in force, as the venue names it (`"Alo"`, `"Ioc"`, `"Gtc"` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
pub enum Tif {
    /// Add-liquidity-only (post-only): cancelled instead of matching. Quotes use this.
    Alo,
    /// Immediate-or-cancel: the unmatched remainder is cancelled. Hedges use this.
    Ioc,
    /// Good-till-cancelled.
    Gtc,
}

impl Tif {
    /// The venue's spelling (`"Alo"`, `"Ioc"`, `"Gtc"`).
    pub const fn as_wire(self) -> &'static str {
        match self {
            Self::Alo => "Alo",
            Self::Ioc => "Ioc",
            Self::Gtc => "Gtc",
        }
    }
}

/// One limit order, as it goes to the venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderRequest {
    /// The instrument.
    pub asset: AssetId,
    /// Our client order id: deterministic, see [`crate::cloid`].
    pub cloid: Cloid,
    /// Buy (`Bid`) or sell (`Ask`).
    pub side: Side,
    /// Limit price, in the instrument's ticks; always on the venue's price grid.
    pub px: Px,
    /// Size, in lots; positive.
    pub sz: Sz,
    /// Time in force.
    pub tif: Tif,
    /// `true`: the venue refuses it if it would increase the position.
    pub reduce_only: bool,
}

/// What the core asks the exec thread to do. Each `Place`, `Modify` and `Cancel` ends in
/// exactly one [`crate::outcome::OutcomeEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Place a new order.
    Place(OrderRequest),
    /// Re-quote an open order. Goes to the venue as `batchModify`, which is a cancel-replace:
    /// the old order is cancelled and a new one (new `oid`) is placed.
    ///
    /// The new leg always carries a **fresh** cloid (`new.cloid != cloid`). The venue does not
    /// document whether a modify keeps the cloid (`fault-cases.md` §9, uncertain), and with a
    /// fresh one every update and fill names exactly one leg: `canceled(old)` and `open(new)` can
    /// arrive in either order and a fill on the old leg is never mistaken for one on the new.
    /// The exec thread addresses the old order by `oid` when known, else by `cloid`.
    Modify {
        /// The instrument.
        asset: AssetId,
        /// Cloid of the order being replaced (the old leg).
        cloid: Cloid,
        /// Venue id of the order being replaced, when known.
        oid: Option<Oid>,
        /// The replacement order (the new leg), with its own fresh cloid.
        new: OrderRequest,
    },
    /// Cancel one order by cloid (`cancelByCloid`). A reply of `Order was never placed,
    /// already canceled, or filled.` is normal.
    Cancel {
        /// The instrument.
        asset: AssetId,
        /// The order's cloid.
        cloid: Cloid,
    },
    /// Cancel every order of ours on this asset (`None` = all assets): a venue-side sweep the
    /// engine sends on halt and shutdown. The order manager itself cancels order by order.
    CancelAll {
        /// The asset, or `None` for every asset.
        asset: Option<AssetId>,
    },
}

impl Command {
    /// Which kind of command this is.
    pub const fn kind(&self) -> CommandKind {
        match self {
            Self::Place(_) => CommandKind::Place,
            Self::Modify { .. } => CommandKind::Modify,
            Self::Cancel { .. } => CommandKind::Cancel,
            Self::CancelAll { .. } => CommandKind::CancelAll,
        }
    }

    /// The instrument, if the command targets one.
    pub const fn asset(&self) -> Option<AssetId> {
        match self {
            Self::Place(r) => Some(r.asset),
            Self::Modify { asset, .. } | Self::Cancel { asset, .. } => Some(*asset),
            Self::CancelAll { asset } => *asset,
        }
    }
}

/// The kind of a [`Command`], as reported back in an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandKind {
    /// [`Command::Place`].
    Place,
    /// [`Command::Modify`].
    Modify,
    /// [`Command::Cancel`].
    Cancel,
    /// [`Command::CancelAll`].
    CancelAll,
}
