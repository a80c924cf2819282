//! Bearer tokens with scopes (`docs/api.md`, "Authentication"; `fault-cases.md` case 18).
//!
//! A token is a secret: [`Token`] never prints its value, and tokens are compared in constant
//! time over their SHA-free raw bytes (length folded into the result), so response timing does
//! not reveal how much of a guess was right.

use std::fmt;

use subtle::ConstantTimeEq;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Every read, `/metrics`, stream tickets.
    Read,
    /// Reads and every call that changes the engine.
    Control,
}

impl Scope {
    /// Whether a token of this scope may do what `needed` requires.
    pub fn allows(self, needed: Self) -> bool {
        self >= needed
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(Self::Read),
            "control" => Some(Self::Control),
            _ => None,
        }
    }
}

/// A secret token value. `Debug` and `Display` print `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret, for the one place that must show it (a generated sim token's URL).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// One accepted token.
#[derive(Debug, Clone)]
pub struct TokenEntry {
    /// Its id, for audit records (never the secret).
    pub id: String,
    /// What it may do.
    pub scope: Scope,
    /// The secret.
    pub token: Token,
}

/// Every accepted token.
#[derive(Debug, Clone, Default)]
pub struct TokenSet {
    entries: Vec<TokenEntry>,
}

/// A token file line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("token file line {line}: {reason}")]
pub struct TokenFileError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong (never the secret).
    pub reason: String,
}

/// Shortest token accepted: 16 characters (≥ 64 bits from a hex or base64 generator).
pub const MIN_TOKEN_LEN: usize = 16;

impl TokenSet {
    /// No tokens: every protected call is refused.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Adds a token.
    pub fn with(mut self, id: impl Into<String>, scope: Scope, token: Token) -> Self {
        self.entries.push(TokenEntry { id: id.into(), scope, token });
        self
    }

    /// Parses a token file: one `<scope> <id> <token>` a line; `#` comments and blank lines
    /// are skipped.
    pub fn parse_file(text: &str) -> Result<Self, TokenFileError> {
        let mut set = Self::empty();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |reason: &str| TokenFileError { line: n + 1, reason: reason.to_owned() };
            let mut parts = line.split_whitespace();
            let (Some(scope), Some(id), Some(token), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(err("expected `<scope> <id> <token>`"));
            };
            let scope = Scope::parse(scope).ok_or_else(|| err("scope must be read or control"))?;
            if token.len() < MIN_TOKEN_LEN {
                return Err(err("token shorter than 16 characters"));
            }
            if set.entries.iter().any(|e| e.id == id) {
                return Err(err("duplicate token id"));
            }
            set.entries.push(TokenEntry { id: id.to_owned(), scope, token: Token::new(token) });
        }
        Ok(set)
    }

    /// `true` when no token is configured.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The token matching `presented`, compared in constant time against every entry (no
    /// early exit, so timing does not tell which entry or how many matched).
    pub fn check(&self, presented: &str) -> Option<&TokenEntry> {
        let mut found = None;
        for entry in &self.entries {
            let secret = entry.token.expose().as_bytes();
            let same_len = secret.len().ct_eq(&presented.len());
            // Compare equal-length slices only; a length mismatch still does the work.
            let bytes_eq = if secret.len() == presented.len() {
                secret.ct_eq(presented.as_bytes())
            } else {
                secret.ct_eq(secret)
            };
            if bool::from(same_len & bytes_eq) {
                found = Some(entry);
            }
        }
        found
    }
}

/// A fresh random token: 32 hex digits (128 bits) from the OS's generator.
pub fn generate_token() -> std::io::Result<Token> {
    Ok(Token::new(random_hex(16)?))
}

/// `bytes` random bytes from `/dev/urandom`, as hex.
pub(crate) fn random_hex(bytes: usize) -> std::io::Result<String> {
    use std::io::Read;
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_file_names_scope_id_and_token_per_line() {
        let set = TokenSet::parse_file(
            "# ops\ncontrol ops-1 0123456789abcdef0123\n\nread grafana fedcba9876543210fedc\n",
        )
        .expect("valid file");
        assert_eq!(set.check("0123456789abcdef0123").map(|e| e.scope), Some(Scope::Control));
        assert_eq!(set.check("fedcba9876543210fedc").map(|e| e.id.as_str()), Some("grafana"));
        assert!(set.check("fedcba9876543210fed").is_none(), "a prefix is not the token");
        assert!(set.check("").is_none());
    }

    #[test]
    fn token_file_errors_name_the_line_and_never_the_secret() {
        for (text, line, reason) in [
            ("write a 0123456789abcdef", 1, "scope must be read or control"),
            ("read a", 1, "expected `<scope> <id> <token>`"),
            ("\nread a short", 2, "token shorter than 16 characters"),
            ("read a 0123456789abcdef\nread a fedcba9876543210", 2, "duplicate token id"),
        ] {
            let e = TokenSet::parse_file(text).expect_err(text);
            assert_eq!((e.line, e.reason.as_str()), (line, reason), "{text}");
            assert!(!e.to_string().contains("0123456789abcdef"));
        }
    }

    #[test]
    fn a_read_token_may_not_control() {
        assert!(Scope::Control.allows(Scope::Read));
        assert!(Scope::Read.allows(Scope::Read));
        assert!(!Scope::Read.allows(Scope::Control));
    }

    #[test]
    fn debug_output_never_shows_a_token() {
        let set = TokenSet::empty().with("x", Scope::Read, Token::new("supersecretvalue123"));
        assert!(!format!("{set:?}").contains("supersecret"));
    }

    #[test]
    fn generated_tokens_are_128_bit_hex_and_differ() {
        let a = generate_token().expect("urandom");
        let b = generate_token().expect("urandom");
        assert_eq!(a.expose().len(), 32);
        assert!(a.expose().chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
