//! sim::rules: the venue's rules for an `/exchange` request, between the parsed body and the
//! exchange (hyperliquid.md §3, §4, §7, §8).
//!
//! A request goes: parse once into the signed wire types ([`body`]; malformed → HTTP 422) →
//! signer recovery over that parsed action ([`auth`]; source `"b"`, then `"a"`) → under
//! [`VenueRules::submit`]: signer → account (itself or the account it is an agent of, else
//! `User or API Wallet 0x… does not exist.`), `vaultAddress` refused, `expiresAfter`, nonce
//! (per signer, [`nonces`]), address request budget ([`budgets`]), then the action: its orders
//! resolved to ticks and lots and passed through the fault gate (post-only window,
//! reject-next-n: [`crate::faults::OrderGate`]), and the resulting [`ExchangeAction`] applied
//! on the [`ExchangeVenue`]. `approveAgent` registers an agent here.
//!
//! Pure: every rule takes `now` as an argument; no I/O, no clock, no runtime. The server
//! (`crate::server`, feature `server`) reads the clock, recovers signers outside its lock and calls
//! [`VenueRules::submit`] under it; a backtest or a fault drill calls it in simulated time.
//!
//! [`ExchangeAction`]: crate::actions::ExchangeAction

pub mod auth;
pub mod body;
pub mod budgets;
pub mod nonces;
mod resolve;

pub use resolve::{GROUPING_UNSUPPORTED, TRIGGER_UNSUPPORTED};

use std::collections::HashMap;

use crate::accounts::Address;
use crate::actions::ExchangeResponse;
use crate::exchange::Exchange;
use crate::faults::OrderGate;
use crate::venue::ExchangeVenue;
use auth::unknown_signer;
use body::{ReceivedBody, UserSignedAction};
use budgets::RequestBudgets;
use hlmm_types::{Nanos, Usd};
use nonces::NonceBook;

/// An action with `vaultAddress`: the simulator has no sub-accounts or vaults.
pub const VAULT_UNSUPPORTED: &str = "simulator: vaultAddress is not supported";
/// Prefix of the reply to a stale `expiresAfter` (hyperliquid.md §4, observed prefix; the
/// rest, ` <expiresAfter> < <now>` in ms, is the simulator's).
pub const EXPIRED_PREFIX: &str = "Action already expired";

/// Rate-limit cost multiplier of a stale `expiresAfter` reject (§8).
const EXPIRED_COST: u64 = 5;

/// The venue's per-signer and per-account state outside the exchange: nonces, request budgets
/// and approved agents.
#[derive(Debug, Clone)]
pub struct VenueRules {
    nonces: NonceBook,
    budgets: RequestBudgets,
    /// Agent → account.
    agents: HashMap<Address, Address>,
    /// (account, agent name) → agent, for pruning on re-registration (`""` = unnamed).
    agent_names: HashMap<(Address, String), Address>,
}

impl VenueRules {
    /// Rules with `request_budget` requests per address (plus one per USDC traded) and the
    /// pre-approved `(agent, account)` pairs.
    pub fn new(request_budget: u64, agents: impl IntoIterator<Item = (Address, Address)>) -> Self {
        Self {
            nonces: NonceBook::default(),
            budgets: RequestBudgets::new(request_budget),
            agents: agents.into_iter().collect(),
            agent_names: HashMap::new(),
        }
    }

    /// The address request budgets (`userRateLimit`).
    pub fn budgets(&self) -> &RequestBudgets {
        &self.budgets
    }

    /// The account `signer` acts for: the account it is an agent of, or itself if it has an
    /// account (house accounts excluded).
    pub fn account_of(&self, exchange: &Exchange, signer: Address) -> Option<Address> {
        if let Some(&account) = self.agents.get(&signer) {
            return Some(account);
        }
        own_account(exchange, signer)
    }

    /// Registers `agent` for `account` under `name` (`""`: the unnamed agent), replacing the
    /// account's previous agent of that name, as the venue prunes on re-registration.
    pub fn approve_agent(&mut self, account: Address, agent: Address, name: String) {
        if let Some(old) = self.agent_names.insert((account, name), agent) {
            if old != agent {
                self.agents.remove(&old);
            }
        }
        self.agents.insert(agent, account);
    }

    /// Admits and executes one parsed body whose possible signers are `signers` (from
    /// [`auth::signers`]), at venue time `now`, its new orders passing `gate`. Refusals are
    /// whole-action errors; nothing is spent for a request refused before its nonce check
    /// except the 5× budget of a stale `expiresAfter`.
    pub fn submit(
        &mut self,
        venue: &mut ExchangeVenue,
        body: &ReceivedBody,
        signers: &[Address],
        gate: &mut OrderGate<'_>,
        now: Nanos,
    ) -> ExchangeResponse {
        let account = match self.admit(venue.exchange(), body, signers, now.as_millis()) {
            Ok(a) => a,
            Err(text) => return ExchangeResponse::Err(text),
        };
        match body {
            ReceivedBody::L1(r) => resolve::execute(venue, account, &r.action, gate, now),
            ReceivedBody::UserSigned(u) => match &u.action {
                UserSignedAction::ApproveAgent(a) => {
                    let name = a.agent_name.clone().unwrap_or_default();
                    self.approve_agent(account, a.agent_address, name);
                    ExchangeResponse::Default
                }
            },
        }
    }

    /// The account the request acts for once every rule before execution passed: signer,
    /// vault, `expiresAfter`, nonce, budget. Marks the nonce used.
    fn admit(
        &mut self,
        exchange: &Exchange,
        body: &ReceivedBody,
        signers: &[Address],
        now_ms: u64,
    ) -> Result<Address, String> {
        // A user-signed action (`approveAgent`) must be signed by the account, not an agent.
        let user_signed = matches!(body, ReceivedBody::UserSigned(_));
        let lookup = |s: Address| {
            if user_signed {
                own_account(exchange, s)
            } else {
                self.account_of(exchange, s)
            }
        };
        let Some((signer, account)) = signers.iter().find_map(|&s| lookup(s).map(|a| (s, a)))
        else {
            return Err(unknown_signer(&signers.first().copied().unwrap_or_default()));
        };
        if body.vault_address().is_some() {
            return Err(VAULT_UNSUPPORTED.to_owned());
        }
        let (n, is_cancel) = body.weight();
        let volume = exchange.account(account).map_or(Usd::ZERO, |a| a.cum_volume);
        if let Some(t) = body.expires_after().filter(|&t| t < now_ms) {
            // A stale action still costs (5× its weight); a refusal of that is moot.
            let _ = self.budgets.spend(account, EXPIRED_COST * n, is_cancel, volume, now_ms);
            return Err(format!("{EXPIRED_PREFIX}: {t} < {now_ms}"));
        }
        self.nonces.check(&signer, body.nonce(), now_ms)?;
        self.budgets.spend(account, n, is_cancel, volume, now_ms)?;
        self.nonces.record(signer, body.nonce());
        Ok(account)
    }
}

/// `signer`'s own account, if it has one and it is not a house account.
fn own_account(exchange: &Exchange, signer: Address) -> Option<Address> {
    exchange.account(signer).filter(|a| !a.house).map(|a| a.address)
}

#[cfg(test)]
mod tests;
