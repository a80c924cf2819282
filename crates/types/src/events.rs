//! Fixed-size, `Copy` events parsed from the venue's WebSocket frames.
//!
//! These are what travels through the feed → quote rings: no heap, no strings. Prices and
//! sizes are already in the instrument's ticks and lots ([`crate::InstrumentSpec`]),
//! times are venue times converted to [`Nanos`]. A frame that holds more items than one event
//! carries (trades, fills, mids, order updates) becomes several events, in frame order.

use crate::{AssetId, Cloid, Nanos, Oid, Px, Rate, Side, Sz, Tid, TxHash, Usd};

/// Most levels the venue sends per side of an `l2Book` (5 with `fast: true`).
pub const MAX_BOOK_LEVELS: usize = 20;
/// Most trades carried by one [`TradeBatch`].
pub const MAX_TRADES_PER_EVENT: usize = 16;
/// Most fills carried by one [`FillBatch`].
pub const MAX_FILLS_PER_EVENT: usize = 8;
/// Most order updates carried by one [`OrderUpdateBatch`].
pub const MAX_ORDER_UPDATES_PER_EVENT: usize = 8;
/// Most mids carried by one [`MidBatch`].
pub const MAX_MIDS_PER_EVENT: usize = 32;
/// Most cancels carried by one [`NonUserCancelBatch`].
pub const MAX_CANCELS_PER_EVENT: usize = 16;

/// One price level of a book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Level {
    /// Price, in the instrument's ticks.
    pub px: Px,
    /// Total size at this price, in lots.
    pub sz: Sz,
    /// Number of orders at this price.
    pub n: u32,
}

/// A fixed-capacity, inline list of `T` (`len` valid items, the rest default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InlineVec<T: Copy + Default, const N: usize> {
    len: u8,
    items: [T; N],
}

impl<T: Copy + Default, const N: usize> Default for InlineVec<T, N> {
    fn default() -> Self {
        Self { len: 0, items: [T::default(); N] }
    }
}

impl<T: Copy + Default, const N: usize> InlineVec<T, N> {
    /// Capacity.
    pub const CAPACITY: usize = N;

    /// Appends `v`; returns it back if full.
    #[inline]
    pub fn push(&mut self, v: T) -> Result<(), T> {
        let i = self.len as usize;
        match self.items.get_mut(i) {
            Some(slot) => {
                *slot = v;
                self.len += 1;
                Ok(())
            }
            None => Err(v),
        }
    }

    /// The valid items.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        &self.items[..self.len as usize]
    }

    /// Number of valid items.
    #[inline]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// `true` when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `true` when no more items fit.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.len as usize == N
    }

    /// Removes every item.
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
    }
}

/// One side of a book, best level first.
pub type BookSide = InlineVec<Level, MAX_BOOK_LEVELS>;

/// A full `l2Book` snapshot (each push replaces the whole book).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BookSnapshot {
    /// The instrument.
    pub asset: AssetId,
    /// Venue time of the book (block time), from its `time` field in ms.
    pub time: Nanos,
    /// Bids, highest first.
    pub bids: BookSide,
    /// Asks, lowest first.
    pub asks: BookSide,
}

/// A `bbo` update: best bid and ask, either side possibly empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bbo {
    /// The instrument.
    pub asset: AssetId,
    /// Venue time.
    pub time: Nanos,
    /// Best bid, if any.
    pub bid: Option<Level>,
    /// Best ask, if any.
    pub ask: Option<Level>,
}

/// One public trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trade {
    /// The instrument.
    pub asset: AssetId,
    /// The aggressor's side.
    pub side: Side,
    /// Price, in ticks.
    pub px: Px,
    /// Size, in lots.
    pub sz: Sz,
    /// Venue time.
    pub time: Nanos,
    /// Trade id.
    pub tid: Tid,
}

impl Default for Trade {
    fn default() -> Self {
        Self {
            asset: AssetId::default(),
            side: Side::Bid,
            px: Px::default(),
            sz: Sz::default(),
            time: Nanos::default(),
            tid: Tid::default(),
        }
    }
}

/// Up to [`MAX_TRADES_PER_EVENT`] trades from one `trades` frame.
pub type TradeBatch = InlineVec<Trade, MAX_TRADES_PER_EVENT>;

/// One coin's mid from `allMids`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mid {
    /// The instrument.
    pub asset: AssetId,
    /// Mid price, in ticks (the venue's mid may be off the order grid).
    pub px: Px,
}

/// Up to [`MAX_MIDS_PER_EVENT`] mids from one `allMids` frame (coins we do not know are
/// skipped).
pub type MidBatch = InlineVec<Mid, MAX_MIDS_PER_EVENT>;

/// One of our fills (`userFills`, or the `fills` of a `user` event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    /// The instrument.
    pub asset: AssetId,
    /// Our side: `Bid` = we bought.
    pub side: Side,
    /// Fill price, in ticks.
    pub px: Px,
    /// Fill size, in lots (positive).
    pub sz: Sz,
    /// Venue time.
    pub time: Nanos,
    /// Our position before this fill, in lots (signed), as the venue saw it.
    pub start_position: Sz,
    /// Realised PnL of this fill as the venue computed it.
    pub closed_pnl: Usd,
    /// Fee paid; negative is a rebate.
    pub fee: Usd,
    /// The order that filled.
    pub oid: Oid,
    /// Trade id: with `hash`, the key that deduplicates fills.
    pub tid: Tid,
    /// The transaction hash.
    pub hash: TxHash,
    /// Our client order id, if the order had one.
    pub cloid: Option<Cloid>,
    /// `true` if we were the taker.
    pub crossed: bool,
    /// `true` if this fill came from a liquidation (ours or as liquidator).
    pub liquidation: bool,
}

impl Default for Fill {
    fn default() -> Self {
        Self {
            asset: AssetId::default(),
            side: Side::Bid,
            px: Px::default(),
            sz: Sz::default(),
            time: Nanos::default(),
            start_position: Sz::default(),
            closed_pnl: Usd::default(),
            fee: Usd::default(),
            oid: Oid::default(),
            tid: Tid::default(),
            hash: TxHash::default(),
            cloid: None,
            crossed: false,
            liquidation: false,
        }
    }
}

/// Where a batch of fills came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FillSource {
    /// The `userFills` channel.
    #[default]
    UserFills,
    /// The `user` (userEvents) channel.
    UserEvents,
}

/// Fills from one frame, in frame order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FillBatch {
    /// `true` for the snapshot that opens (or re-opens, after a reconnect) a `userFills`
    /// subscription: fills already seen must be deduplicated by `tid`.
    pub is_snapshot: bool,
    /// Which channel.
    pub source: FillSource,
    /// The fills.
    pub fills: InlineVec<Fill, MAX_FILLS_PER_EVENT>,
}

/// An order's status as the venue names it (`orderUpdates`, `orderStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderStatus {
    /// Resting.
    #[default]
    Open,
    /// Completely filled.
    Filled,
    /// Cancelled by us.
    Canceled,
    /// A trigger order triggered.
    Triggered,
    /// Rejected (the `…Rejected` statuses: tick, ALO would cross, margin, …).
    Rejected,
    /// Cancelled for insufficient margin.
    MarginCanceled,
    /// Cancelled by a vault withdrawal.
    VaultWithdrawalCanceled,
    /// Cancelled at the open-interest cap.
    OpenInterestCapCanceled,
    /// Self-trade prevention expired this (maker) order.
    SelfTradeCanceled,
    /// A reduce-only order that would have increased the position.
    ReduceOnlyCanceled,
    /// A TP/SL sibling filled.
    SiblingFilledCanceled,
    /// The asset was delisted.
    DelistedCanceled,
    /// Cancelled by a liquidation.
    LiquidatedCanceled,
    /// Cancelled by our dead-man's switch (`scheduleCancel`).
    ScheduledCancel,
    /// A status this build does not know; treated as terminal and sent to reconciliation.
    Unknown,
}

impl OrderStatus {
    /// Maps the venue's status string. Any `…Rejected` name is [`OrderStatus::Rejected`];
    /// anything else unknown is [`OrderStatus::Unknown`].
    pub fn from_wire(s: &[u8]) -> Self {
        match s {
            b"open" => Self::Open,
            b"filled" => Self::Filled,
            b"canceled" => Self::Canceled,
            b"triggered" => Self::Triggered,
            b"rejected" => Self::Rejected,
            b"marginCanceled" => Self::MarginCanceled,
            b"vaultWithdrawalCanceled" => Self::VaultWithdrawalCanceled,
            b"openInterestCapCanceled" => Self::OpenInterestCapCanceled,
            b"selfTradeCanceled" => Self::SelfTradeCanceled,
            b"reduceOnlyCanceled" => Self::ReduceOnlyCanceled,
            b"siblingFilledCanceled" => Self::SiblingFilledCanceled,
            b"delistedCanceled" => Self::DelistedCanceled,
            b"liquidatedCanceled" => Self::LiquidatedCanceled,
            b"scheduledCancel" => Self::ScheduledCancel,
            s if s.ends_with(b"Rejected") => Self::Rejected,
            _ => Self::Unknown,
        }
    }

    /// `true` for every status after which the order no longer rests.
    pub const fn is_terminal(self) -> bool {
        !matches!(self, Self::Open | Self::Triggered)
    }
}

/// One `orderUpdates` item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderUpdate {
    /// The instrument.
    pub asset: AssetId,
    /// The order's side.
    pub side: Side,
    /// Limit price, in ticks.
    pub limit_px: Px,
    /// Remaining size, in lots.
    pub sz: Sz,
    /// Original size, in lots.
    pub orig_sz: Sz,
    /// The venue's order id.
    pub oid: Oid,
    /// Our client order id, if any.
    pub cloid: Option<Cloid>,
    /// When the order was created (venue time).
    pub timestamp: Nanos,
    /// The new status.
    pub status: OrderStatus,
    /// When the status changed (venue time): with `oid` and `status`, the dedup key.
    pub status_time: Nanos,
}

impl Default for OrderUpdate {
    fn default() -> Self {
        Self {
            asset: AssetId::default(),
            side: Side::Bid,
            limit_px: Px::default(),
            sz: Sz::default(),
            orig_sz: Sz::default(),
            oid: Oid::default(),
            cloid: None,
            timestamp: Nanos::default(),
            status: OrderStatus::default(),
            status_time: Nanos::default(),
        }
    }
}

/// Order updates from one frame, in frame order.
pub type OrderUpdateBatch = InlineVec<OrderUpdate, MAX_ORDER_UPDATES_PER_EVENT>;

/// A funding payment (`user` → `funding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Funding {
    /// The instrument.
    pub asset: AssetId,
    /// Venue time.
    pub time: Nanos,
    /// USDC paid (negative) or received (positive).
    pub usdc: Usd,
    /// Our signed position at the time, in lots.
    pub szi: Sz,
    /// The hourly funding rate applied.
    pub rate: Rate,
}

/// A liquidation that involved us (`user` → `liquidation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Liquidation {
    /// The venue's liquidation id.
    pub lid: u64,
    /// Notional of the liquidated position.
    pub liquidated_ntl_pos: Usd,
    /// Account value at liquidation.
    pub liquidated_account_value: Usd,
}

/// An order the venue cancelled for us (`user` → `nonUserCancel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NonUserCancel {
    /// The instrument.
    pub asset: AssetId,
    /// The order.
    pub oid: Oid,
}

/// Non-user cancels from one frame.
pub type NonUserCancelBatch = InlineVec<NonUserCancel, MAX_CANCELS_PER_EVENT>;

/// `activeAssetCtx`: the asset's context (mark, oracle, funding, volume, open interest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AssetCtx {
    /// The instrument.
    pub asset: AssetId,
    /// 24 h notional volume.
    pub day_ntl_vlm: Usd,
    /// Price 24 h ago, in ticks.
    pub prev_day_px: Px,
    /// Mark price, in ticks.
    pub mark_px: Px,
    /// Mid price, in ticks, when the book has both sides.
    pub mid_px: Option<Px>,
    /// Oracle price, in ticks.
    pub oracle_px: Px,
    /// Current hourly funding rate.
    pub funding: Rate,
    /// Open interest, in lots.
    pub open_interest: Sz,
}

/// The channel a frame belongs to. Also indexes per-channel counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Channel {
    /// `l2Book`.
    L2Book,
    /// `bbo`.
    Bbo,
    /// `trades`.
    Trades,
    /// `allMids`.
    AllMids,
    /// `orderUpdates`.
    OrderUpdates,
    /// `userFills`.
    UserFills,
    /// `user` (userEvents).
    User,
    /// `activeAssetCtx`.
    ActiveAssetCtx,
    /// `subscriptionResponse`.
    SubscriptionResponse,
    /// `pong`.
    Pong,
    /// `post` replies.
    Post,
    /// `error`.
    Error,
    /// Anything else (counted and skipped).
    #[default]
    Unknown,
}

impl Channel {
    /// Number of channels, for counter arrays.
    pub const COUNT: usize = 13;

    /// Every channel, in index order.
    pub const ALL: [Self; Self::COUNT] = [
        Self::L2Book,
        Self::Bbo,
        Self::Trades,
        Self::AllMids,
        Self::OrderUpdates,
        Self::UserFills,
        Self::User,
        Self::ActiveAssetCtx,
        Self::SubscriptionResponse,
        Self::Pong,
        Self::Post,
        Self::Error,
        Self::Unknown,
    ];

    /// The venue's channel (and subscription type) name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::L2Book => "l2Book",
            Self::Bbo => "bbo",
            Self::Trades => "trades",
            Self::AllMids => "allMids",
            Self::OrderUpdates => "orderUpdates",
            Self::UserFills => "userFills",
            Self::User => "user",
            Self::ActiveAssetCtx => "activeAssetCtx",
            Self::SubscriptionResponse => "subscriptionResponse",
            Self::Pong => "pong",
            Self::Post => "post",
            Self::Error => "error",
            Self::Unknown => "unknown",
        }
    }

    /// From the venue's channel name.
    pub fn from_wire(s: &[u8]) -> Self {
        Self::ALL.into_iter().find(|c| c.name().as_bytes() == s).unwrap_or(Self::Unknown)
    }

    /// Index into per-channel arrays.
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// What kind of `post` reply arrived (the exec thread parses the payload itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostReplyKind {
    /// An `info` reply.
    Info,
    /// An `action` reply (the `/exchange` body).
    Action,
    /// An `error` reply (a string mirroring an HTTP error).
    Error,
}

/// The classified text of a venue `error` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VenueErrorKind {
    /// `Already subscribed: …`.
    AlreadySubscribed,
    /// `Cannot track more than 10 total users.`
    TooManyUsers,
    /// `Cannot subscribe to more than 1000 channels.`
    TooManyChannels,
    /// `Cannot send more than 2000 messages per minute.`
    TooManyMessages,
    /// `too many pending post requests id=…`.
    TooManyPendingPosts,
    /// Any other text.
    Other,
}

/// Everything the feed parser produces, one variant per kind of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedEvent {
    /// An `l2Book` snapshot.
    Book(BookSnapshot),
    /// A `bbo` update.
    Bbo(Bbo),
    /// Public trades.
    Trades(TradeBatch),
    /// Mids of known coins.
    Mids(MidBatch),
    /// Our fills.
    Fills(FillBatch),
    /// Our order updates.
    OrderUpdates(OrderUpdateBatch),
    /// A funding payment.
    Funding(Funding),
    /// A liquidation involving us.
    Liquidation(Liquidation),
    /// Orders the venue cancelled for us.
    NonUserCancels(NonUserCancelBatch),
    /// An asset context.
    AssetCtx(AssetCtx),
    /// A subscription was acknowledged.
    Subscribed {
        /// Which channel.
        channel: Channel,
        /// For per-coin channels, the coin (when known).
        asset: Option<AssetId>,
    },
    /// A `pong` (liveness).
    Pong,
    /// A `post` reply; its payload is parsed by the exec thread.
    PostReply {
        /// The request id we sent.
        id: u64,
        /// Reply kind.
        kind: PostReplyKind,
    },
    /// An `error` frame from the venue.
    VenueError(VenueErrorKind),
    /// User-stream items (fills, order updates, funding, venue cancels) on coins that are not
    /// in our instrument table. They cannot be converted (no scale for their prices), so they
    /// are skipped; activity on a coin we do not manage means reconciliation must look at the
    /// account. Emitted after the frame's other events.
    UnknownCoinUserData {
        /// The channel they came on.
        channel: Channel,
        /// How many items the frame skipped.
        items: u32,
    },
}

impl FeedEvent {
    /// `true` for user-stream data that must never be dropped (fills, order updates, funding,
    /// liquidations, venue cancels): it goes on the lossless ring. Everything else is market
    /// data or control and may be conflated.
    pub const fn is_lossless(&self) -> bool {
        matches!(
            self,
            Self::Fills(_)
                | Self::OrderUpdates(_)
                | Self::Funding(_)
                | Self::Liquidation(_)
                | Self::NonUserCancels(_)
                | Self::UnknownCoinUserData { .. }
        )
    }
}
