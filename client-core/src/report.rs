//! Disaggregated reporting (DOMAIN.md section 6): the reporting categories a
//! record's values fall into, the outcomes counted, and small-cell
//! suppression with complementary suppression.
//!
//! The unit is a student interaction: one student in one submitted record,
//! described by one source (perceived or school record; never both mixed).
//! Sexual orientation and gender identity are not a dimension: they are never
//! projected for reporting, so no table can cross-tabulate them.

mod categories;
mod cone;
mod interior;
mod margins;
mod rank;
mod suppress;
mod system;
mod year;

pub use categories::{AgeBand, Dimension, Outcome, RaceEthnicity, UNKNOWN};
pub use suppress::{
    Cell, DEFAULT_THRESHOLD, MIN_THRESHOLD, Published, suppress, suppress_by, suppress_within,
};
pub use year::{Grids, Measure, Year};
