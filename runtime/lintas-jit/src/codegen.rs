//! The IR to native code with Cranelift: per decision one function that
//! evaluates every rule, one per memo (called on first use), one per
//! manifest aggregate. Generated code only reads memory the runtime built
//! (records, constants, scratch space) at offsets the verified IR fixes,
//! and every failure becomes a status word, never a trap.

use crate::emit::{Emitter, Imports};
use crate::helpers;
use crate::runtime::ERROR_BASE;
use cranelift_codegen::ir::{AbiParam, types::I64};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module as _, default_libcall_names};
use lintas_ir::{Module, Ty};
use std::collections::HashMap;

/// Where one decision's functions and memory areas are.
#[derive(Debug, Clone)]
pub struct DecisionCode {
    pub decide: *const u8,
    pub aggregates: Vec<*const u8>,
    pub frame_words: usize,
    /// Word offset of each IR rule's status in the output (values follow).
    pub rule_offsets: Vec<usize>,
    /// Per IR rule, what a verdict needs, packed away from the IR.
    pub verdict_rules: Vec<VerdictRule>,
    pub out_words: usize,
    /// Per aggregate, the output words: status, filter, then the keys.
    pub aggregate_words: Vec<usize>,
}

#[derive(Debug, Clone, Copy)]
pub struct VerdictRule {
    pub offset: usize,
    pub outcome: usize,
    pub shadow: bool,
}

pub struct Code {
    pub jit: JITModule,
    pub decisions: Vec<DecisionCode>,
}

/// Compiles every decision of a verified module. `sets` are the addresses
/// where each set's words (or bitmap) live.
pub fn compile(module: &Module, sets: &[i64], counters: Option<i64>) -> Result<Code, String> {
    let mut flags = settings::builder();
    flags
        .set("opt_level", "speed")
        .map_err(|e| format!("cranelift settings: {e}"))?;
    let isa = cranelift_native::builder()
        .map_err(|e| format!("this machine is not supported by Cranelift: {e}"))?
        .finish(settings::Flags::new(flags))
        .map_err(|e| format!("cranelift: {e}"))?;
    let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
    for (name, address, _, _) in helpers::symbols() {
        builder.symbol(name, address);
    }
    let mut jit = JITModule::new(builder);
    let mut helper_ids: HashMap<&'static str, FuncId> = HashMap::new();
    for (name, _, params, results) in helpers::symbols() {
        let mut sig = jit.make_signature();
        sig.params.extend((0..params).map(|_| AbiParam::new(I64)));
        sig.returns.extend((0..results).map(|_| AbiParam::new(I64)));
        let id = jit
            .declare_function(name, Linkage::Import, &sig)
            .map_err(|e| format!("declaring {name}: {e}"))?;
        helper_ids.insert(name, id);
    }
    let mut env_sig = jit.make_signature();
    env_sig.params.push(AbiParam::new(I64));

    let mut fctx = FunctionBuilderContext::new();
    let mut ctx = jit.make_context();
    let mut pending = Vec::new();
    for (d_index, decision) in module.decisions.iter().enumerate() {
        let mut memo_offsets = Vec::with_capacity(decision.memos.len());
        let mut frame_words = 0;
        for m in &decision.memos {
            memo_offsets.push(frame_words);
            frame_words += 1 + m.value.ty.words();
        }
        let mut rule_offsets = Vec::with_capacity(decision.rules.len());
        let mut out_words = 0;
        for r in &decision.rules {
            rule_offsets.push(out_words);
            out_words += 1 + r.values.iter().map(|(_, v)| v.ty.words()).sum::<usize>();
        }
        let aggregate_words: Vec<usize> = decision
            .aggregates
            .iter()
            .map(|a| 2 + a.keys.iter().map(|k| k.ty.words()).sum::<usize>())
            .collect();
        let declare = |jit: &mut JITModule, name: String| {
            jit.declare_function(&name, Linkage::Local, &env_sig)
                .map_err(|e| format!("declaring {name}: {e}"))
        };
        let memo_ids = (0..decision.memos.len())
            .map(|m| declare(&mut jit, format!("d{d_index}_memo{m}")))
            .collect::<Result<Vec<_>, _>>()?;
        let decide_id = declare(&mut jit, format!("d{d_index}_decide"))?;
        let aggregate_ids = (0..decision.aggregates.len())
            .map(|a| declare(&mut jit, format!("d{d_index}_aggregate{a}")))
            .collect::<Result<Vec<_>, _>>()?;
        let imports = Imports {
            helpers: &helper_ids,
            memos: &memo_ids,
        };
        let layout = Frame {
            memo_offsets: &memo_offsets,
            rule_offsets: &rule_offsets,
        };
        let mut define = |jit: &mut JITModule,
                          id: FuncId,
                          body: &dyn Fn(&mut Emitter<'_, '_>) -> Result<(), String>|
         -> Result<(), String> {
            ctx.func.signature = env_sig.clone();
            {
                let b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
                let mut e = Emitter::new(
                    b,
                    jit,
                    module,
                    decision,
                    &imports,
                    layout.memo_offsets,
                    sets,
                    counters,
                );
                body(&mut e)?;
                e.finish();
            }
            let disassemble = std::env::var_os("LINTAS_JIT_DISASM").is_some();
            ctx.set_disasm(disassemble);
            jit.define_function(id, &mut ctx)
                .map_err(|e| format!("compiling decision `{}`: {e:?}", decision.name))?;
            if disassemble && let Some(code) = ctx.compiled_code().and_then(|c| c.vcode.as_ref()) {
                eprintln!("{code}");
            }
            jit.clear_context(&mut ctx);
            Ok(())
        };
        for (m, id) in memo_ids.iter().enumerate() {
            define(&mut jit, *id, &|e| e.memo_function(m))?;
        }
        define(&mut jit, decide_id, &|e| {
            e.decide_function(layout.rule_offsets)
        })?;
        for (a, id) in aggregate_ids.iter().enumerate() {
            define(&mut jit, *id, &|e| e.aggregate_function(a))?;
        }
        pending.push((
            decide_id,
            aggregate_ids,
            frame_words,
            rule_offsets,
            out_words,
            aggregate_words,
        ));
    }
    jit.finalize_definitions()
        .map_err(|e| format!("linking generated code: {e}"))?;
    let decisions = pending
        .into_iter()
        .map(
            |(decide, aggregates, frame_words, rule_offsets, out_words, aggregate_words)| {
                DecisionCode {
                    verdict_rules: Vec::new(),
                    decide: jit.get_finalized_function(decide),
                    aggregates: aggregates
                        .iter()
                        .map(|a| jit.get_finalized_function(*a))
                        .collect(),
                    frame_words,
                    rule_offsets,
                    out_words,
                    aggregate_words,
                }
            },
        )
        .collect();
    let mut decisions: Vec<DecisionCode> = decisions;
    for (code, ir) in decisions.iter_mut().zip(&module.decisions) {
        code.verdict_rules = ir
            .rules
            .iter()
            .zip(&code.rule_offsets)
            .map(|(r, &offset)| VerdictRule {
                offset,
                outcome: r.outcome,
                shadow: r.mode == lintas_syntax::ast::Mode::Shadow,
            })
            .collect();
    }
    Ok(Code { jit, decisions })
}

struct Frame<'a> {
    memo_offsets: &'a [usize],
    rule_offsets: &'a [usize],
}

/// The status word of error `id` of the module.
pub fn error_status(id: u32) -> i64 {
    ERROR_BASE + i64::from(id)
}

/// Words of `ty` stored inline (records copied, not pointed to).
pub fn stored(module: &Module, ty: &Ty) -> usize {
    ty.stored_words(&module.layouts)
}
