//! Native evaluation of Lintas decisions: the IR (`lintas-ir`) compiled
//! to machine code with Cranelift.
//!
//! [`Native::compile`] lowers, verifies, optimises and compiles a checked
//! program; [`Native::evaluator`] gives per-thread state that decides
//! records with the same results as the reference interpreter (a
//! differential test holds it to that). Dropping the `Native` frees its
//! code, so a checkpoint can swap rule sets while running.

mod batch;
mod codegen;
mod decode;
mod emit;
mod helpers;
mod native;
mod runtime;

pub use decode::FastDecoder;
pub use native::{Evaluator, Native, Prepared, PreparedBatch, Verdict};
