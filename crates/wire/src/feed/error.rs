//! Why a frame was rejected.

use hlmm_types::events::MAX_BOOK_LEVELS;
use hlmm_types::DecimalError;

/// Why a frame was rejected. Small and `Copy`: the feed thread counts it and logs a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The frame is text that does not open a JSON object or array (`Websocket connection
    /// established.`).
    #[error("frame is not json")]
    NotJson,
    /// simd-json rejected the frame (truncated, invalid UTF-8, bad syntax, …).
    #[error("invalid json")]
    Json,
    /// A required field is absent.
    #[error("missing field {0}")]
    MissingField(&'static str),
    /// A field has the wrong JSON type (a number where a string belongs, …).
    #[error("field {0} has the wrong json type")]
    WrongType(&'static str),
    /// A decimal string or an integer that does not convert exactly.
    #[error("field {field}: {err}")]
    BadNumber {
        /// The field.
        field: &'static str,
        /// Why it did not convert.
        err: DecimalError,
    },
    /// A string or array that is not one of the values the venue documents.
    #[error("field {0} has an unexpected value")]
    BadValue(&'static str),
    /// An `l2Book` side with more than [`MAX_BOOK_LEVELS`] levels.
    #[error("l2Book side with more than {MAX_BOOK_LEVELS} levels")]
    TooManyLevels,
    /// A side that is neither `"B"` nor `"A"`.
    #[error("side is neither B nor A")]
    BadSide,
    /// A hash or cloid that is not `0x` and the right number of hex digits.
    #[error("field {0} is not a well-formed id")]
    BadId(&'static str),
}

impl ParseError {
    /// `false` only for [`ParseError::NotJson`]: the venue greets every connection with one
    /// text frame, which is expected, not a malformed frame.
    #[inline]
    pub const fn is_malformed(&self) -> bool {
        !matches!(self, Self::NotJson)
    }
}
