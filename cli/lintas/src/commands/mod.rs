//! One module per subcommand.

pub mod check;
pub mod eval;
pub mod fmt;
pub mod generate;
mod package;
pub mod test;
