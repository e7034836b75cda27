//! One module per subcommand.

pub mod check;
pub mod eval;
pub mod fmt;
mod package;
pub mod test;
