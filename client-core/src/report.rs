//! Disaggregated reporting (DOMAIN.md section 6): the reporting categories a
//! record's values fall into, the outcomes counted, and small-cell
//! suppression with complementary suppression.
//!
//! The unit is a student interaction: one student in one submitted record,
//! described by one source (perceived or school record; never both mixed).
//! Sexual orientation and gender identity are not a dimension: they are never
//! projected for reporting, so no table can cross-tabulate them.

mod categories;
pub use categories::{AgeBand, Dimension, Outcome, RaceEthnicity, UNKNOWN};

// Suppression runs where reports are published, the server, never on a
// phone: its LP solver is a host-only dependency (client-core's Cargo.toml).
#[cfg(not(target_arch = "wasm32"))]
mod cone;
#[cfg(not(target_arch = "wasm32"))]
mod cube;
#[cfg(not(target_arch = "wasm32"))]
mod interior;
#[cfg(not(target_arch = "wasm32"))]
mod joint;
#[cfg(not(target_arch = "wasm32"))]
mod margins;
#[cfg(not(target_arch = "wasm32"))]
mod rank;
#[cfg(not(target_arch = "wasm32"))]
mod rates;
#[cfg(not(target_arch = "wasm32"))]
mod requests;
#[cfg(not(target_arch = "wasm32"))]
mod suppress;
#[cfg(not(target_arch = "wasm32"))]
mod system;
#[cfg(not(target_arch = "wasm32"))]
mod year;

#[cfg(not(target_arch = "wasm32"))]
pub use cube::Cube;
#[cfg(not(target_arch = "wasm32"))]
pub use rates::{per_100, percent};
#[cfg(not(target_arch = "wasm32"))]
pub use requests::StaffRequests;
#[cfg(not(target_arch = "wasm32"))]
pub use suppress::{
    Cell, DEFAULT_THRESHOLD, MIN_THRESHOLD, Published, suppress, suppress_by, suppress_within,
};
#[cfg(not(target_arch = "wasm32"))]
pub use year::{Grids, Measure, Year};
