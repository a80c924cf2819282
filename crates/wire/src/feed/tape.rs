//! Typed, bounds-checked reads over a simd-json [`Tape`](simd_json::Tape).
//!
//! A tape is the document flattened in pre-order: a container node carries the number of
//! nodes below it, so skipping a value is one addition and looking up a field is one pass over
//! the object's keys. Everything here indexes with `get` and treats an inconsistent tape like a
//! missing value: no panics, whatever simd-json hands us.
//!
//! Runs on the feed thread inside [`super::FeedParser::parse`]; allocates nothing.

use simd_json::{Node, StaticNode};

use super::error::ParseError;
use hlmm_types::DecimalError;

/// One JSON value: its head node followed by every node below it, exactly.
#[derive(Debug, Clone, Copy)]
pub(super) struct Val<'t, 'i>(&'t [Node<'i>]);

/// Nodes a value occupies on the tape, its head included.
#[inline]
fn span(head: &Node<'_>) -> usize {
    match head {
        Node::Object { count, .. } | Node::Array { count, .. } => count.saturating_add(1),
        _ => 1,
    }
}

impl<'t, 'i> Val<'t, 'i> {
    /// The value whose head is `nodes[0]`, or `None` if the tape is cut short.
    #[inline]
    pub(super) fn first(nodes: &'t [Node<'i>]) -> Option<Self> {
        let len = span(nodes.first()?);
        nodes.get(..len).map(Self)
    }

    #[inline]
    fn head(self) -> Node<'i> {
        // A `Val` is only built by `first`, which never yields an empty slice.
        self.0.first().copied().unwrap_or(Node::Static(StaticNode::Null))
    }

    /// `true` for JSON `null`.
    #[inline]
    pub(super) fn is_null(self) -> bool {
        matches!(self.head(), Node::Static(StaticNode::Null))
    }

    /// The values of an object holding exactly `keys`, in that order, each with a scalar
    /// value: how the venue writes small objects such as book levels. `None` for any other
    /// shape; the caller then scans the keys with [`Val::obj`].
    #[inline]
    pub(super) fn exact_fields<const N: usize>(self, keys: [&[u8]; N]) -> Option<[Self; N]> {
        // N members with scalar values occupy exactly 2N nodes below the head.
        if !matches!(self.head(), Node::Object { len, count } if len == N && count == 2 * N) {
            return None;
        }
        let mut vals = [Self(&[]); N];
        for (i, (key, slot)) in keys.iter().zip(vals.iter_mut()).enumerate() {
            match self.0.get(1 + 2 * i) {
                Some(Node::String(k)) if k.as_bytes() == *key => {}
                _ => return None,
            }
            *slot = Self(self.0.get(2 + 2 * i..3 + 2 * i)?);
        }
        Some(vals)
    }

    /// The value as an object.
    #[inline]
    pub(super) fn obj(self, field: &'static str) -> Result<Obj<'t, 'i>, ParseError> {
        match self.head() {
            Node::Object { len, .. } => Ok(Obj { rest: self.0.get(1..).unwrap_or(&[]), left: len }),
            _ => Err(ParseError::WrongType(field)),
        }
    }

    /// The value as an array.
    #[inline]
    pub(super) fn arr(self, field: &'static str) -> Result<Arr<'t, 'i>, ParseError> {
        match self.head() {
            Node::Array { len, .. } => Ok(Arr { rest: self.0.get(1..).unwrap_or(&[]), left: len }),
            _ => Err(ParseError::WrongType(field)),
        }
    }

    /// The value as a string's bytes (already unescaped by simd-json).
    #[inline]
    pub(super) fn bytes(self, field: &'static str) -> Result<&'i [u8], ParseError> {
        match self.head() {
            Node::String(s) => Ok(s.as_bytes()),
            _ => Err(ParseError::WrongType(field)),
        }
    }

    /// The value as a non-negative JSON integer.
    #[inline]
    pub(super) fn u64(self, field: &'static str) -> Result<u64, ParseError> {
        match self.head() {
            Node::Static(StaticNode::U64(v)) => Ok(v),
            Node::Static(StaticNode::I64(v)) => u64::try_from(v)
                .map_err(|_| ParseError::BadNumber { field, err: DecimalError::Negative }),
            _ => Err(ParseError::WrongType(field)),
        }
    }

    /// The value as a JSON boolean.
    #[inline]
    pub(super) fn bool(self, field: &'static str) -> Result<bool, ParseError> {
        match self.head() {
            Node::Static(StaticNode::Bool(b)) => Ok(b),
            _ => Err(ParseError::WrongType(field)),
        }
    }
}

/// The members of a JSON object, in document order, each key once.
#[derive(Debug, Clone, Copy)]
pub(super) struct Obj<'t, 'i> {
    rest: &'t [Node<'i>],
    left: usize,
}

impl<'t, 'i> Iterator for Obj<'t, 'i> {
    type Item = (&'i [u8], Val<'t, 'i>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let (key, after) = self.rest.split_first()?;
        let Node::String(key) = key else { return None };
        let val = Val::first(after)?;
        self.rest = after.get(val.0.len()..)?;
        self.left -= 1;
        Some((key.as_bytes(), val))
    }
}

/// The elements of a JSON array, in order.
#[derive(Debug, Clone, Copy)]
pub(super) struct Arr<'t, 'i> {
    rest: &'t [Node<'i>],
    left: usize,
}

impl Arr<'_, '_> {
    /// Number of elements.
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.left
    }
}

impl<'t, 'i> Iterator for Arr<'t, 'i> {
    type Item = Val<'t, 'i>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let val = Val::first(self.rest)?;
        self.rest = self.rest.get(val.0.len()..)?;
        self.left -= 1;
        Some(val)
    }
}

/// A required field, or [`ParseError::MissingField`].
#[inline]
pub(super) fn req<'t, 'i>(
    v: Option<Val<'t, 'i>>,
    field: &'static str,
) -> Result<Val<'t, 'i>, ParseError> {
    v.ok_or(ParseError::MissingField(field))
}

/// An optional field: absent and `null` are both `None`.
#[inline]
pub(super) fn opt<'t, 'i>(v: Option<Val<'t, 'i>>) -> Option<Val<'t, 'i>> {
    v.filter(|v| !v.is_null())
}
