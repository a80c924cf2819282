//! Connection-level channels: `subscriptionResponse`, `post` replies and `error` frames.

use super::emit::Skipped;
use super::error::ParseError;
use super::instruments::InstrumentTable;
use super::tape::{opt, req, Val};
use hlmm_types::events::{Channel, FeedEvent, PostReplyKind, VenueErrorKind};

/// The channel a subscription `type` is answered on (`userEvents` → `user`). Not per frame: the
/// venue's names are looked up in [`Channel::from_wire`].
fn channel_of_subscription_type(name: &[u8]) -> Channel {
    match name {
        b"userEvents" => Channel::User,
        // `user` is a channel name, not a subscription type.
        b"user" => Channel::Unknown,
        other => Channel::from_wire(other),
    }
}

pub(super) fn subscription_response(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let (mut method, mut subscription) = (None, None);
    for (key, val) in data.obj("data")? {
        match key {
            b"method" => method = Some(val),
            b"subscription" => subscription = Some(val),
            _ => {}
        }
    }
    let method = req(method, "method")?.bytes("method")?;
    let (mut kind, mut coin) = (None, None);
    for (key, val) in req(subscription, "subscription")?.obj("subscription")? {
        match key {
            b"type" => kind = Some(val),
            b"coin" => coin = Some(val),
            _ => {}
        }
    }
    let channel = channel_of_subscription_type(req(kind, "type")?.bytes("type")?);
    let asset = match opt(coin) {
        Some(coin) => t.get(coin.bytes("coin")?).map(|s| s.asset),
        None => None,
    };
    match method {
        b"subscribe" => out(FeedEvent::Subscribed { channel, asset }),
        // We only unsubscribe on purpose, and the echo carries nothing to act on.
        b"unsubscribe" => {}
        _ => return Err(ParseError::BadValue("method")),
    }
    Ok(Skipped::default())
}

pub(super) fn post_reply(
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let (mut id, mut response) = (None, None);
    for (key, val) in data.obj("data")? {
        match key {
            b"id" => id = Some(val),
            b"response" => response = Some(val),
            _ => {}
        }
    }
    let id = req(id, "id")?.u64("id")?;
    let mut kind = None;
    for (key, val) in req(response, "response")?.obj("response")? {
        if key == b"type" {
            kind = Some(val);
        }
    }
    let kind = match req(kind, "type")?.bytes("type")? {
        b"info" => PostReplyKind::Info,
        b"action" => PostReplyKind::Action,
        b"error" => PostReplyKind::Error,
        _ => return Err(ParseError::BadValue("type")),
    };
    out(FeedEvent::PostReply { id, kind });
    Ok(Skipped::default())
}

pub(super) fn venue_error(
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    out(FeedEvent::VenueError(venue_error_kind(data.bytes("data")?)));
    Ok(Skipped::default())
}

/// Classifies the text of a venue `error` frame by its prefix (hyperliquid.md §2).
pub fn venue_error_kind(text: &[u8]) -> VenueErrorKind {
    const PREFIXES: [(&[u8], VenueErrorKind); 5] = [
        (b"Already subscribed", VenueErrorKind::AlreadySubscribed),
        (b"Cannot track more than", VenueErrorKind::TooManyUsers),
        (b"Cannot subscribe to more than", VenueErrorKind::TooManyChannels),
        (b"Cannot send more than", VenueErrorKind::TooManyMessages),
        (b"too many pending post requests", VenueErrorKind::TooManyPendingPosts),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| text.starts_with(prefix))
        .map_or(VenueErrorKind::Other, |&(_, kind)| kind)
}
