//! The one integration-test binary (see matklad, "Delete Cargo Integration
//! Tests"): every cross-crate and command-line test is a module here.

mod check_fixtures;
mod eval;
mod robustness;
