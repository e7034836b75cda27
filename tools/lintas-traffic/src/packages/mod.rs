//! Random, valid rule packages with matching records and contexts, for the
//! differential test of evaluation backends against the reference
//! interpreter.
//!
//! A package exercises the whole language: every type in its schema, sets
//! small and large (inline, CSV and JSON), tables with one and two keys,
//! lets, scores, decision tables with every hit policy, manifest decisions
//! with aggregates, rules in shadow mode, with effective ranges and
//! `applies to`, and expressions with every operator and builtin. Every
//! package checks without errors or warnings; the traffic makes every rule
//! fire, every outcome occur and both fail-closed reasons appear.
//!
//! The same seed gives the same package, records and contexts forever:
//! all randomness comes from the crate's own SplitMix64 stream.

mod build;
mod conds;
mod contexts;
mod data;
mod data_files;
mod derived;
mod dict;
mod draw;
mod exprs;
mod ident;
mod json;
mod literals;
mod model;
mod numbers;
mod pools;
mod records;
mod rules;
mod scalars;
mod schema;
mod scope;
mod values;

/// Separate streams for packages, records and contexts, so that asking for
/// more records never changes the package of the same seed.
const RECORD_STREAM: u64 = 0x5245_434f_5244_5331;
const CONTEXT_STREAM: u64 = 0x434f_4e54_4558_5431;

/// A generated rule package.
#[derive(Debug, Clone)]
pub struct GeneratedPackage {
    /// (relative path, contents): `lintas.toml` and one or more `.lintas` files, plus data files (CSV, JSON) that `from "data/x.csv"` sets and tables read.
    pub files: Vec<(String, String)>,
    /// Names of the decisions defined: per-record decisions and, in most
    /// packages, one `for each ... in manifest` decision (see
    /// [`GeneratedPackage::manifest_decisions`]).
    pub decisions: Vec<String>,
    plan: Plan,
}

/// What records and contexts are made from: the schema, the values the
/// package mentions, and the (date, member) slots its rules are planned
/// around.
#[derive(Debug, Clone)]
struct Plan {
    universe: model::Universe,
    dict: dict::Dict,
    dates: Vec<i64>,
    members: Vec<String>,
    manifest_decisions: Vec<String>,
}

impl GeneratedPackage {
    /// The decisions taken over a whole manifest (decide them with
    /// `Interpreter::decide_manifest`, several records at once: their
    /// aggregates count over the manifest).
    pub fn manifest_decisions(&self) -> &[String] {
        &self.plan.manifest_decisions
    }

    pub fn is_manifest(&self, decision: &str) -> bool {
        self.plan.manifest_decisions.iter().any(|d| d == decision)
    }

    fn source(&self) -> records::Basis<'_> {
        records::Basis {
            u: &self.plan.universe,
            dict: &self.plan.dict,
            dates: &self.plan.dates,
            members: &self.plan.members,
        }
    }
}

/// The package of a seed.
pub fn random_package(seed: u64) -> GeneratedPackage {
    let built = build::build(seed);
    GeneratedPackage {
        files: built.files,
        decisions: built.decisions,
        plan: Plan {
            universe: built.universe,
            dict: built.dict,
            dates: built.dates,
            members: built.members,
            manifest_decisions: built.manifest_decisions,
        },
    }
}

/// JSON records (one JSON text each) for the given package's schema: mostly valid, with boundary values, and some fraction malformed.
pub fn random_records(package: &GeneratedPackage, seed: u64, count: usize) -> Vec<String> {
    records::generate(&package.source(), seed ^ RECORD_STREAM, count)
}

/// Random evaluation contexts as JSON objects (date, member, checkpoint,
/// emergencies, recipient), as `lintas eval --context` reads them. Any four
/// consecutive contexts cover the four (date, member) pairs the package's
/// effective ranges and `applies to` lists were planned around.
pub fn random_contexts(package: &GeneratedPackage, seed: u64, count: usize) -> Vec<String> {
    contexts::generate(&package.source(), seed ^ CONTEXT_STREAM, count)
}
