//! sim: the Hyperliquid-compatible venue simulator (being built).
