//! The reference interpreter of Lintas.
//!
//! It evaluates the checked program (`lintas_check::hir`), not the backend
//! IR, so differential tests against the native and WASM backends also
//! catch lowering bugs; and because it works on the checked program, it can
//! explain a decision in terms an officer can read. No I/O.

pub mod decide;
pub mod decode;
pub mod eval;
pub mod impact;
pub mod json;
pub mod mutate;
pub mod share;
pub mod testing;

pub use decide::{DecisionResult, Interpreter, Reason};
pub use decode::{DecodeError, DecodeOptions, decode};
