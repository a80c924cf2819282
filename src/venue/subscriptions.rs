//! The WebSocket subscriptions hlmm makes: per quoted coin its book, trades and asset context,
//! and for our account its order updates, fills and user events.

use crate::types::Coin;

/// The subscribe frames (JSON text) for `coins` and, if given, the account `user` (0x + 40 hex,
/// lower case: the venue routes user channels by the lower-cased address).
pub fn subscribe_frames(coins: &[Coin], user: Option<&str>) -> Vec<String> {
    let mut frames = Vec::with_capacity(coins.len() * 3 + 3);
    for coin in coins {
        for kind in ["l2Book", "trades", "activeAssetCtx"] {
            frames.push(frame(&serde_json::json!({"type": kind, "coin": coin.as_str()})));
        }
    }
    if let Some(user) = user {
        let user = user.to_ascii_lowercase();
        for kind in ["orderUpdates", "userFills", "userEvents"] {
            frames.push(frame(&serde_json::json!({"type": kind, "user": user})));
        }
    }
    frames
}

fn frame(subscription: &serde_json::Value) -> String {
    serde_json::json!({"method": "subscribe", "subscription": subscription}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_cover_each_coin_and_the_account() {
        let coins = [Coin::new(b"BTC").expect("coin")];
        let frames = subscribe_frames(&coins, Some("0xABCDEF0000000000000000000000000000000001"));
        assert_eq!(frames.len(), 6);
        assert_eq!(
            frames[0],
            r#"{"method":"subscribe","subscription":{"coin":"BTC","type":"l2Book"}}"#
        );
        assert!(frames[3].contains(r#""user":"0xabcdef0000000000000000000000000000000001""#));
        assert!(frames[5].contains(r#""type":"userEvents""#));
    }
}
