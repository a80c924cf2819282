//! The OpenAPI 3.1 description of the API, served at `/api/openapi.json` and rendered by the
//! offline docs page at `/api/docs`. The JSON shapes themselves are documented with examples in
//! `docs/api.md`; a test checks that every route of the router is described here.

/// The document.
pub(crate) const DOCUMENT: &str = include_str!("openapi.json");
