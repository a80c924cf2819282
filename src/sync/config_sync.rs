//! Config hot reload: one `mm_config` message (or one `mm:config:<SYM>` key) in, one decision
//! out: an ack for `mm_config_ack`, and, when accepted, the parameters to send to the quote
//! thread and the value to store under the symbol's key.
//!
//! Side thread only. Plain data in and out, no Redis: the side thread does the I/O, so every
//! rule here is tested without a server. The same schema (`SymbolConfigPatch`, unknown fields
//! refused) and the same `validate()` as the file config decide; a refused update changes
//! nothing (`fault-cases.md` §13).

use std::collections::BTreeMap;

use crate::config::{Config, SymbolConfig, SymbolConfigPatch, SYMBOL_FIELDS};
use crate::types::AssetId;

use super::schema::{AckError, ConfigAck, ConfigSource, FieldChange, StoredConfig};

/// What to do with one config message.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Publish on `mm_config_ack`.
    pub ack: ConfigAck,
    /// When accepted: what to apply.
    pub apply: Option<Apply>,
}

/// An accepted config.
#[derive(Debug, Clone, PartialEq)]
pub struct Apply {
    /// The coin.
    pub coin: String,
    /// Its asset id in the core.
    pub asset: AssetId,
    /// Its whole new parameter set (the core's with [`SymbolConfig::core_params`]).
    pub params: SymbolConfig,
    /// The new version.
    pub version: u64,
    /// What to write under `mm:config:<coin>` (`None` when it came from that key).
    pub store: Option<StoredConfig>,
}

/// The last good config, the coins the core trades and each one's config version.
#[derive(Debug, Clone)]
pub struct ConfigService {
    config: Config,
    quoted: BTreeMap<String, AssetId>,
    versions: BTreeMap<String, u64>,
    /// Raw text of the last refused key per coin, so a resync does not re-ack the same refusal.
    refused_keys: BTreeMap<String, String>,
}

impl ConfigService {
    /// Starts from the validated file config; `quoted` are the coins in the core's instrument
    /// set, with their asset ids. Every version starts at 0 (the file's config).
    pub fn new(config: Config, quoted: impl IntoIterator<Item = (String, AssetId)>) -> Self {
        Self {
            config,
            quoted: quoted.into_iter().collect(),
            versions: BTreeMap::new(),
            refused_keys: BTreeMap::new(),
        }
    }

    /// The config in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The coins the core trades and their asset ids.
    pub fn quoted(&self) -> impl Iterator<Item = (&str, AssetId)> + '_ {
        self.quoted.iter().map(|(c, a)| (c.as_str(), *a))
    }

    /// `coin`'s accepted version (0 = the file's config).
    pub fn version(&self, coin: &str) -> u64 {
        self.versions.get(coin).copied().unwrap_or(0)
    }

    /// What `mm:config:<coin>` should hold: the coin's whole config at its version, once it has
    /// one (`None` while it runs on the file's config).
    pub fn stored(&self, coin: &str, now_s: u64) -> Option<StoredConfig> {
        let version = self.version(coin);
        if version == 0 {
            return None;
        }
        let params = self.config.symbol_params(coin)?;
        Some(StoredConfig { version, updated_at: now_s, config: patch_of(coin, &params)? })
    }

    /// Decides on one `mm_config` message.
    pub fn on_message(&mut self, payload: &[u8], now_s: u64) -> Decision {
        match serde_json::from_slice(payload) {
            Ok(value) => self.on_patch(value, ConfigSource::Channel, now_s),
            Err(e) => self.refuse(
                None,
                ConfigSource::Channel,
                vec![AckError { field: None, value: None, rule: format!("not JSON: {e}") }],
                now_s,
            ),
        }
    }

    /// Decides on one patch in the `mm_config` schema (`symbol` and the fields to change), from
    /// an `mm_config` message or the operator API: the same rules, version bump and ack.
    pub fn on_patch(
        &mut self,
        value: serde_json::Value,
        source: ConfigSource,
        now_s: u64,
    ) -> Decision {
        let symbol = value.get("symbol").and_then(serde_json::Value::as_str).map(str::to_owned);
        match parse_patch(value) {
            Ok(patch) => self.decide(patch, None, source, now_s),
            Err(errors) => self.refuse(symbol, source, errors, now_s),
        }
    }

    /// Decides on the value of `mm:config:<coin>` read at start or after a reconnect. `None`
    /// when there is nothing to do: the key is not newer than the version in force, or it is
    /// the same refused value as last time.
    pub fn on_stored(&mut self, coin: &str, raw: &str, now_s: u64) -> Option<Decision> {
        if self.refused_keys.get(coin).is_some_and(|r| r == raw) {
            return None;
        }
        let decision = match serde_json::from_str::<StoredConfig>(raw) {
            Err(e) => self.refuse(
                Some(coin.to_owned()),
                ConfigSource::Key,
                vec![AckError {
                    field: None,
                    value: None,
                    rule: format!(
                        "key {}: not a stored config: {e}",
                        super::schema::config_key(coin)
                    ),
                }],
                now_s,
            ),
            Ok(stored) if stored.version <= self.version(coin) => return None,
            Ok(stored) if stored.config.symbol != coin => self.refuse(
                Some(coin.to_owned()),
                ConfigSource::Key,
                vec![AckError {
                    field: Some("symbol".to_owned()),
                    value: Some(stored.config.symbol.clone()),
                    rule: format!("must match the key's symbol {coin}"),
                }],
                now_s,
            ),
            Ok(stored) => {
                let version = stored.version;
                self.decide(stored.config, Some(version), ConfigSource::Key, now_s)
            }
        };
        if decision.ack.accepted {
            self.refused_keys.remove(coin);
        } else {
            self.refused_keys.insert(coin.to_owned(), raw.to_owned());
        }
        Some(decision)
    }

    fn decide(
        &mut self,
        patch: SymbolConfigPatch,
        version: Option<u64>,
        source: ConfigSource,
        now_s: u64,
    ) -> Decision {
        let coin = patch.symbol.clone();
        let Some(&asset) = self.quoted.get(&coin) else {
            let rule = if self.config.symbols.contains_key(&coin) {
                "configured but not quoted by this engine (disabled at startup): restart to add it"
            } else {
                "not a symbol this engine trades"
            };
            let error = AckError {
                field: Some("symbol".to_owned()),
                value: Some(coin.clone()),
                rule: rule.to_owned(),
            };
            return self.refuse(Some(coin), source, vec![error], now_s);
        };
        let next = match self.config.apply_patch(&patch) {
            Ok(next) => next,
            Err(errors) => {
                let errors = errors.iter().map(AckError::from).collect();
                return self.refuse(Some(coin), source, errors, now_s);
            }
        };
        let (Some(old), Some(new)) = (self.config.symbol_params(&coin), next.symbol_params(&coin))
        else {
            // apply_patch only accepts configured coins, which always resolve.
            let error = AckError { field: None, value: None, rule: "internal: no params".into() };
            return self.refuse(Some(coin), source, vec![error], now_s);
        };
        let version = version.unwrap_or_else(|| self.version(&coin) + 1);
        self.config = next;
        self.versions.insert(coin.clone(), version);
        let store = match source {
            ConfigSource::Channel | ConfigSource::Api => patch_of(&coin, &new)
                .map(|config| StoredConfig { version, updated_at: now_s, config }),
            ConfigSource::Key => None,
        };
        Decision {
            ack: ConfigAck {
                symbol: Some(coin.clone()),
                accepted: true,
                version: Some(version),
                source,
                errors: Vec::new(),
                changes: diff(&old, &new),
                timestamp: now_s,
            },
            apply: Some(Apply { coin, asset, params: new, version, store }),
        }
    }

    fn refuse(
        &self,
        symbol: Option<String>,
        source: ConfigSource,
        errors: Vec<AckError>,
        now_s: u64,
    ) -> Decision {
        let version =
            symbol.as_deref().filter(|c| self.quoted.contains_key(*c)).map(|c| self.version(c));
        Decision {
            ack: ConfigAck {
                symbol,
                accepted: false,
                version,
                source,
                errors,
                changes: Vec::new(),
                timestamp: now_s,
            },
            apply: None,
        }
    }
}

/// Parses a message into a patch, reporting every unknown field (not just the first, which is
/// all serde reports) and every field of the wrong type.
fn parse_patch(value: serde_json::Value) -> Result<SymbolConfigPatch, Vec<AckError>> {
    let Some(object) = value.as_object() else {
        return Err(vec![AckError {
            field: None,
            value: None,
            rule: "must be a JSON object like {\"symbol\":\"BTC\", ...}".to_owned(),
        }]);
    };
    let mut errors: Vec<AckError> = object
        .keys()
        .filter(|k| k.as_str() != "symbol" && !SYMBOL_FIELDS.contains(&k.as_str()))
        .map(|k| AckError {
            field: Some(k.clone()),
            value: object.get(k).map(ToString::to_string),
            rule: "unknown field".to_owned(),
        })
        .collect();
    if !object.get("symbol").is_some_and(serde_json::Value::is_string) {
        errors.push(AckError {
            field: Some("symbol".to_owned()),
            value: object.get("symbol").map(ToString::to_string),
            rule: "required, a coin name string".to_owned(),
        });
    }
    // Type errors, field by field, so each is reported.
    for (k, v) in object {
        if k == "symbol" || !SYMBOL_FIELDS.contains(&k.as_str()) {
            continue;
        }
        let probe = serde_json::json!({ "symbol": "X", k.as_str(): v });
        if let Err(e) = serde_json::from_value::<SymbolConfigPatch>(probe) {
            errors.push(AckError {
                field: Some(k.clone()),
                value: Some(v.to_string()),
                rule: e.to_string(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    serde_json::from_value(value)
        .map_err(|e| vec![AckError { field: None, value: None, rule: e.to_string() }])
}

/// `params` as an `mm_config` message for `coin` (every field set).
fn patch_of(coin: &str, params: &SymbolConfig) -> Option<SymbolConfigPatch> {
    let mut value = serde_json::to_value(params).ok()?;
    value.as_object_mut()?.insert("symbol".to_owned(), coin.into());
    serde_json::from_value(value).ok()
}

/// The fields that differ between `old` and `new`.
fn diff(old: &SymbolConfig, new: &SymbolConfig) -> Vec<FieldChange> {
    let (Ok(serde_json::Value::Object(old)), Ok(serde_json::Value::Object(new))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Vec::new();
    };
    new.iter()
        .filter_map(|(field, n)| {
            let o = old.get(field)?;
            (o != n).then(|| FieldChange { field: field.clone(), old: o.clone(), new: n.clone() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> ConfigService {
        let config = Config::default();
        ConfigService::new(config, [("BTC".to_owned(), AssetId(0)), ("ETH".to_owned(), AssetId(1))])
    }

    #[test]
    fn a_valid_patch_is_accepted_with_version_changes_and_a_key_to_store() {
        let mut s = service();
        let d = s.on_message(br#"{"symbol":"BTC","notional_per_side":250.0}"#, 7);
        assert!(d.ack.accepted, "{:?}", d.ack);
        assert_eq!(d.ack.version, Some(1));
        assert_eq!(d.ack.changes.len(), 1);
        assert_eq!(d.ack.changes[0].field, "notional_per_side");
        let apply = d.apply.expect("accepted");
        assert_eq!((apply.asset, apply.params.notional_per_side), (AssetId(0), 250.0));
        let store = apply.store.expect("channel configs are stored");
        assert_eq!((store.version, store.config.notional_per_side), (1, Some(250.0)));
        assert_eq!(s.version("BTC"), 1);
        let again = s.on_message(br#"{"symbol":"BTC","hedge_only_mode":true}"#, 8);
        assert_eq!(again.ack.version, Some(2));
        assert_eq!(again.apply.map(|a| a.params.notional_per_side), Some(250.0), "merged");
    }

    #[test]
    fn invalid_messages_are_refused_with_every_reason_and_change_nothing() {
        let cases: &[(&str, &[&str])] = &[
            (r#"{"symbol":"BTC","notional_per_side":-5.0}"#, &["notional_per_side"]),
            (r#"{"symbol":"BTC","notional":5.0,"spread":1}"#, &["notional", "spread"]),
            (r#"{"symbol":"DOGE","notional_per_side":50.0}"#, &["symbol"]),
            (r#"{"symbol":"NOPE"}"#, &["symbol"]),
            (r#"{"symbol":"BTC","max_long_usd":"lots"}"#, &["max_long_usd"]),
            (r#"{"notional_per_side":50.0}"#, &["symbol"]),
            (r#"{"symbol":"BTC", broken"#, &[]),
            (r#"[1,2]"#, &[]),
        ];
        for (message, fields) in cases {
            let mut s = service();
            let before = s.config().clone();
            let d = s.on_message(message.as_bytes(), 1);
            assert!(!d.ack.accepted, "{message}");
            assert!(d.apply.is_none(), "{message}");
            assert!(!d.ack.errors.is_empty(), "{message}");
            for field in *fields {
                assert!(
                    d.ack.errors.iter().any(|e| e.field.as_deref() == Some(*field)),
                    "{message}: {field} not named in {:?}",
                    d.ack.errors
                );
            }
            assert_eq!(s.config(), &before, "{message}");
            assert_eq!(s.version("BTC"), 0, "{message}");
        }
    }

    #[test]
    fn a_patch_moves_a_limit_up_to_its_cap_and_never_past_it() {
        let mut config = Config::default();
        config.caps =
            crate::config::CapsConfig { max_long_usd: Some(3_000.0), ..Default::default() };
        let mut s = ConfigService::new(config, [("BTC".to_owned(), AssetId(0))]);
        let over = s.on_message(br#"{"symbol":"BTC","max_long_usd":3000.5}"#, 1);
        assert!(!over.ack.accepted && over.apply.is_none());
        let e = &over.ack.errors[0];
        assert_eq!(
            (e.field.as_deref(), e.value.as_deref()),
            (Some("max_long_usd"), Some("3000.5"))
        );
        assert!(e.rule.contains("caps.max_long_usd = 3000"), "{}", e.rule);
        assert_eq!(s.version("BTC"), 0, "nothing changed");
        let at_cap = s.on_message(br#"{"symbol":"BTC","max_long_usd":3000.0}"#, 2);
        assert!(at_cap.ack.accepted, "{:?}", at_cap.ack);
        let uncapped = s.on_message(br#"{"symbol":"BTC","max_short_usd":50000.0}"#, 3);
        assert!(uncapped.ack.accepted, "a field without a cap: {:?}", uncapped.ack);
    }

    #[test]
    fn a_stored_key_applies_only_when_newer_and_a_bad_one_is_refused_once() {
        let mut s = service();
        let d = s.on_message(br#"{"symbol":"BTC","notional_per_side":250.0}"#, 1);
        let stored = d.apply.and_then(|a| a.store).expect("stored");
        let raw = serde_json::to_string(&stored).expect("serializes");
        assert_eq!(s.on_stored("BTC", &raw, 2), None, "same version: nothing to do");

        let newer = raw.replace("\"version\":1", "\"version\":5").replace("250.0", "300.0");
        let d = s.on_stored("BTC", &newer, 3).expect("newer key");
        assert!(d.ack.accepted, "{:?}", d.ack);
        assert_eq!(d.ack.source, ConfigSource::Key);
        assert_eq!(s.version("BTC"), 5);
        assert_eq!(
            d.apply.map(|a| (a.params.notional_per_side, a.store.is_none())),
            Some((300.0, true))
        );

        let bad = newer.replace("\"version\":5", "\"version\":6").replace("300.0", "-1.0");
        let d = s.on_stored("BTC", &bad, 4).expect("refused");
        assert!(!d.ack.accepted);
        assert_eq!(s.on_stored("BTC", &bad, 5), None, "the same refusal is not repeated");
        assert_eq!(s.version("BTC"), 5);
    }
}
