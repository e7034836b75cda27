//! `lintas bench`: how fast the reference interpreter and the native
//! backend check, compile and decide a package over the given traffic.
//!
//! Before anything is timed, both backends decide every record and must
//! agree exactly: a fast backend that decides differently is not measured.
//! The clock is read only in [`measure`].

mod measure;

use super::eval::{ContextArgs, context_value, pick_decision, read_input};
use super::package::load_checked;
use crate::{ExitCode, Io};
use clap::ValueEnum;
use lintas_check::types::Ty;
use lintas_check::value::Value;
use lintas_eval::decode::DecodeOptions;
use lintas_eval::{DecisionResult, Interpreter};
use lintas_jit::Native;
use measure::{Throughput, median};
use serde::Serialize;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchFormat {
    /// A readable table.
    Human,
    /// One JSON object, for scripts and dashboards.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rule package.
    pub package: PathBuf,
    /// JSON lines, one record each.
    #[arg(long, short)]
    pub input: PathBuf,
    /// The decision to take (optional when the package has one).
    #[arg(long)]
    pub decision: Option<String>,
    /// How many times each phase is timed; the median is reported.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    #[arg(long, value_enum, default_value_t = BenchFormat::Human)]
    pub format: BenchFormat,
    #[command(flatten)]
    pub context: ContextArgs,
}

/// What was measured, as `--format json` prints it.
#[derive(Serialize)]
struct Report {
    package: String,
    version: String,
    decision: String,
    /// Non-empty input lines.
    records: usize,
    /// Lines the reference decoder rejects: they count in the end-to-end
    /// phases (they fail closed) but not in the evaluation-only ones.
    undecodable: usize,
    runs: u32,
    /// Records on which the backends' results differ; always 0 in a
    /// report, since a mismatch stops the command before timing.
    mismatches: usize,
    rule_set: RuleSet,
    phases: Vec<Phase>,
}

/// Median times to make the rule set ready, in nanoseconds.
#[derive(Serialize)]
struct RuleSet {
    /// Name resolution, types, reference data: what both backends need.
    check_ns: u64,
    /// `Interpreter::new` (its table indexes).
    interpreter_load_ns: u64,
    /// `Native::compile`: lowering, optimising and code generation.
    native_compile_ns: u64,
    /// The part of `native_compile_ns` that is the IR (lower, verify,
    /// optimise, verify), before Cranelift.
    ir_ns: u64,
}

#[derive(Serialize)]
struct Phase {
    backend: &'static str,
    /// `evaluate` (records decoded up front), `json` (decode and decide)
    /// or `batch` (`evaluate` split across threads; wall-clock time, thread
    /// start-up included).
    phase: &'static str,
    threads: usize,
    decisions: usize,
    median_ns: u64,
    ns_per_decision: f64,
    decisions_per_second: f64,
}

impl Phase {
    fn new(
        backend: &'static str,
        phase: &'static str,
        threads: usize,
        measured: Throughput,
    ) -> Phase {
        Phase {
            backend,
            phase,
            threads,
            decisions: measured.decisions,
            median_ns: nanos(measured.total),
            ns_per_decision: measured.ns_per_decision(),
            decisions_per_second: measured.per_second(),
        }
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

pub fn run(args: Args, io: &mut Io<'_>) -> ExitCode {
    let runs = args.runs as usize;
    let checked = match load_checked(&args.package, io) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let [package] = checked.as_slice() else {
        return crate::io_error(io, "`lintas bench` takes one package; name its directory");
    };
    let program = &package.result.program;
    let decision = match pick_decision(program, args.decision.as_deref()) {
        Ok(d) => d,
        Err(message) => return crate::io_error(io, &message),
    };
    let Some(def) = program.decisions.get(decision) else {
        return crate::io_error(
            io,
            "the chosen decision is missing from the checked program",
        );
    };
    if def.over_manifest {
        // Manifest decisions need whole manifests and their aggregates;
        // timing them record by record would measure something else.
        return crate::io_error(
            io,
            &format!(
                "`lintas bench` decides single records, and decision `{}` is over a manifest",
                def.name
            ),
        );
    }
    let context_json = match args.context.to_json() {
        Ok(c) => c,
        Err(message) => return crate::io_error(io, &message),
    };
    let text = match read_input(Some(&args.input)) {
        Ok(t) => t,
        Err(message) => return crate::io_error(io, &message),
    };
    // (line number, record text), for pointing at a mismatch.
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(n, l)| (n + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return crate::io_error(
            io,
            &format!("{}: no records to decide", args.input.display()),
        );
    }

    // The rule set. The check is timed on its own, again: `load_checked`
    // also read the files, and reading files is not checking.
    let Some(root) = package.ws.roots.first().copied() else {
        return crate::io_error(io, "no package was loaded");
    };
    let (check, _) = median(runs, || {
        black_box(lintas_check::check_package(&package.ws, root))
    });
    let (interpreter_load, interpreter) = median(runs, || Interpreter::new(program));
    let (ir, _) = median(runs, || black_box(lintas_ir::compile(program)));
    let (native_compile, native) = median(runs, || Native::compile(program));
    let native = match native {
        Ok(n) => n,
        Err(message) => {
            // The package checked, so this is a compiler bug, not the user's.
            let _ = writeln!(io.err, "error: native compilation failed: {message}");
            return ExitCode::Findings;
        }
    };
    let context = match context_value(&interpreter, &context_json) {
        Ok(c) => c,
        Err(message) => return crate::io_error(io, &message),
    };
    let options = DecodeOptions::default();

    // Agreement first; it also warms both backends up before timing.
    let mut evaluator = native.evaluator();
    let mut mismatches = 0;
    let mut first: Option<(usize, DecisionResult, DecisionResult)> = None;
    for &(line, record) in &lines {
        let reference = interpreter.decide_json(decision, record, &context, options);
        let compiled = evaluator.decide_json(decision, record, &context, options);
        if reference != compiled {
            mismatches += 1;
            first.get_or_insert((line, reference, compiled));
        }
    }
    if let Some((line, reference, compiled)) = first {
        let json = |r: &DecisionResult| serde_json::to_string(r).unwrap_or_default();
        let _ = writeln!(
            io.err,
            "error: the backends disagree on {mismatches} of {} record(s); the first is on line {line}:\n  interpreter: {}\n  native:      {}",
            lines.len(),
            json(&reference),
            json(&compiled)
        );
        return ExitCode::Findings;
    }

    // Evaluation only: the reference decoder runs once, outside the clock.
    let schema = Ty::Record(def.schema);
    let records: Vec<Value> = lines
        .iter()
        .filter_map(|(_, text)| lintas_eval::decode(program, &schema, text, options).ok())
        .collect();
    let undecodable = lines.len() - records.len();
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);

    let throughput = |total: Duration, decisions: usize| Throughput { total, decisions };
    let (t, ()) = median(runs, || {
        for r in &records {
            black_box(interpreter.decide(decision, black_box(r), &context));
        }
    });
    let interpreter_eval = throughput(t, records.len());
    let (t, ()) = median(runs, || {
        for (_, json) in &lines {
            black_box(interpreter.decide_json(decision, black_box(json), &context, options));
        }
    });
    let interpreter_json = throughput(t, lines.len());
    let (t, ()) = median(runs, || {
        for r in &records {
            black_box(evaluator.decide(decision, black_box(r), &context));
        }
    });
    let native_eval = throughput(t, records.len());
    let (t, ()) = median(runs, || {
        for (_, json) in &lines {
            black_box(evaluator.decide_json(decision, black_box(json), &context, options));
        }
    });
    let native_json = throughput(t, lines.len());
    let (t, ()) = median(runs, || {
        batch(&native, decision, &records, &context, threads);
    });
    let native_batch = throughput(t, records.len());

    let report = Report {
        package: program.package.name.clone(),
        version: program.package.version.clone(),
        decision: def.name.clone(),
        records: lines.len(),
        undecodable,
        runs: args.runs,
        mismatches,
        rule_set: RuleSet {
            check_ns: nanos(check),
            interpreter_load_ns: nanos(interpreter_load),
            native_compile_ns: nanos(native_compile),
            ir_ns: nanos(ir),
        },
        phases: vec![
            Phase::new("interpreter", "evaluate", 1, interpreter_eval),
            Phase::new("interpreter", "json", 1, interpreter_json),
            Phase::new("native", "evaluate", 1, native_eval),
            Phase::new("native", "json", 1, native_json),
            Phase::new("native", "batch", threads, native_batch),
        ],
    };
    match args.format {
        BenchFormat::Json => crate::print_json(io, &report),
        BenchFormat::Human => print_table(io, &report),
    }
    ExitCode::Success
}

/// Decides `records` split across `threads` threads, each with its own
/// evaluator (the compiled code is shared; the per-record state is not).
/// Spawning the threads is part of the time, as it is for a real batch.
fn batch(native: &Native, decision: usize, records: &[Value], context: &Value, threads: usize) {
    let chunk = records.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        for part in records.chunks(chunk) {
            scope.spawn(move || {
                let mut evaluator = native.evaluator();
                for r in part {
                    black_box(evaluator.decide(decision, black_box(r), context));
                }
            });
        }
    });
}

fn print_table(io: &mut Io<'_>, report: &Report) {
    let out = &mut *io.out;
    let _ = writeln!(
        out,
        "{} {}, decision {}: {} record(s), median of {} run(s)",
        report.package, report.version, report.decision, report.records, report.runs
    );
    if report.undecodable > 0 {
        let _ = writeln!(
            out,
            "{} record(s) fail decoding: they are left out of the evaluation-only phases",
            report.undecodable
        );
    }
    let _ = writeln!(
        out,
        "agreement: {} mismatch(es) between interpreter and native",
        report.mismatches
    );
    let r = &report.rule_set;
    let _ = writeln!(out, "\nrule set");
    let _ = writeln!(out, "  {:<28} {:>14}", "check", duration(r.check_ns));
    let _ = writeln!(
        out,
        "  {:<28} {:>14}",
        "interpreter load",
        duration(r.interpreter_load_ns)
    );
    let _ = writeln!(
        out,
        "  {:<28} {:>14}  (of which IR {})",
        "native compile",
        duration(r.native_compile_ns),
        duration(r.ir_ns)
    );
    let _ = writeln!(
        out,
        "\n{:<12} {:<34} {:>14} {:>16}",
        "backend", "phase", "ns/decision", "decisions/s"
    );
    for p in &report.phases {
        let phase = match p.phase {
            "json" => "end to end from JSON".to_string(),
            "batch" => format!("batch on {} thread(s), wall clock", p.threads),
            _ => "evaluate (decoded records)".to_string(),
        };
        let _ = writeln!(
            out,
            "{:<12} {:<34} {:>14} {:>16}",
            p.backend,
            phase,
            grouped(p.ns_per_decision.round() as u64),
            grouped(p.decisions_per_second.round() as u64)
        );
    }
    let speedup = |backend_phase: &str| {
        let find = |backend: &str| {
            report
                .phases
                .iter()
                .find(|p| p.backend == backend && p.phase == backend_phase)
                .map(|p| p.ns_per_decision)
        };
        match (find("interpreter"), find("native")) {
            (Some(i), Some(n)) if n > 0.0 => format!("{:.1}x", i / n),
            _ => "-".to_string(),
        }
    };
    let _ = writeln!(
        out,
        "\nnative vs interpreter, one thread: {} evaluating, {} end to end",
        speedup("evaluate"),
        speedup("json")
    );
}

/// A duration in the unit that keeps it readable: `850 ns`, `12.4 µs`,
/// `31.6 ms`, `1.20 s`.
fn duration(ns: u64) -> String {
    let ns = ns as f64;
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
