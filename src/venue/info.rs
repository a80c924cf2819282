//! `POST /info`: the venue's read-only API.
//!
//! Used at startup (the instrument table from `meta`) and, later, for snapshots and
//! reconciliation. Not on the hot path: allocation and JSON trees are fine here.

use std::time::Duration;

use serde::Deserialize;

use crate::types::{AssetId, Coin, InstrumentSpec};

/// Errors from `/info`.
#[derive(Debug, thiserror::Error)]
pub enum InfoError {
    /// Transport failure or a non-2xx status.
    #[error("info request {request} failed: {source}")]
    Http {
        /// The request type.
        request: &'static str,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// The reply did not have the expected shape.
    #[error("info reply to {request} is malformed: {reason}")]
    Malformed {
        /// The request type.
        request: &'static str,
        /// What was wrong.
        reason: String,
    },
}

/// One perp of `meta.universe`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UniverseEntry {
    /// Coin name.
    pub name: String,
    /// Size decimals.
    pub sz_decimals: u8,
    /// Maximum leverage.
    #[serde(default)]
    pub max_leverage: u32,
    /// Delisted coins stay in the universe (their index is their asset id) but cannot trade.
    #[serde(default)]
    pub is_delisted: bool,
    /// Isolated-margin-only coins.
    #[serde(default)]
    pub only_isolated: bool,
}

/// The `meta` reply (fields we use; the venue adds others).
#[derive(Debug, Clone, Deserialize)]
pub struct Meta {
    /// Perps in asset-id order.
    pub universe: Vec<UniverseEntry>,
}

impl Meta {
    /// The instrument table: perp asset id = index in the universe. Delisted coins and names
    /// that do not fit a [`Coin`] are left out.
    pub fn instruments(&self) -> Vec<InstrumentSpec> {
        self.universe
            .iter()
            .enumerate()
            .filter(|(_, u)| !u.is_delisted)
            .filter_map(|(i, u)| {
                let coin = Coin::new(u.name.as_bytes()).ok()?;
                Some(InstrumentSpec::perp(AssetId(i as u32), coin, u.sz_decimals))
            })
            .collect()
    }
}

/// One perp's context from `metaAndAssetCtxs` (fields the scanner uses; the venue adds others).
/// The venue sends numbers as decimal strings.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PerpCtx {
    /// Notional traded over the last 24 h, USD.
    #[serde(deserialize_with = "decimal")]
    pub day_ntl_vlm: f64,
    /// Open interest, coins.
    #[serde(deserialize_with = "decimal")]
    pub open_interest: f64,
    /// Mark price, USDC.
    #[serde(deserialize_with = "decimal")]
    pub mark_px: f64,
}

/// A decimal sent as a string (the venue's way) or a number.
fn decimal<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Num {
        Str(String),
        F(f64),
    }
    match Num::deserialize(d)? {
        Num::F(v) => Ok(v),
        Num::Str(s) => s.parse().map_err(serde::de::Error::custom),
    }
}

/// A client for one venue's `/info` endpoint.
#[derive(Debug, Clone)]
pub struct InfoClient {
    http: reqwest::Client,
    url: String,
}

impl InfoClient {
    /// A client for `info_url` (e.g. `http://127.0.0.1:3001/info`).
    pub fn new(info_url: impl Into<String>, timeout: Duration) -> Result<Self, InfoError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|source| InfoError::Http { request: "client", source })?;
        Ok(Self { http, url: info_url.into() })
    }

    /// Posts `body` and returns the JSON reply.
    pub async fn post<T: serde::de::DeserializeOwned>(
        &self,
        request: &'static str,
        body: &serde_json::Value,
    ) -> Result<T, InfoError> {
        let reply = self
            .http
            .post(&self.url)
            .json(body)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|source| InfoError::Http { request, source })?;
        let bytes = reply.bytes().await.map_err(|source| InfoError::Http { request, source })?;
        serde_json::from_slice(&bytes)
            .map_err(|e| InfoError::Malformed { request, reason: e.to_string() })
    }

    /// `{"type":"meta"}`: the perp universe.
    pub async fn meta(&self) -> Result<Meta, InfoError> {
        self.post("meta", &serde_json::json!({"type": "meta"})).await
    }

    /// `{"type":"metaAndAssetCtxs"}`: the perp universe and one context per universe entry, in
    /// the same order (the symbol scanner's input).
    pub async fn meta_and_asset_ctxs(&self) -> Result<(Meta, Vec<PerpCtx>), InfoError> {
        let (meta, ctxs): (Meta, Vec<PerpCtx>) =
            self.post("metaAndAssetCtxs", &serde_json::json!({"type": "metaAndAssetCtxs"})).await?;
        if meta.universe.len() != ctxs.len() {
            return Err(InfoError::Malformed {
                request: "metaAndAssetCtxs",
                reason: format!("{} coins but {} contexts", meta.universe.len(), ctxs.len()),
            });
        }
        Ok((meta, ctxs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_maps_universe_indexes_to_asset_ids_and_skips_delisted() {
        let text = r#"{"universe":[
            {"name":"BTC","szDecimals":5,"maxLeverage":40},
            {"name":"OLD","szDecimals":1,"maxLeverage":3,"isDelisted":true},
            {"name":"ETH","szDecimals":4,"maxLeverage":25,"onlyIsolated":false}
        ],"marginTables":[]}"#;
        let meta: Meta = serde_json::from_str(text).expect("doc-shaped meta");
        let instruments = meta.instruments();
        assert_eq!(instruments.len(), 2);
        assert_eq!(instruments[0].coin.as_str(), "BTC");
        assert_eq!(instruments[0].asset, AssetId(0));
        assert_eq!(instruments[1].coin.as_str(), "ETH");
        assert_eq!(instruments[1].asset, AssetId(2), "the asset id is the universe index");
        assert_eq!(instruments[1].sz_decimals, 4);
    }

    #[test]
    fn asset_ctxs_parse_decimal_strings() {
        let text = r#"{"dayNtlVlm":"1234.5","funding":"0.0000125","openInterest":"10.5",
            "markPx":"100.0","midPx":null,"impactPxs":null}"#;
        let ctx: PerpCtx = serde_json::from_str(text).expect("venue-shaped ctx");
        assert_eq!((ctx.day_ntl_vlm, ctx.open_interest, ctx.mark_px), (1234.5, 10.5, 100.0));
    }
}
