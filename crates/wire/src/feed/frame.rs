//! The frame envelope: `{"channel": …, "data": …}` to the channel's decoder.

use simd_json::Node;

use super::control::{post_reply, subscription_response, venue_error};
use super::emit::Skipped;
use super::error::ParseError;
use super::instruments::InstrumentTable;
use super::market::{active_asset_ctx, all_mids, bbo, l2_book, trades};
use super::tape::{req, Val};
use super::user::{order_updates, user_event, user_fills};
use hlmm_types::events::{Channel, FeedEvent};

/// A rejected frame: the channel it is counted under, and why.
type Failed = (Channel, ParseError);

/// The channel a frame's `channel` names. Per frame, so a `match` rather than a scan of
/// [`Channel::ALL`].
fn channel_from_wire(name: &[u8]) -> Channel {
    match name {
        b"l2Book" => Channel::L2Book,
        b"bbo" => Channel::Bbo,
        b"trades" => Channel::Trades,
        b"allMids" => Channel::AllMids,
        b"orderUpdates" => Channel::OrderUpdates,
        b"userFills" => Channel::UserFills,
        b"user" => Channel::User,
        b"activeAssetCtx" => Channel::ActiveAssetCtx,
        b"subscriptionResponse" => Channel::SubscriptionResponse,
        b"pong" => Channel::Pong,
        b"post" => Channel::Post,
        b"error" => Channel::Error,
        _ => Channel::Unknown,
    }
}

/// Reads the envelope and hands `data` to the channel's decoder.
pub(super) fn parse_frame(
    instruments: &InstrumentTable,
    nodes: &[Node<'_>],
    out: &mut impl FnMut(FeedEvent),
) -> Result<(Channel, Skipped), Failed> {
    let unknown = |e| (Channel::Unknown, e);
    let root = Val::first(nodes).ok_or(unknown(ParseError::Json))?;
    let mut channel = None;
    let mut data = None;
    for (key, val) in root.obj("frame").map_err(unknown)? {
        match key {
            b"channel" => channel = Some(val),
            b"data" => data = Some(val),
            _ => {}
        }
    }
    let name = req(channel, "channel").and_then(|v| v.bytes("channel")).map_err(unknown)?;
    let channel = channel_from_wire(name);
    let t = instruments;
    let data = || req(data, "data");
    let result = match channel {
        Channel::L2Book => data().and_then(|d| l2_book(t, d, out)),
        Channel::Bbo => data().and_then(|d| bbo(t, d, out)),
        Channel::Trades => data().and_then(|d| trades(t, d, out)),
        Channel::AllMids => data().and_then(|d| all_mids(t, d, out)),
        Channel::OrderUpdates => data().and_then(|d| order_updates(t, d, out)),
        Channel::UserFills => data().and_then(|d| user_fills(t, d, out)),
        Channel::User => data().and_then(|d| user_event(t, d, out)),
        Channel::ActiveAssetCtx => data().and_then(|d| active_asset_ctx(t, d, out)),
        Channel::SubscriptionResponse => data().and_then(|d| subscription_response(t, d, out)),
        Channel::Post => data().and_then(|d| post_reply(d, out)),
        Channel::Error => data().and_then(|d| venue_error(d, out)),
        Channel::Pong => {
            out(FeedEvent::Pong);
            Ok(Skipped::default())
        }
        Channel::Unknown => Ok(Skipped::default()),
    };
    result.map(|skipped| (channel, skipped)).map_err(|e| (channel, e))
}
