//! Request guards that are not tokens: single-use stream tickets, the `Host` allow-list and
//! `Origin` check (DNS rebinding and cross-site requests), and the control rate limit.
//!
//! Each takes `now` (monotonic, from the caller) so the rules are tested without sleeping.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::auth::{random_hex, Scope};

/// How long a stream ticket stays valid.
pub const TICKET_TTL: Duration = Duration::from_secs(30);
/// Most tickets outstanding at once; issuing more evicts expired ones first, then refuses.
pub const MAX_TICKETS: usize = 1024;

/// Single-use tickets for the WebSocket stream, which a browser cannot open with an
/// `Authorization` header.
#[derive(Debug, Default)]
pub struct Tickets {
    live: HashMap<String, (Instant, String, Scope)>,
}

impl Tickets {
    /// Issues a ticket for the token `id` with `scope`; `None` when too many are outstanding.
    pub fn issue(&mut self, id: &str, scope: Scope, now: Instant) -> Option<String> {
        self.live.retain(|_, (expires, _, _)| *expires > now);
        if self.live.len() >= MAX_TICKETS {
            return None;
        }
        let ticket = random_hex(16).ok()?;
        self.live.insert(ticket.clone(), (now + TICKET_TTL, id.to_owned(), scope));
        Some(ticket)
    }

    /// Redeems a ticket once: the token id and scope it was issued to, if it is live.
    pub fn redeem(&mut self, ticket: &str, now: Instant) -> Option<(String, Scope)> {
        let (expires, id, scope) = self.live.remove(ticket)?;
        (expires > now).then_some((id, scope))
    }
}

/// Which `Host` headers and `Origin`s are accepted: the bound address, `localhost` and
/// `127.0.0.1` on the bound port, and any names the operator adds.
#[derive(Debug, Clone)]
pub struct HostPolicy {
    hosts: Vec<String>,
}

impl HostPolicy {
    /// Accepts `localhost:PORT`, `127.0.0.1:PORT`, `[::1]:PORT`, the bound `addr` and `extra`
    /// (`host:port` each, as a browser sends them).
    pub fn new(addr: std::net::SocketAddr, extra: &[String]) -> Self {
        let port = addr.port();
        let mut hosts = vec![
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
            addr.to_string(),
        ];
        hosts.extend(extra.iter().map(|h| h.to_ascii_lowercase()));
        Self { hosts }
    }

    /// Whether a request's `Host` header is one of ours. A missing header is refused.
    pub fn host_allowed(&self, host: Option<&str>) -> bool {
        host.is_some_and(|h| self.hosts.iter().any(|a| a.eq_ignore_ascii_case(h)))
    }

    /// Whether an `Origin` header is acceptable: absent (not a browser's cross-site call) or
    /// `http(s)://<allowed host>`.
    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        let Some(origin) = origin else { return true };
        let host = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .unwrap_or("");
        !host.is_empty() && self.host_allowed(Some(host))
    }
}

/// A token bucket per token id for control calls: `burst` at once, refilled at `per_second`.
#[derive(Debug)]
pub struct ControlLimiter {
    burst: f64,
    per_second: f64,
    buckets: HashMap<String, (f64, Instant)>,
}

impl ControlLimiter {
    /// A limiter allowing `burst` calls at once and `per_second` sustained, per token.
    pub fn new(burst: u32, per_second: f64) -> Self {
        Self { burst: f64::from(burst), per_second, buckets: HashMap::new() }
    }

    /// Takes one call from `id`'s bucket; `false` when it is empty (answer 429).
    pub fn allow(&mut self, id: &str, now: Instant) -> bool {
        let (tokens, last) = self.buckets.entry(id.to_owned()).or_insert((self.burst, now));
        let refill = now.saturating_duration_since(*last).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_is_redeemed_once_and_not_after_it_expires() {
        let mut t = Tickets::default();
        let now = Instant::now();
        let a = t.issue("ops", Scope::Read, now).expect("ticket");
        assert_eq!(t.redeem(&a, now), Some(("ops".to_owned(), Scope::Read)));
        assert_eq!(t.redeem(&a, now), None, "single use");
        let b = t.issue("ops", Scope::Read, now).expect("ticket");
        assert_eq!(t.redeem(&b, now + TICKET_TTL), None, "expired");
        assert_eq!(t.redeem("made-up", now), None);
    }

    #[test]
    fn hosts_and_origins_outside_the_allow_list_are_refused() {
        let p = HostPolicy::new("127.0.0.1:8080".parse().expect("addr"), &[]);
        for (host, ok) in [
            (Some("127.0.0.1:8080"), true),
            (Some("localhost:8080"), true),
            (Some("LOCALHOST:8080"), true),
            (Some("evil.example:8080"), false),
            (Some("127.0.0.1:9999"), false),
            (None, false),
        ] {
            assert_eq!(p.host_allowed(host), ok, "{host:?}");
        }
        for (origin, ok) in [
            (None, true),
            (Some("http://localhost:8080"), true),
            (Some("https://127.0.0.1:8080"), true),
            (Some("http://evil.example"), false),
            (Some("null"), false),
        ] {
            assert_eq!(p.origin_allowed(origin), ok, "{origin:?}");
        }
    }

    #[test]
    fn control_calls_beyond_the_burst_wait_for_the_refill() {
        let mut l = ControlLimiter::new(2, 1.0);
        let t0 = Instant::now();
        assert!(l.allow("ops", t0));
        assert!(l.allow("ops", t0));
        assert!(!l.allow("ops", t0), "burst spent");
        assert!(l.allow("other", t0), "buckets are per token");
        assert!(l.allow("ops", t0 + Duration::from_millis(1_000)), "one refilled");
        assert!(!l.allow("ops", t0 + Duration::from_millis(1_000)));
    }
}
