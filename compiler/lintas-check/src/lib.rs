//! Name resolution, type checking and the checked program of Lintas.
//!
//! Pure: the caller hands in a [`workspace::Workspace`] with every file's
//! text; this crate reads no files and never looks at the clock.

pub mod builtins;
pub mod calendar;
mod check;
pub mod countries;
pub mod diff;
pub mod hir;
pub mod hir_text;
pub mod manifest;
pub mod names;
mod suggest;
pub mod types;
pub mod value;
pub mod workspace;

pub use check::data::{DataError, MAX_DATA_ROWS, read_set_text, read_table_text};
pub use check::{CheckResult, check_package, check_package_cached};
pub use suggest::closest;
