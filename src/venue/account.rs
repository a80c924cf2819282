//! The account's state at the venue: `clearinghouseState` (positions, entry prices, venue time)
//! and `frontendOpenOrders` (every open order, with its cloid), parsed into the core's
//! [`VenueSnapshot`]. The package's one parser of these replies.
//!
//! Used at startup (main thread), every `reconcile_interval_ms` (the reconciler thread) and
//! after shutdown (the final report); never on the hot path. Both requests go to `/info` with
//! a timeout; a reply that does not parse is an error naming the request and the field, never
//! a panic.

use serde::Deserialize;

use crate::core::reconcile::{VenueOrder, VenuePosition, VenueSnapshot};
use crate::types::Address;
use crate::types::{AssetId, Cloid, InstrumentSpec, Nanos, Oid, Px, Side, Sz};
use crate::venue::info::{InfoClient, InfoError};

/// Why a snapshot could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The request failed or its reply was not the expected JSON.
    #[error(transparent)]
    Info(#[from] InfoError),
    /// A field of the reply is not what the venue sends.
    #[error("{request}: {coin}: {field} {value:?}: {reason}")]
    Field {
        /// `clearinghouseState` or `frontendOpenOrders`.
        request: &'static str,
        /// The coin of the entry.
        coin: String,
        /// The field.
        field: &'static str,
        /// Its value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClearinghouseWire {
    #[serde(default)]
    asset_positions: Vec<AssetPositionWire>,
    /// Venue time, ms (absent on some venues' replies: then the request time is used).
    #[serde(default)]
    time: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct AssetPositionWire {
    position: PositionWire,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PositionWire {
    coin: String,
    szi: String,
    #[serde(default)]
    entry_px: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpenOrderWire {
    coin: String,
    side: String,
    limit_px: String,
    sz: String,
    oid: u64,
    #[serde(default)]
    cloid: Option<String>,
}

/// Everything a reconciliation needs from the venue, plus orders on coins we do not quote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSnapshot {
    /// Positions and open orders on the quoted coins.
    pub venue: VenueSnapshot,
    /// Open orders on coins outside `instruments`: coin and cloid (if any). The engine cancels
    /// its own ones at startup and leaves the rest.
    pub other_orders: Vec<(String, Option<Cloid>)>,
}

impl AccountSnapshot {
    /// Open orders of the account, on any coin.
    pub fn open_order_count(&self) -> usize {
        self.venue.open_orders.len() + self.other_orders.len()
    }

    /// The signed position on a quoted `asset`, lots (zero when flat).
    pub fn position(&self, asset: AssetId) -> Sz {
        self.venue.positions.iter().find(|p| p.asset == asset).map_or(Sz(0), |p| p.szi)
    }
}

/// Takes the account's snapshot. `requested_at` (local wall clock, before the first request)
/// is the time used when the venue's reply carries none.
pub async fn fetch(
    info: &InfoClient,
    account: Address,
    instruments: &[InstrumentSpec],
    requested_at: Nanos,
) -> Result<AccountSnapshot, SnapshotError> {
    let user = String::from_utf8_lossy(&account.to_wire()).into_owned();
    // Positions first: an order filled between the two requests then shows in neither the
    // positions nor the orders, and the fill stream (stamped after `as_of`) settles it.
    let chs: ClearinghouseWire = info
        .post(
            "clearinghouseState",
            &serde_json::json!({"type": "clearinghouseState", "user": user}),
        )
        .await?;
    let orders: Vec<OpenOrderWire> = info
        .post(
            "frontendOpenOrders",
            &serde_json::json!({"type": "frontendOpenOrders", "user": user}),
        )
        .await?;
    let as_of = chs.time.map_or(requested_at, |ms| Nanos(ms.saturating_mul(1_000_000)));
    parse(chs, orders, instruments, as_of, requested_at)
}

fn spec_of<'a>(instruments: &'a [InstrumentSpec], coin: &str) -> Option<&'a InstrumentSpec> {
    instruments.iter().find(|s| s.coin.as_str() == coin)
}

fn parse(
    chs: ClearinghouseWire,
    orders: Vec<OpenOrderWire>,
    instruments: &[InstrumentSpec],
    as_of: Nanos,
    requested_at: Nanos,
) -> Result<AccountSnapshot, SnapshotError> {
    let mut out = AccountSnapshot::default();
    out.venue.as_of = as_of;
    out.venue.requested_at = requested_at;
    for p in chs.asset_positions {
        let p = p.position;
        let Some(spec) = spec_of(instruments, &p.coin) else { continue };
        let field = |field: &'static str, value: &str, reason: String| SnapshotError::Field {
            request: "clearinghouseState",
            coin: p.coin.clone(),
            field,
            value: value.to_owned(),
            reason,
        };
        let szi = spec
            .parse_signed_sz(p.szi.as_bytes())
            .map_err(|e| field("szi", &p.szi, e.to_string()))?;
        if szi.0 == 0 {
            continue;
        }
        out.venue.positions.push(VenuePosition { asset: spec.asset, szi });
        if let Some(text) = &p.entry_px {
            // An average price: round to the nearest tick (PnL is off by at most half a tick
            // times the size, which the next fills dilute).
            let px = text
                .parse::<f64>()
                .ok()
                .map(|v| (v * 10f64.powi(i32::from(spec.px_decimals()))).round())
                .filter(|t| t.is_finite() && *t > 0.0 && *t < 9.0e15)
                .map(|t| Px(t as i64))
                .ok_or_else(|| field("entryPx", text, "not a positive price".to_owned()))?;
            out.venue.entry_px.push((spec.asset, px));
        }
    }
    for o in orders {
        let field = |field: &'static str, value: &str, reason: String| SnapshotError::Field {
            request: "frontendOpenOrders",
            coin: o.coin.clone(),
            field,
            value: value.to_owned(),
            reason,
        };
        let cloid = match &o.cloid {
            Some(text) => Some(
                Cloid::parse(text.as_bytes()).map_err(|e| field("cloid", text, e.to_string()))?,
            ),
            None => None,
        };
        let Some(spec) = spec_of(instruments, &o.coin) else {
            out.other_orders.push((o.coin.clone(), cloid));
            continue;
        };
        let side = match o.side.as_str() {
            "B" => Side::Bid,
            "A" => Side::Ask,
            other => return Err(field("side", other, "expected \"B\" or \"A\"".to_owned())),
        };
        let px = spec
            .parse_px(o.limit_px.as_bytes())
            .map_err(|e| field("limitPx", &o.limit_px, e.to_string()))?;
        let sz = spec.parse_sz(o.sz.as_bytes()).map_err(|e| field("sz", &o.sz, e.to_string()))?;
        out.venue.open_orders.push(VenueOrder {
            asset: spec.asset,
            oid: Oid(o.oid),
            cloid,
            side,
            px,
            sz,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Coin;

    fn eth() -> InstrumentSpec {
        InstrumentSpec::perp(AssetId(1), Coin::new(b"ETH").expect("coin"), 4)
    }

    fn chs(json: &str) -> ClearinghouseWire {
        serde_json::from_str(json).expect("test json")
    }

    #[test]
    fn positions_entry_prices_and_orders_parse_into_ticks_and_lots() {
        let c = chs(
            r#"{"assetPositions":[{"position":{"coin":"ETH","szi":"-0.5","entryPx":"3000.123"}},
                {"position":{"coin":"DOGE","szi":"10","entryPx":"0.1"}}],"time":1700000000000}"#,
        );
        let orders: Vec<OpenOrderWire> = serde_json::from_str(
            r#"[{"coin":"ETH","side":"B","limitPx":"2999.5","sz":"0.1","oid":7,
                 "cloid":"0x0000000000000000000000000000002a"},
                {"coin":"DOGE","side":"A","limitPx":"0.2","sz":"5","oid":8}]"#,
        )
        .expect("test json");
        let s = parse(c, orders, &[eth()], Nanos(1_700_000_000_000_000_000), Nanos(5))
            .expect("valid snapshot");
        assert_eq!(s.venue.positions, vec![VenuePosition { asset: AssetId(1), szi: Sz(-5000) }]);
        assert_eq!(s.venue.entry_px, vec![(AssetId(1), Px(300012))]);
        assert_eq!(s.venue.open_orders.len(), 1);
        assert_eq!(s.venue.open_orders[0].cloid, Some(Cloid(42)));
        assert_eq!(s.venue.open_orders[0].px, Px(299950));
        assert_eq!(s.other_orders, vec![("DOGE".to_owned(), None)]);
        assert_eq!(s.open_order_count(), 2);
        assert_eq!((s.position(AssetId(1)), s.position(AssetId(7))), (Sz(-5000), Sz(0)));
    }

    #[test]
    fn a_bad_field_names_the_request_the_coin_and_the_field() {
        let c = chs(r#"{"assetPositions":[{"position":{"coin":"ETH","szi":"abc"}}]}"#);
        let e = parse(c, Vec::new(), &[eth()], Nanos(1), Nanos(1)).expect_err("bad szi");
        let text = e.to_string();
        assert!(
            text.contains("clearinghouseState") && text.contains("ETH") && text.contains("szi")
        );
    }
}
