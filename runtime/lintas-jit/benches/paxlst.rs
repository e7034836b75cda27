//! A flight's advance passenger manifest screened end to end on one core:
//! the README's 300-traveller PAXLST message (`rules/asean/sample/manifest.paxlst`)
//! parsed, its travellers turned into records and decoded by the
//! `pre_arrival` schema, and the manifest decision taken with its
//! aggregates (duplicate documents, groups on one booking) by the native
//! backend, with the ASEAN baseline as Singapore's overlay applies it. The
//! reference interpreter's end to end time is printed beside it.
//!
//! Records go from the parsed message to values through
//! `lintas_formats::record` and `lintas_eval::decode::decode_from`: the
//! decoder reads each record directly, with the same values and problems
//! as decoding its JSON text (checked below before timing), without writing
//! and re-reading 300 JSON objects. The JSON text path `lintas eval` takes
//! is timed too, for comparison.
//!
//! Run: `cargo bench -p lintas-jit --bench paxlst` (release build); a
//! word after `--` times only the stages whose names contain it, and
//! `LINTAS_BENCH_QUICK=1` times each stage twice, for profilers.

use lintas_check::types::Ty;
use lintas_check::value::Value;
use lintas_eval::decode::{DecodeError, DecodeOptions, decode_from};
use lintas_eval::{DecisionResult, Interpreter};
use lintas_formats::paxlst;
use lintas_jit::Native;
use reference_baseline::measure::{Timing, per_item};
use std::hint::black_box;
use std::path::Path;

/// Timed passes; the median is reported.
const RUNS: usize = 15;
/// Manifests screened per timed pass.
const PER_PASS: usize = 50;

/// How many passes of how many manifests: fewer under a profiler.
fn passes() -> (usize, usize) {
    if std::env::var_os("LINTAS_BENCH_QUICK").is_some() {
        (1, 2)
    } else {
        (RUNS, PER_PASS)
    }
}

const PACKAGE: &str = "rules/members/sgp";
const MANIFEST: &str = "rules/asean/sample/manifest.paxlst";
const DECISION: &str = "pre_arrival";

type Members = Vec<Result<Value, Vec<DecodeError>>>;

/// The parts a screening needs, loaded once.
struct Setup {
    program: lintas_check::hir::Program,
    schema: Ty,
    reference: lintas_formats::Date,
}

impl Setup {
    fn parse<'b>(&self, bytes: &'b [u8]) -> Result<paxlst::Manifest<'b>, String> {
        paxlst::parse(bytes, self.reference).map_err(|e| e.to_string())
    }

    /// Every traveller decoded by the decision's schema, straight from its record.
    fn members(&self, manifest: &paxlst::Manifest<'_>) -> Members {
        manifest
            .records()
            .into_iter()
            .map(|r| decode_from(&self.program, &self.schema, r, DecodeOptions::default()))
            .collect()
    }

    /// The same through JSON text, as `lintas eval --input-format paxlst` does.
    fn members_via_json(&self, manifest: &paxlst::Manifest<'_>) -> Members {
        manifest
            .records()
            .iter()
            .map(|r| {
                let text = serde_json::to_string(r).unwrap_or_default();
                lintas_eval::decode(&self.program, &self.schema, &text, DecodeOptions::default())
            })
            .collect()
    }
}

/// A checksum of results, so that the optimiser keeps the work.
fn checksum(results: &[DecisionResult]) -> u64 {
    results.iter().fold(0u64, |sum, r| {
        sum.wrapping_add(r.reasons.len() as u64 + r.outcome.len() as u64)
    })
}

fn manifests_per_pass(pass: &mut dyn FnMut() -> Result<u64, String>) -> Result<Timing, String> {
    // Fail before timing rather than time an error path.
    pass()?;
    let (runs, per_pass) = passes();
    Ok(per_item(runs, per_pass, || {
        (0..per_pass).fold(0u64, |sum, _| sum.wrapping_add(pass().unwrap_or(0)))
    }))
}

fn main() -> Result<(), String> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let ws = lintas_load::load_paths(&[repo.join(PACKAGE)]).map_err(|e| e.to_string())?;
    let root = *ws.roots.first().ok_or("no package")?;
    let checked = lintas_check::check_package(&ws, root);
    if checked.has_errors() {
        return Err(format!(
            "{PACKAGE} has errors: run `lintas check {PACKAGE}`"
        ));
    }
    let program = checked.program;
    let decision = program
        .decisions
        .iter()
        .position(|d| d.name == DECISION)
        .ok_or("no pre_arrival decision")?;
    let schema = program
        .decisions
        .get(decision)
        .map(|d| Ty::Record(d.schema))
        .ok_or("no pre_arrival decision")?;
    let setup = Setup {
        program,
        schema,
        reference: lintas_formats::Date::new(2026, 3, 1).ok_or("reference date")?,
    };
    let bytes = std::fs::read(repo.join(MANIFEST)).map_err(|e| format!("{MANIFEST}: {e}"))?;
    let native = Native::compile(&setup.program)?;
    let mut evaluator = native.evaluator();
    let interpreter = Interpreter::new(&setup.program);
    let context = interpreter
        .context_from_json(
            &serde_json::json!({"date": "2026-03-01", "member": "SGP", "emergencies": []}),
        )
        .map_err(|e| format!("{e:?}"))?;

    // Before timing: both record paths decode alike, both backends agree,
    // and the manifest gives decisions with reasons.
    let manifest = setup.parse(&bytes)?;
    let members = setup.members(&manifest);
    if members != setup.members_via_json(&manifest) {
        return Err("records decode differently from their JSON text".into());
    }
    let expected = interpreter.decide_manifest(decision, &members, &context);
    let actual = evaluator.decide_manifest(decision, &members, &context);
    if actual != expected {
        return Err("the native backend and the interpreter disagree on the manifest".into());
    }
    let referred = actual.iter().filter(|r| !r.reasons.is_empty()).count();
    let failed = actual.iter().filter(|r| r.failed()).count();
    println!(
        "{MANIFEST}: {} bytes, {} travellers, {} findings; {referred} referred with reasons, {failed} failed closed",
        bytes.len(),
        manifest.travellers.len(),
        manifest.findings.len(),
    );

    // `cargo bench` passes `--bench`; any other word selects stages.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let mut rows: Vec<(&str, Timing)> = Vec::new();
    let mut stage =
        |name: &'static str, pass: &mut dyn FnMut() -> Result<u64, String>| -> Result<(), String> {
            if wanted(name) {
                rows.push((name, manifests_per_pass(pass)?));
            }
            Ok(())
        };
    stage("parse only (PAXLST bytes -> manifest)", &mut || {
        let m = setup.parse(black_box(&bytes))?;
        Ok(m.travellers.len() as u64)
    })?;
    stage("records + decode (manifest -> values)", &mut || {
        Ok(setup.members(black_box(&manifest)).len() as u64)
    })?;
    stage("decide only, native (aggregates included)", &mut || {
        let results = evaluator.decide_manifest(decision, black_box(&members), &context);
        Ok(checksum(&results))
    })?;
    stage("decode + decide, native", &mut || {
        let members = setup.members(black_box(&manifest));
        Ok(checksum(
            &evaluator.decide_manifest(decision, &members, &context),
        ))
    })?;
    stage("end to end, native", &mut || {
        let manifest = setup.parse(black_box(&bytes))?;
        let members = setup.members(&manifest);
        Ok(checksum(
            &evaluator.decide_manifest(decision, &members, &context),
        ))
    })?;
    stage("end to end, native, records via JSON text", &mut || {
        let manifest = setup.parse(black_box(&bytes))?;
        let members = setup.members_via_json(&manifest);
        Ok(checksum(
            &evaluator.decide_manifest(decision, &members, &context),
        ))
    })?;
    stage("end to end, interpreter", &mut || {
        let manifest = setup.parse(black_box(&bytes))?;
        let members = setup.members(&manifest);
        Ok(checksum(
            &interpreter.decide_manifest(decision, &members, &context),
        ))
    })?;

    let (runs, per_pass) = passes();
    println!(
        "µs per 300-traveller manifest, one core (median of {runs} runs of {per_pass}; min-max):"
    );
    for (what, t) in &rows {
        println!(
            "  {what:<44} {:>8.1} µs  ({:.1}-{:.1})",
            t.median_ns / 1e3,
            t.min_ns / 1e3,
            t.max_ns / 1e3
        );
    }
    Ok(())
}
