//! Fair value per coin from the book: the mid or the microprice, as configured.
//!
//! Runs on the quote thread for every book change. Model values are `f64` in USDC; they cross
//! into integer ticks only in `strategy`, through `InstrumentSpec::bid_from_f64` /
//! `ask_from_f64`. Never allocates.

use super::book::Book;
use super::params::FairValueModel;
use hlmm_types::InstrumentSpec;

/// The fair value in USDC under `model`, or `None` when the book has no valid touch (one-sided,
/// crossed or empty): no fair value, no quotes.
pub fn fair_value(book: &Book, spec: &InstrumentSpec, model: FairValueModel) -> Option<f64> {
    match model {
        FairValueModel::Mid => book.mid_f64(spec),
        FairValueModel::Microprice => book.microprice_f64(spec),
    }
}
