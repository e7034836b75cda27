//! The surface of Lintas: grammar, syntax tree, parser and formatter.
//!
//! This crate does no I/O: it takes text and returns a tree and diagnostics.
//! It is the only crate that depends on pest.

pub mod ast;
pub mod cache;
pub mod codes;
pub mod diagnostic;
pub mod format;
pub mod lexical;
pub mod parser;
pub mod rebase;
pub mod span;

pub use cache::ParseCache;
pub use diagnostic::{Diagnostic, Label, Severity};
pub use parser::{Parsed, parse, parse_cached};
pub use span::{FileId, Span};
