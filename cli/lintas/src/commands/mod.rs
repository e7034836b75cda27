//! One module per subcommand.

pub mod bench;
pub mod build;
pub mod check;
pub mod diff;
pub mod eval;
pub mod fmt;
mod formats;
pub mod generate;
mod input;
mod package;
pub mod promote;
pub mod test;
