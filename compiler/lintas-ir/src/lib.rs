//! The typed backend IR of Lintas.
//!
//! The checked program (`lintas_check::hir`) says what a rule means; this
//! IR says how to compute it, for backends that know nothing of the
//! surface language (the Cranelift JIT, the WASM emitter).
//!
//! # Shape
//! A [`Module`] holds record [`Layout`]s, interned texts and country
//! codes, constant memory (`data`: table rows and composite constants),
//! reference sets as sorted words, the error table, and one [`Decision`]
//! per checked decision. A decision has *memos* (values computed at most
//! once per evaluation, on first use, remembering their error too: lets,
//! scores, decision tables and shared sub-expressions), manifest
//! aggregates, and rules in the checked program's order.
//!
//! Expressions are typed trees ([`Expr`]): structured control flow only
//! (short-circuit `and`/`or`, `if`, quantifier loops, decision tables), so
//! the WASM backend needs no control-flow reconstruction and the JIT builds
//! blocks straight from the tree. Children are evaluated left to right, as
//! the interpreter does; every operation that can fail names its error
//! ([`ErrorId`], an index into [`Module::errors`]), and the first error
//! ends the rule.
//!
//! # Values
//! Every value is one or more 64-bit words ([`Ty::words`]): numbers, dates
//! (day numbers), countries, enums and texts are one word (texts as
//! interned ids, or negative for text that is in no table: such text is
//! never interned, so untrusted input cannot grow a long-running
//! process); a duration is two; a list is an address and a length; a
//! record is the address of its inline words; an optional value is a
//! presence word followed by the value. See [`layout`] for memory.
//!
//! # Text form
//! [`text::module_text`] prints the module (what `lintas build --emit ir`
//! shows): layouts, sets, tables, errors, then each decision's memos,
//! aggregates and rules as S-expressions such as
//! `(lt.date $subject.document.expiry $subject.arrival_date)`; `!eN` marks
//! the error an operation raises.
//!
//! # Passes
//! [`lower::lower`] → [`verify::verify`] → [`opt::optimise`] →
//! [`verify::verify`] again. The optimiser keeps results identical to the
//! interpreter, errors included.

pub mod instructions;
mod ir;
pub mod layout;
pub mod lower;
pub mod opt;
pub mod text;
mod types;
pub mod verify;

pub use ir::*;
pub use types::Ty;

/// Lowers, verifies, optimises and verifies again: the module a backend
/// should compile.
pub fn compile(program: &lintas_check::hir::Program) -> Result<Module, String> {
    let mut module = lower::lower(program).map_err(|e| e.to_string())?;
    verify::verify(&module).map_err(|e| format!("lowering produced invalid IR: {e}"))?;
    opt::optimise(&mut module);
    verify::verify(&module).map_err(|e| format!("the optimiser produced invalid IR: {e}"))?;
    Ok(module)
}
