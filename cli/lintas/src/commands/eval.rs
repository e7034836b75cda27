//! `lintas eval`: decide records (or whole manifests) with the reference
//! interpreter and print one result per record, in input order.

use super::package::load_checked;
use crate::explain;
use crate::{ExitCode, Io};
use clap::ValueEnum;
use lintas_check::hir::Program;
use lintas_check::types::Ty;
use lintas_eval::decode::{DecodeError, DecodeOptions};
use lintas_eval::{DecisionResult, Interpreter};
use serde::Serialize;
use std::io::Read;
use std::path::PathBuf;

/// Inputs from which a progress line is shown, and how often it updates.
const PROGRESS_FROM: usize = 10_000;
const PROGRESS_EVERY: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    /// One JSON result per line.
    Jsonl,
    /// A readable table.
    Table,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rule package.
    pub package: PathBuf,
    /// The decision to take (optional when the package has one).
    #[arg(long)]
    pub decision: Option<String>,
    /// JSON records: a file holding an array or JSON lines; `-` or
    /// nothing reads standard input.
    #[arg(long, short)]
    pub input: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = EvalFormat::Jsonl)]
    pub format: EvalFormat,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Add, for each rule, whether it fired and the values behind it.
    #[arg(long)]
    pub explain: bool,
    /// Reject fields the schema does not declare.
    #[arg(long)]
    pub strict: bool,
    /// Which backend decides: native code (the default) or the reference
    /// interpreter. They agree on every record; `--explain` always uses
    /// the interpreter, which traces what it evaluates.
    #[arg(long, value_enum, default_value_t = Engine::Native)]
    pub engine: Engine,
    /// What the input is: JSON records, ICAO 9303 MRZs (one per line, lines
    /// joined by `|`), or one UN/EDIFACT PAXLST message.
    #[arg(long, value_enum, default_value_t = InputFormat::Json)]
    pub input_format: InputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    Native,
    Interpreter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    Json,
    Mrz,
    Paxlst,
}

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ContextArgs {
    /// The evaluation date (YYYY-MM-DD) that effective ranges are compared with.
    #[arg(long)]
    pub date: Option<String>,
    /// The member deciding (ISO 3166-1 alpha-3), for `applies to` and overlays.
    #[arg(long)]
    pub member: Option<String>,
    /// The checkpoint deciding.
    #[arg(long)]
    pub checkpoint: Option<String>,
    /// A JSON file with the whole context; flags override its fields.
    #[arg(long = "context", value_name = "FILE")]
    pub file: Option<PathBuf>,
}

impl ContextArgs {
    /// The context as JSON, or a message saying what is missing.
    pub fn to_json(&self) -> Result<serde_json::Value, String> {
        let mut context = match &self.file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
                serde_json::from_str(&text)
                    .map_err(|e| format!("{}: not JSON: {e}", path.display()))?
            }
            None => serde_json::json!({}),
        };
        let Some(map) = context.as_object_mut() else {
            return Err("the context file must hold a JSON object".to_string());
        };
        if let Some(d) = &self.date {
            map.insert("date".into(), d.clone().into());
        }
        if let Some(m) = &self.member {
            map.insert("member".into(), m.clone().into());
        }
        if let Some(c) = &self.checkpoint {
            map.insert("checkpoint".into(), c.clone().into());
        }
        if !map.contains_key("date") {
            return Err("the evaluation date is missing: give `--date YYYY-MM-DD` (evaluation never reads the clock)".into());
        }
        if !map.contains_key("member") {
            return Err(
                "the deciding member is missing: give `--member CODE`, e.g. `--member SGP`".into(),
            );
        }
        Ok(context)
    }
}

#[derive(Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    result: &'a DecisionResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<Vec<explain::RuleExplanation>>,
}

pub fn run(args: Args, io: &mut Io<'_>) -> ExitCode {
    let checked = match load_checked(&args.package, io) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let [package] = checked.as_slice() else {
        return crate::io_error(io, "`lintas eval` takes one package; name its directory");
    };
    let program = &package.result.program;
    let interpreter = Interpreter::new(program);
    let native = if args.engine == Engine::Native && !args.explain {
        match lintas_jit::Native::compile(program) {
            Ok(n) => Some(n),
            Err(message) => {
                return crate::io_error(io, &format!("cannot compile the rules: {message}"));
            }
        }
    } else {
        None
    };
    let mut evaluator = native.as_ref().map(lintas_jit::Native::evaluator);
    let decision = match pick_decision(program, args.decision.as_deref()) {
        Ok(d) => d,
        Err(message) => return crate::io_error(io, &message),
    };
    let context_json = match args.context.to_json() {
        Ok(c) => c,
        Err(message) => return crate::io_error(io, &message),
    };
    let context = match context_value(&interpreter, &context_json) {
        Ok(c) => c,
        Err(message) => return crate::io_error(io, &message),
    };
    let options = DecodeOptions {
        strict: args.strict,
    };
    let over_manifest = program
        .decisions
        .get(decision)
        .is_some_and(|d| d.over_manifest);
    let reference =
        lintas_eval::decide::context_date(&context).and_then(super::formats::reference_date);
    let batches = match read_batches(
        args.input.as_ref(),
        args.input_format,
        over_manifest,
        reference,
        io,
    ) {
        Ok(b) => b,
        Err(message) => return crate::io_error(io, &message),
    };
    let mut table_rows = Vec::new();
    let mut count = 0usize;
    let total = batches.len();
    // Progress only where a person watches: on a terminal, for long inputs.
    let show_progress = io.colour && total >= PROGRESS_FROM;
    for (done, batch) in batches.into_iter().enumerate() {
        if show_progress && done % PROGRESS_EVERY == 0 {
            let _ = write!(io.err, "\rdeciding {done} of {total} input(s)");
        }
        let results: Vec<(DecisionResult, Option<Vec<explain::RuleExplanation>>)> = if over_manifest
        {
            let members: Vec<Result<lintas_check::value::Value, Vec<DecodeError>>> = match &batch {
                Ok(texts) => texts
                    .iter()
                    .map(|t| decode_record(program, decision, t, options))
                    .collect(),
                Err(problem) => vec![Err(vec![problem.clone()])],
            };
            if let Some(evaluator) = evaluator.as_mut() {
                evaluator
                    .decide_manifest(decision, &members, &context)
                    .into_iter()
                    .map(|r| (r, None))
                    .collect()
            } else {
                let aggregates = match program.decisions.get(decision) {
                    Some(def) => interpreter.aggregates(def, &members, &context),
                    None => Vec::new(),
                };
                members
                    .iter()
                    .zip(aggregates)
                    .map(|(m, a)| match m {
                        Ok(record) => decide(
                            &interpreter,
                            package,
                            decision,
                            record,
                            &context,
                            &a,
                            args.explain,
                        ),
                        Err(problems) => (failed_input(&interpreter, decision, problems), None),
                    })
                    .collect()
            }
        } else {
            match &batch {
                Ok(texts) => texts
                    .iter()
                    .map(|t| match decode_record(program, decision, t, options) {
                        Ok(record) => match evaluator.as_mut() {
                            Some(e) => (e.decide(decision, &record, &context), None),
                            None => decide(
                                &interpreter,
                                package,
                                decision,
                                &record,
                                &context,
                                &[],
                                args.explain,
                            ),
                        },
                        Err(problems) => (failed_input(&interpreter, decision, &problems), None),
                    })
                    .collect(),
                Err(problem) => vec![(
                    failed_input(&interpreter, decision, std::slice::from_ref(problem)),
                    None,
                )],
            }
        };
        for (result, explanation) in results {
            count += 1;
            match args.format {
                EvalFormat::Jsonl => {
                    let line = Line {
                        result: &result,
                        explain: explanation,
                    };
                    match serde_json::to_string(&line) {
                        Ok(s) => {
                            let _ = writeln!(io.out, "{s}");
                        }
                        Err(e) => return crate::io_error(io, &format!("cannot write JSON: {e}")),
                    }
                }
                EvalFormat::Table => table_rows.push((count, result, explanation)),
            }
        }
    }
    if show_progress {
        let _ = writeln!(io.err, "\rdecided {total} input(s)            ");
    }
    if args.format == EvalFormat::Table {
        print_table(io, &table_rows);
    }
    ExitCode::Success
}

fn decide(
    interpreter: &Interpreter<'_>,
    package: &super::package::Checked,
    decision: usize,
    record: &lintas_check::value::Value,
    context: &lintas_check::value::Value,
    aggregates: &[lintas_eval::eval::Eval<i64>],
    explain_it: bool,
) -> (DecisionResult, Option<Vec<explain::RuleExplanation>>) {
    let (result, traces) =
        interpreter.decide_traced(decision, record, context, aggregates, explain_it);
    let explanation = explain_it
        .then(|| explain::explain(&package.ws.db, &package.result.program, decision, &traces));
    (result, explanation)
}

fn failed_input(
    interpreter: &Interpreter<'_>,
    decision: usize,
    problems: &[DecodeError],
) -> DecisionResult {
    match interpreter.program.decisions.get(decision) {
        Some(def) => interpreter.input_invalid(def, problems),
        None => interpreter.decide(
            decision,
            &lintas_check::value::Value::Absent,
            &lintas_check::value::Value::Absent,
        ),
    }
}

fn decode_record(
    program: &Program,
    decision: usize,
    text: &str,
    options: DecodeOptions,
) -> Result<lintas_check::value::Value, Vec<DecodeError>> {
    let schema = program.decisions.get(decision).map(|d| d.schema);
    match schema {
        Some(s) => lintas_eval::decode(program, &Ty::Record(s), text, options),
        None => Err(Vec::new()),
    }
}

/// The context decoded by the package's context schema, or a message
/// naming every field that does not fit.
pub(super) fn context_value(
    interpreter: &Interpreter<'_>,
    json: &serde_json::Value,
) -> Result<lintas_check::value::Value, String> {
    interpreter.context_from_json(json).map_err(|problems| {
        let listed: Vec<String> = problems
            .iter()
            .map(|p| format!("context{}", p.to_string().trim_start_matches('$')))
            .collect();
        format!("invalid context: {}", listed.join("; "))
    })
}

pub(super) fn pick_decision(program: &Program, name: Option<&str>) -> Result<usize, String> {
    let names: Vec<&str> = program.decisions.iter().map(|d| d.name.as_str()).collect();
    match name {
        Some(n) => names.iter().position(|d| *d == n).ok_or_else(|| {
            format!(
                "no decision `{n}` in the package (it has {})",
                names.join(", ")
            )
        }),
        None if names.len() == 1 => Ok(0),
        None => Err(format!(
            "the package has several decisions; choose one with `--decision` ({})",
            names.join(", ")
        )),
    }
}

type OwnedBatch = Result<Vec<String>, DecodeError>;

/// The input as batches of JSON record texts, whatever its format; each
/// batch is decided together (a manifest) or record by record.
fn read_batches(
    path: Option<&PathBuf>,
    format: InputFormat,
    over_manifest: bool,
    reference: Option<lintas_formats::Date>,
    io: &mut Io<'_>,
) -> Result<Vec<OwnedBatch>, String> {
    let problem = |place: String, message: String| DecodeError {
        kind: lintas_eval::decode::DecodeErrorKind::Syntax,
        path: place,
        message,
    };
    match format {
        InputFormat::Json => {
            let text = read_input(path)?;
            Ok(super::input::split_records(&text, over_manifest)
                .into_iter()
                .map(|b| b.map(|items| items.into_iter().map(str::to_string).collect()))
                .collect())
        }
        InputFormat::Mrz => {
            let reference = reference
                .ok_or("an MRZ needs the evaluation date (`--date`) to read two-digit years")?;
            let text = read_input(path)?;
            let records: Vec<OwnedBatch> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(n, line)| {
                    super::formats::mrz_record(line.trim(), reference)
                        .map(|r| vec![r])
                        .map_err(|m| {
                            problem(
                                format!("line {}", n + 1),
                                format!("not a machine-readable zone: {m}"),
                            )
                        })
                })
                .collect();
            Ok(if over_manifest {
                vec![
                    records
                        .into_iter()
                        .map(|r| r.map(|mut v| v.pop().unwrap_or_default()))
                        .collect::<Result<Vec<_>, _>>(),
                ]
            } else {
                records
            })
        }
        InputFormat::Paxlst => {
            let reference = reference
                .ok_or("a PAXLST message needs the evaluation date (`--date`) to read dates")?;
            let bytes = read_bytes(path)?;
            let (records, findings) = super::formats::paxlst_records(&bytes, reference)?;
            // Irregular data is reported, never silently accepted.
            for f in &findings {
                let _ = writeln!(io.err, "paxlst: {f}");
            }
            Ok(if over_manifest {
                vec![Ok(records)]
            } else {
                records.into_iter().map(|r| Ok(vec![r])).collect()
            })
        }
    }
}

fn read_bytes(path: Option<&PathBuf>) -> Result<Vec<u8>, String> {
    match path {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::read(p).map_err(|e| format!("{}: cannot read: {e}", p.display()))
        }
        _ => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            Ok(bytes)
        }
    }
}

pub(super) fn read_input(path: Option<&PathBuf>) -> Result<String, String> {
    match path {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::read_to_string(p).map_err(|e| format!("{}: cannot read: {e}", p.display()))
        }
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            Ok(text)
        }
    }
}

fn print_table(
    io: &mut Io<'_>,
    rows: &[(usize, DecisionResult, Option<Vec<explain::RuleExplanation>>)],
) {
    let width = rows
        .iter()
        .map(|(_, r, _)| r.outcome.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = writeln!(io.out, "{:>5}  {:<width$}  reasons", "#", "outcome");
    for (n, result, explanation) in rows {
        let mut reasons: Vec<String> = result
            .reasons
            .iter()
            .map(|r| {
                if r.values.is_empty() {
                    r.code.clone()
                } else {
                    let values: Vec<String> =
                        r.values.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    format!("{}({})", r.code, values.join(", "))
                }
            })
            .collect();
        reasons.extend(result.shadow.iter().map(|r| format!("shadow:{}", r.code)));
        let _ = writeln!(
            io.out,
            "{n:>5}  {:<width$}  {}",
            result.outcome,
            reasons.join(", ")
        );
        if let Some(e) = explanation {
            let _ = write!(io.out, "{}", explain::to_text(e));
        }
    }
}
