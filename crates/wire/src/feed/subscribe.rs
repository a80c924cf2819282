//! Outgoing WebSocket frames: `subscribe`, `unsubscribe` and `ping`, and the user [`Address`]
//! they name.
//!
//! Built at connect time and every ~50 s for the ping, never per market-data frame, so writing
//! into a caller's `String` is fine here.

use std::fmt::Write as _;

use hlmm_types::events::Channel;
use hlmm_types::Coin;

pub use hlmm_types::Address;

/// One WebSocket subscription we make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subscription {
    /// `l2Book` for one coin (full snapshots, ≤ 20 levels per side).
    L2Book {
        /// The coin.
        coin: Coin,
    },
    /// `bbo` for one coin.
    Bbo {
        /// The coin.
        coin: Coin,
    },
    /// Public `trades` for one coin.
    Trades {
        /// The coin.
        coin: Coin,
    },
    /// `allMids`: every coin's mid.
    AllMids,
    /// Our `orderUpdates`.
    OrderUpdates {
        /// Our account.
        user: Address,
    },
    /// Our `userFills` (starts with an `isSnapshot` frame).
    UserFills {
        /// Our account.
        user: Address,
    },
    /// Our `userEvents` (answered on the `user` channel).
    UserEvents {
        /// Our account.
        user: Address,
    },
    /// `activeAssetCtx` for one coin.
    ActiveAssetCtx {
        /// The coin.
        coin: Coin,
    },
}

impl Subscription {
    /// The subscription `type` the venue expects.
    pub const fn type_name(&self) -> &'static str {
        match self {
            Self::L2Book { .. } => "l2Book",
            Self::Bbo { .. } => "bbo",
            Self::Trades { .. } => "trades",
            Self::AllMids => "allMids",
            Self::OrderUpdates { .. } => "orderUpdates",
            Self::UserFills { .. } => "userFills",
            Self::UserEvents { .. } => "userEvents",
            Self::ActiveAssetCtx { .. } => "activeAssetCtx",
        }
    }

    /// The channel the venue answers this subscription on.
    pub const fn channel(&self) -> Channel {
        match self {
            Self::L2Book { .. } => Channel::L2Book,
            Self::Bbo { .. } => Channel::Bbo,
            Self::Trades { .. } => Channel::Trades,
            Self::AllMids => Channel::AllMids,
            Self::OrderUpdates { .. } => Channel::OrderUpdates,
            Self::UserFills { .. } => Channel::UserFills,
            Self::UserEvents { .. } => Channel::User,
            Self::ActiveAssetCtx { .. } => Channel::ActiveAssetCtx,
        }
    }

    fn write_object(&self, buf: &mut String) {
        buf.push_str("{\"type\":\"");
        buf.push_str(self.type_name());
        buf.push('"');
        match self {
            Self::L2Book { coin }
            | Self::Bbo { coin }
            | Self::Trades { coin }
            | Self::ActiveAssetCtx { coin } => {
                buf.push_str(",\"coin\":");
                push_json_str(buf, coin.as_str());
            }
            Self::OrderUpdates { user } | Self::UserFills { user } | Self::UserEvents { user } => {
                // Display of `Address` is infallible; writing to a String cannot fail.
                let _ = write!(buf, ",\"user\":\"{user}\"");
            }
            Self::AllMids => {}
        }
        buf.push('}');
    }
}

/// The `ping` frame; the venue answers `{"channel":"pong"}` and closes a socket it has heard
/// nothing from for 60 s.
pub const PING: &str = r#"{"method":"ping"}"#;

/// Writes `{"method":"subscribe","subscription":{…}}` into `buf` (cleared first).
pub fn subscribe_message(sub: &Subscription, buf: &mut String) {
    write_method("subscribe", sub, buf);
}

/// Writes `{"method":"unsubscribe","subscription":{…}}` into `buf` (cleared first).
pub fn unsubscribe_message(sub: &Subscription, buf: &mut String) {
    write_method("unsubscribe", sub, buf);
}

fn write_method(method: &str, sub: &Subscription, buf: &mut String) {
    buf.clear();
    buf.push_str("{\"method\":\"");
    buf.push_str(method);
    buf.push_str("\",\"subscription\":");
    sub.write_object(buf);
    buf.push('}');
}

/// A JSON string literal. Coin names are plain ASCII in practice; escaping keeps a strange
/// name from producing a broken frame.
fn push_json_str(buf: &mut String, s: &str) {
    buf.push('"');
    for c in s.chars() {
        match c {
            '"' => buf.push_str("\\\""),
            '\\' => buf.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(buf, "\\u{:04x}", u32::from(c));
            }
            c => buf.push(c),
        }
    }
    buf.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use hlmm_types::IdError;

    const ME: &str = "0x8c967e73e7b15087c42a10d344cff4c96d877f1d";

    fn coin(name: &str) -> Coin {
        Coin::new(name.as_bytes()).expect("valid coin")
    }

    #[test]
    fn subscribe_messages_match_the_venue_examples() {
        let user: Address = ME.parse().expect("valid address");
        let cases = [
            (Subscription::L2Book { coin: coin("BTC") }, r#"{"type":"l2Book","coin":"BTC"}"#),
            (Subscription::Bbo { coin: coin("ETH") }, r#"{"type":"bbo","coin":"ETH"}"#),
            (Subscription::Trades { coin: coin("SOL") }, r#"{"type":"trades","coin":"SOL"}"#),
            (Subscription::AllMids, r#"{"type":"allMids"}"#),
            (
                Subscription::OrderUpdates { user },
                r#"{"type":"orderUpdates","user":"0x8c967e73e7b15087c42a10d344cff4c96d877f1d"}"#,
            ),
            (
                Subscription::UserFills { user },
                r#"{"type":"userFills","user":"0x8c967e73e7b15087c42a10d344cff4c96d877f1d"}"#,
            ),
            (
                Subscription::UserEvents { user },
                r#"{"type":"userEvents","user":"0x8c967e73e7b15087c42a10d344cff4c96d877f1d"}"#,
            ),
            (
                Subscription::ActiveAssetCtx { coin: coin("BTC") },
                r#"{"type":"activeAssetCtx","coin":"BTC"}"#,
            ),
        ];
        let mut buf = String::new();
        for (sub, object) in cases {
            subscribe_message(&sub, &mut buf);
            assert_eq!(buf, format!(r#"{{"method":"subscribe","subscription":{object}}}"#));
            unsubscribe_message(&sub, &mut buf);
            assert_eq!(buf, format!(r#"{{"method":"unsubscribe","subscription":{object}}}"#));
        }
    }

    #[test]
    fn address_is_sent_lower_case_whatever_case_it_was_given_in() {
        let a: Address = "0x8C967E73E7B15087C42A10D344CFF4C96D877F1D".parse().expect("valid");
        assert_eq!(a.to_string(), ME);
    }

    #[test]
    fn address_rejects_wrong_lengths_and_digits() {
        for bad in ["", "0x", ME.trim_start_matches("0x"), "0x8c967e73", &ME.replace('8', "g")] {
            assert_eq!(
                Address::parse(bad.as_bytes()),
                Err(IdError::BadHex { expected: 40 }),
                "{bad}"
            );
        }
    }

    #[test]
    fn strange_coin_names_are_escaped() {
        let mut buf = String::new();
        subscribe_message(&Subscription::Trades { coin: coin("a\"b\\c") }, &mut buf);
        assert_eq!(
            buf,
            r#"{"method":"subscribe","subscription":{"type":"trades","coin":"a\"b\\c"}}"#
        );
        assert!(serde_json::from_str::<serde_json::Value>(&buf).is_ok());
    }
}
