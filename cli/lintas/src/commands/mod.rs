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
pub mod inspect;
pub mod keygen;
mod package;
pub mod promote;
mod shipping;
pub mod sign;
pub mod test;
pub mod verify;
