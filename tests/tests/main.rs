//! The one integration-test binary (see matklad, "Delete Cargo Integration
//! Tests"): every cross-crate and command-line test is a module here.

#![allow(clippy::panic, reason = "tests report failures by panicking")]

mod build_bench;
mod bundle;
mod check_fixtures;
mod ci;
mod docs;
mod engines;
mod eval;
mod format;
mod lsp;
mod robustness;
