//! The venue's WebSocket limits per client IP (hyperliquid.md §8, "WS per IP"), as
//! bookkeeping: [`WsLimits`] (the numbers, from [`crate::SimConfig::ws_limits`]) and
//! [`WsIps`] (the counts).
//!
//! | limit | default | over it |
//! |---|---|---|
//! | open connections | 10 | the upgrade is refused with HTTP 429 |
//! | new connections in any 60 s | 30 | the upgrade is refused with HTTP 429 |
//! | subscriptions | 1000 | `error`: `Cannot subscribe to more than 1000 channels.` |
//! | distinct users in user subscriptions | 10 | `error`: `Cannot track more than 10 total users.` |
//! | messages sent in any 60 s | 2000 | `error`: `Cannot send more than 2000 messages per minute.` |
//!
//! - The venue documents no text for the connection limits: the 429 is our choice.
//! - Counts are per IP across all of that IP's connections. An open connection counts until
//!   it ends; a subscription until it is unsubscribed or its connection ends. A user counts
//!   while any user-specific subscription (`orderUpdates`, `userFills`, `userEvents`) of
//!   that IP follows them.
//! - The two rates are sliding 60 s windows (the times of the admitted events are kept):
//!   the n+1-th event within 60 s of the first of the last n is refused. A refused event is
//!   not counted, so a client that backs off is served again 60 s after its burst.
//! - Every client message counts (text or binary), `ping` included: the venue counts every
//!   message sent. WebSocket control frames (protocol ping, pong, close) do not.
//! - A limit of 0 means no limit. The error texts carry the configured numbers.
//!
//! Pure: `now_ms` is an argument. The server keeps one [`WsIps`] under its own short lock.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::seams::Address;

/// The length of the rate windows, ms.
const WINDOW_MS: u64 = 60_000;

/// The per-IP WebSocket limits; 0 = no limit. `[ws_limits]` in the simulator's config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WsLimits {
    /// Open connections (venue: 10).
    pub connections: u32,
    /// New connections in any 60 s (venue: 30).
    pub new_connections_per_minute: u32,
    /// Subscriptions (venue: 1000).
    pub subscriptions: u32,
    /// Distinct users followed by user-specific subscriptions (venue: 10).
    pub users: u32,
    /// Client messages in any 60 s (venue: 2000).
    pub messages_per_minute: u32,
}

impl Default for WsLimits {
    fn default() -> Self {
        Self {
            connections: 10,
            new_connections_per_minute: 30,
            subscriptions: 1000,
            users: 10,
            messages_per_minute: 2000,
        }
    }
}

impl WsLimits {
    /// No limit at all.
    pub const UNLIMITED: Self = Self {
        connections: 0,
        new_connections_per_minute: 0,
        subscriptions: 0,
        users: 0,
        messages_per_minute: 0,
    };
}

/// Why a connection was refused (answered with HTTP 429 either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnRefusal {
    /// The IP has `connections` open.
    TooManyOpen,
    /// The IP opened `new_connections_per_minute` in the last 60 s.
    TooManyNew,
}

/// `true` when `count` more would pass `limit` (0 = no limit).
fn full(count: usize, limit: u32) -> bool {
    limit != 0 && count >= limit as usize
}

/// The times of the events admitted in the last 60 s.
#[derive(Debug, Clone, Default)]
struct Window {
    times: VecDeque<u64>,
}

impl Window {
    fn expire(&mut self, now_ms: u64) {
        while self.times.front().is_some_and(|&t| now_ms.saturating_sub(t) >= WINDOW_MS) {
            self.times.pop_front();
        }
    }

    /// Counts an event at `now_ms` unless `limit` were already admitted in the window.
    fn admit(&mut self, limit: u32, now_ms: u64) -> bool {
        if limit == 0 {
            return true;
        }
        self.expire(now_ms);
        if full(self.times.len(), limit) {
            return false;
        }
        self.times.push_back(now_ms);
        true
    }
}

/// One IP's counts.
#[derive(Debug, Clone, Default)]
struct IpState {
    open: usize,
    opened: Window,
    messages: Window,
    subscriptions: usize,
    /// User → user-specific subscriptions following them.
    users: HashMap<Address, usize>,
}

impl IpState {
    /// Nothing open and nothing in the windows: the entry can go.
    fn idle(&mut self, now_ms: u64) -> bool {
        self.opened.expire(now_ms);
        self.messages.expire(now_ms);
        self.open == 0
            && self.subscriptions == 0
            && self.opened.times.is_empty()
            && self.messages.times.is_empty()
    }
}

/// The WebSocket counts of every client IP.
#[derive(Debug, Clone, Default)]
pub struct WsIps {
    limits: WsLimits,
    by_ip: HashMap<IpAddr, IpState>,
}

impl WsIps {
    /// Counts enforcing `limits`.
    pub fn new(limits: WsLimits) -> Self {
        Self { limits, by_ip: HashMap::new() }
    }

    /// The limits enforced.
    pub fn limits(&self) -> WsLimits {
        self.limits
    }

    /// A new connection from `ip` at `now_ms`: counted, or refused (and not counted).
    pub fn open(&mut self, ip: IpAddr, now_ms: u64) -> Result<(), ConnRefusal> {
        // Forget the IPs with nothing left to count (a map of loopback addresses in practice).
        self.by_ip.retain(|_, s| !s.idle(now_ms));
        let s = self.by_ip.entry(ip).or_default();
        if full(s.open, self.limits.connections) {
            return Err(ConnRefusal::TooManyOpen);
        }
        if !s.opened.admit(self.limits.new_connections_per_minute, now_ms) {
            return Err(ConnRefusal::TooManyNew);
        }
        s.open += 1;
        Ok(())
    }

    /// A connection from `ip` ended (its subscriptions are released by [`Self::unsubscribe`]).
    pub fn close(&mut self, ip: IpAddr) {
        if let Some(s) = self.by_ip.get_mut(&ip) {
            s.open = s.open.saturating_sub(1);
        }
    }

    /// Open connections of `ip`.
    pub fn open_connections(&self, ip: IpAddr) -> usize {
        self.by_ip.get(&ip).map_or(0, |s| s.open)
    }

    /// A client message from `ip` at `now_ms`: counted, or refused with the venue's text (and
    /// not counted).
    pub fn message(&mut self, ip: IpAddr, now_ms: u64) -> Result<(), String> {
        let limit = self.limits.messages_per_minute;
        if self.by_ip.entry(ip).or_default().messages.admit(limit, now_ms) {
            Ok(())
        } else {
            Err(format!("Cannot send more than {limit} messages per minute."))
        }
    }

    /// A new subscription from `ip`, following `user` if it is user-specific: counted, or
    /// refused with the venue's text (and not counted).
    pub fn subscribe(&mut self, ip: IpAddr, user: Option<Address>) -> Result<(), String> {
        let limits = self.limits;
        let s = self.by_ip.entry(ip).or_default();
        if full(s.subscriptions, limits.subscriptions) {
            return Err(format!(
                "Cannot subscribe to more than {} channels.",
                limits.subscriptions
            ));
        }
        if let Some(user) = user {
            if !s.users.contains_key(&user) && full(s.users.len(), limits.users) {
                return Err(format!("Cannot track more than {} total users.", limits.users));
            }
            *s.users.entry(user).or_default() += 1;
        }
        s.subscriptions += 1;
        Ok(())
    }

    /// A subscription of `ip` (following `user`, if user-specific) ended.
    pub fn unsubscribe(&mut self, ip: IpAddr, user: Option<Address>) {
        let Some(s) = self.by_ip.get_mut(&ip) else { return };
        s.subscriptions = s.subscriptions.saturating_sub(1);
        if let Some(user) = user {
            if let Some(n) = s.users.get_mut(&user) {
                *n -= 1;
                if *n == 0 {
                    s.users.remove(&user);
                }
            }
        }
    }

    /// Subscriptions of `ip`.
    pub fn subscriptions(&self, ip: IpAddr) -> usize {
        self.by_ip.get(&ip).map_or(0, |s| s.subscriptions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_760_000_000_000;
    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    fn user(n: u64) -> Option<Address> {
        let mut a = [0u8; 20];
        a[12..].copy_from_slice(&n.to_be_bytes());
        Some(Address(a))
    }

    #[test]
    fn defaults_are_the_venue_numbers_and_their_texts() {
        let l = WsLimits::default();
        assert_eq!(
            (
                l.connections,
                l.new_connections_per_minute,
                l.subscriptions,
                l.users,
                l.messages_per_minute
            ),
            (10, 30, 1000, 10, 2000)
        );
        let mut w = WsIps::new(WsLimits { subscriptions: 1000, users: 10, ..WsLimits::UNLIMITED });
        for n in 0..10 {
            assert_eq!(w.subscribe(IP, user(n)), Ok(()));
        }
        assert_eq!(w.subscribe(IP, user(10)), Err("Cannot track more than 10 total users.".into()));
        for _ in 10..1000 {
            assert_eq!(w.subscribe(IP, None), Ok(()));
        }
        assert_eq!(
            w.subscribe(IP, None),
            Err("Cannot subscribe to more than 1000 channels.".into())
        );
        let mut m = WsIps::new(WsLimits::default());
        for _ in 0..2000 {
            assert_eq!(m.message(IP, NOW), Ok(()));
        }
        assert_eq!(
            m.message(IP, NOW),
            Err("Cannot send more than 2000 messages per minute.".into())
        );
    }

    #[test]
    fn open_connections_are_capped_until_one_closes() {
        let mut w = WsIps::new(WsLimits { connections: 2, ..WsLimits::UNLIMITED });
        assert_eq!(w.open(IP, NOW), Ok(()));
        assert_eq!(w.open(IP, NOW), Ok(()));
        assert_eq!(w.open(IP, NOW), Err(ConnRefusal::TooManyOpen));
        assert_eq!(w.open(OTHER, NOW), Ok(()), "another IP has its own count");
        w.close(IP);
        assert_eq!(w.open_connections(IP), 1);
        assert_eq!(w.open(IP, NOW), Ok(()));
    }

    #[test]
    fn new_connections_slide_out_of_the_window_after_sixty_seconds() {
        let mut w = WsIps::new(WsLimits { new_connections_per_minute: 2, ..WsLimits::UNLIMITED });
        assert_eq!(w.open(IP, NOW), Ok(()));
        w.close(IP);
        assert_eq!(w.open(IP, NOW + 30_000), Ok(()));
        w.close(IP);
        assert_eq!(w.open(IP, NOW + 59_999), Err(ConnRefusal::TooManyNew));
        // The first left the window; the refused one was not counted.
        assert_eq!(w.open(IP, NOW + 60_000), Ok(()));
        assert_eq!(w.open(IP, NOW + 60_001), Err(ConnRefusal::TooManyNew));
        assert_eq!(w.open(IP, NOW + 90_000), Ok(()));
    }

    #[test]
    fn messages_are_counted_in_a_sliding_minute_and_refusals_are_not_counted() {
        let mut w = WsIps::new(WsLimits { messages_per_minute: 3, ..WsLimits::UNLIMITED });
        for t in [0, 10_000, 20_000] {
            assert_eq!(w.message(IP, NOW + t), Ok(()));
        }
        let refused = Err("Cannot send more than 3 messages per minute.".to_owned());
        for t in [20_001, 40_000, 59_999] {
            assert_eq!(w.message(IP, NOW + t), refused);
        }
        assert_eq!(w.message(IP, NOW + 60_000), Ok(()));
        assert_eq!(w.message(IP, NOW + 60_001), refused);
    }

    #[test]
    fn unsubscribing_frees_the_slot_and_the_user() {
        let mut w = WsIps::new(WsLimits { subscriptions: 3, users: 1, ..WsLimits::UNLIMITED });
        assert_eq!(w.subscribe(IP, user(1)), Ok(()));
        assert_eq!(w.subscribe(IP, user(1)), Ok(()), "the same user again");
        assert_eq!(w.subscribe(IP, user(2)), Err("Cannot track more than 1 total users.".into()));
        assert_eq!(w.subscribe(IP, None), Ok(()));
        assert_eq!(w.subscribe(IP, None), Err("Cannot subscribe to more than 3 channels.".into()));
        assert_eq!(w.subscriptions(IP), 3);
        w.unsubscribe(IP, None);
        assert_eq!(w.subscribe(IP, None), Ok(()));
        w.unsubscribe(IP, user(1));
        assert_eq!(w.subscribe(IP, user(2)), Err("Cannot track more than 1 total users.".into()));
        w.unsubscribe(IP, user(1));
        w.unsubscribe(IP, None);
        assert_eq!(w.subscribe(IP, user(2)), Ok(()), "user 1 is no longer followed");
    }

    #[test]
    fn zero_means_no_limit() {
        let mut w = WsIps::new(WsLimits::UNLIMITED);
        for n in 0..5_000 {
            assert_eq!(w.open(IP, NOW), Ok(()));
            assert_eq!(w.message(IP, NOW), Ok(()));
            assert_eq!(w.subscribe(IP, user(n)), Ok(()));
        }
    }

    #[test]
    fn idle_ips_are_forgotten() {
        let mut w = WsIps::new(WsLimits::default());
        assert_eq!(w.open(OTHER, NOW), Ok(()));
        w.close(OTHER);
        assert_eq!(w.open(IP, NOW + 60_000), Ok(()));
        assert!(!w.by_ip.contains_key(&OTHER));
    }
}
