//! Loading a bundle into something that decides: every check of
//! [`crate::verify`], then expiry and rollback, then the program is
//! deserialised (no parser) and compiled for the configured engine.

use crate::archive::Files;
use crate::archive::Limits;
use crate::bundle::{self, PROGRAM};
use crate::data::{AppliedData, DataLimits, VerifiedData};
use crate::keys::TrustStore;
use crate::manifest::Manifest;
use crate::{BundleError, Clock, Timestamp};
use lintas_check::hir::Program;
use lintas_check::types::Ty;
use lintas_check::value::Value;
use lintas_eval::decide::{DecisionResult, Interpreter, Problem, Reason};
use lintas_eval::decode::{DecodeError, DecodeOptions};
use lintas_jit::Native;
use semver::Version;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Reason code of the fail-closed result of a decision that reads
/// reference data past its `valid_until` (under [`StalePolicy::Refer`]).
pub const DATA_STALE: &str = "DATA_STALE";

/// What a checkpoint does when reference data from a data bundle is past
/// its `valid_until` and no fresher data has arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StalePolicy {
    /// Every decision that reads a stale set or table fails closed: the
    /// decision's `on error` outcome (or a more severe one a rule gave),
    /// with a [`DATA_STALE`] reason naming each stale table. A stale
    /// lost-and-stolen list cannot clear a document stolen since, so the
    /// travellers it could affect are referred to an officer.
    #[default]
    Refer,
    /// Keep deciding with the stale rows; only the status shows them as
    /// stale. For data whose staleness a member state accepts (an
    /// operator's explicit choice, never the default).
    Serve,
}

impl StalePolicy {
    pub fn name(self) -> &'static str {
        match self {
            StalePolicy::Refer => "refer",
            StalePolicy::Serve => "serve",
        }
    }
}

/// The version of the compiler this runtime embeds (the workspace shares
/// one version, so it is the `lintas` command's).
pub const COMPILER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Which evaluator a loaded bundle gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// Cranelift-compiled native code.
    #[default]
    Native,
    /// The reference interpreter over the checked program.
    Interpreter,
    /// Not built yet (issue 5); asking for it is refused with that reason.
    Wasm,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Native => "native",
            Engine::Interpreter => "interpreter",
            Engine::Wasm => "wasm",
        }
    }
}

/// Where a bundle comes from; `name` is how messages refer to it.
#[derive(Debug, Clone, Copy)]
pub enum BundleSource<'a> {
    Path(&'a Path),
    Bytes { bytes: &'a [u8], name: &'a str },
}

impl<'a> From<&'a Path> for BundleSource<'a> {
    fn from(path: &'a Path) -> Self {
        BundleSource::Path(path)
    }
}

impl<'a> From<&'a PathBuf> for BundleSource<'a> {
    fn from(path: &'a PathBuf) -> Self {
        BundleSource::Path(path)
    }
}

impl<'a> From<&'a [u8]> for BundleSource<'a> {
    fn from(bytes: &'a [u8]) -> Self {
        BundleSource::Bytes {
            bytes,
            name: "bundle",
        }
    }
}

impl<'a> From<&'a Vec<u8>> for BundleSource<'a> {
    fn from(bytes: &'a Vec<u8>) -> Self {
        BundleSource::Bytes {
            bytes,
            name: "bundle",
        }
    }
}

#[derive(Debug, Clone)]
enum Trust {
    /// Read at every load, so a rotated key takes effect at the next one.
    Dir(PathBuf),
    Store(TrustStore),
}

/// Loads bundles for a checkpoint. Every load checks everything again;
/// nothing is cached between loads.
#[derive(Debug, Clone)]
pub struct Loader {
    trust: Trust,
    allow_downgrade: bool,
    clock: Clock,
    engine: Engine,
    limits: Limits,
    data_limits: DataLimits,
    stale: StalePolicy,
    compiler: Version,
}

impl Loader {
    /// Trusts the `*.pub` keys in `trust_dir` (read at each load).
    pub fn new(trust_dir: impl Into<PathBuf>) -> Loader {
        Loader::with(Trust::Dir(trust_dir.into()))
    }

    /// Trusts keys the embedder holds in memory.
    pub fn with_trust_store(store: TrustStore) -> Loader {
        Loader::with(Trust::Store(store))
    }

    fn with(trust: Trust) -> Loader {
        Loader {
            trust,
            allow_downgrade: false,
            clock: Clock::system(),
            engine: Engine::Native,
            limits: Limits::default(),
            data_limits: DataLimits::default(),
            stale: StalePolicy::default(),
            // The crate's own version always parses; 0.0.0 would refuse
            // every bundle rather than accept any.
            compiler: Version::parse(COMPILER_VERSION).unwrap_or(Version::new(0, 0, 0)),
        }
    }

    /// Whether a bundle older than the running one may replace it: an
    /// operator's explicit decision to roll back.
    pub fn allow_downgrade(mut self, allow: bool) -> Loader {
        self.allow_downgrade = allow;
        self
    }

    /// The time expiry and data freshness are judged at, fixed; the system
    /// clock when not given.
    pub fn now(mut self, now: Timestamp) -> Loader {
        self.clock = Clock::fixed(now);
        self
    }

    /// The clock expiry and data freshness are judged by: bundles loaded
    /// through this loader keep it, so a test moves a fixed clock to age a
    /// running checkpoint's data.
    pub fn clock(mut self, clock: Clock) -> Loader {
        self.clock = clock;
        self
    }

    /// What decisions do when data from a data bundle is stale.
    pub fn stale_data(mut self, policy: StalePolicy) -> Loader {
        self.stale = policy;
        self
    }

    /// Limits on every table a data bundle replaces.
    pub fn data_limits(mut self, limits: DataLimits) -> Loader {
        self.data_limits = limits;
        self
    }

    /// The time now, by this loader's clock.
    pub fn current_time(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn allows_downgrade(&self) -> bool {
        self.allow_downgrade
    }

    pub fn stale_policy(&self) -> StalePolicy {
        self.stale
    }

    pub fn archive_limits(&self) -> Limits {
        self.limits
    }

    pub(crate) fn data_limits_ref(&self) -> &DataLimits {
        &self.data_limits
    }

    pub fn engine(mut self, engine: Engine) -> Loader {
        self.engine = engine;
        self
    }

    pub fn limits(mut self, limits: Limits) -> Loader {
        self.limits = limits;
        self
    }

    /// Every check but compiling: archive, signature, trusted key,
    /// compatibility, file hashes, expiry, rollback, and that the program
    /// deserialises.
    pub fn verify<'a>(
        &self,
        source: impl Into<BundleSource<'a>>,
        running: Option<&Version>,
    ) -> Result<Accepted, BundleError> {
        let (bytes, name) = read_source(source.into())?;
        let trust = self.trust_store()?;
        let verified = bundle::verify(&bytes, &name, &trust, &self.limits, &self.compiler)?;
        let manifest = &verified.manifest;
        let malformed = |file: &str, message: String| BundleError::Malformed {
            bundle: name.clone(),
            file: file.to_string(),
            message,
        };
        let expires = Timestamp::parse(&manifest.expires)
            .map_err(|e| malformed(crate::archive::MANIFEST, format!("`expires`: {e}")))?;
        let now = self.clock.now();
        if now >= expires {
            return Err(BundleError::Expired {
                bundle: name,
                package: manifest.package.name.clone(),
                version: manifest.package.version.clone(),
                expires: expires.to_string(),
                now: now.to_string(),
            });
        }
        let version = Version::parse(&manifest.package.version).map_err(|e| {
            malformed(
                crate::archive::MANIFEST,
                format!("package version `{}`: {e}", manifest.package.version),
            )
        })?;
        if let Some(running) = running
            && version < *running
            && !self.allow_downgrade
        {
            return Err(BundleError::Rollback {
                bundle: name,
                package: manifest.package.name.clone(),
                version: version.to_string(),
                running: running.to_string(),
            });
        }
        let program_bytes = verified
            .files
            .get(PROGRAM)
            .ok_or_else(|| malformed(PROGRAM, "the manifest does not list it".into()))?;
        let program: Program =
            serde_json::from_slice(program_bytes).map_err(|e| malformed(PROGRAM, e.to_string()))?;
        // The manifest describes the program; a signed manifest that
        // disagrees with the signed program is a broken build.
        if program.package.name != manifest.package.name
            || program.package.version != manifest.package.version
        {
            return Err(malformed(
                PROGRAM,
                format!(
                    "it holds {} {}, the manifest says {} {}",
                    program.package.name,
                    program.package.version,
                    manifest.package.name,
                    manifest.package.version
                ),
            ));
        }
        Ok(Accepted {
            manifest: verified.manifest,
            signed_by: verified.signed_by,
            files: verified.files,
            version,
            program,
            sha256: crate::manifest::sha256(&bytes),
        })
    }

    /// Every check of a data bundle that does not need the running rules:
    /// archive, signature by a trusted key, compatibility, file hashes,
    /// and that it is not past its `valid_until`. Whether it fits the
    /// running rules is checked when it is applied
    /// ([`LoadedBundle::with_data`]).
    pub fn verify_data<'a>(
        &self,
        source: impl Into<BundleSource<'a>>,
    ) -> Result<VerifiedData, BundleError> {
        let (bytes, name) = read_source(source.into())?;
        let trust = self.trust_store()?;
        crate::data::verify(
            &bytes,
            &name,
            &trust,
            &self.limits,
            &self.compiler,
            self.clock.now(),
        )
    }

    fn trust_store(&self) -> Result<std::borrow::Cow<'_, TrustStore>, BundleError> {
        match &self.trust {
            Trust::Dir(dir) => Ok(std::borrow::Cow::Owned(TrustStore::read(dir)?)),
            Trust::Store(store) => Ok(std::borrow::Cow::Borrowed(store)),
        }
    }

    /// Verifies a bundle (see [`Loader::verify`]) and builds its evaluator.
    /// `running` is the version now serving, for rollback protection.
    pub fn load<'a>(
        &self,
        source: impl Into<BundleSource<'a>>,
        running: Option<&Version>,
    ) -> Result<LoadedBundle, BundleError> {
        // Refused before any work: nothing could be served anyway.
        if self.engine == Engine::Wasm {
            return Err(BundleError::EngineUnavailable {
                engine: self.engine.name().into(),
            });
        }
        let source = source.into();
        let name = match source {
            BundleSource::Path(path) => path.display().to_string(),
            BundleSource::Bytes { name, .. } => name.to_string(),
        };
        let accepted = self.verify(source, running)?;
        self.assemble(accepted, &name, Vec::new())
    }

    /// Builds the evaluator for an accepted bundle whose program already
    /// holds the rows of `data` (replaced by data bundles).
    pub(crate) fn assemble(
        &self,
        accepted: Accepted,
        name: &str,
        data: Vec<AppliedData>,
    ) -> Result<LoadedBundle, BundleError> {
        let engine = compile(self.engine, &accepted.program, name)?;
        let reads = crate::data::decision_reads(&accepted.program, &data);
        Ok(LoadedBundle {
            manifest: accepted.manifest,
            signed_by: accepted.signed_by,
            version: accepted.version,
            program: accepted.program,
            sha256: accepted.sha256,
            data,
            engine,
            reads,
            clock: self.clock.clone(),
            stale: self.stale,
        })
    }
}

fn read_source(source: BundleSource<'_>) -> Result<(Vec<u8>, String), BundleError> {
    match source {
        BundleSource::Path(path) => {
            let name = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|e| BundleError::Io {
                bundle: name.clone(),
                message: e.to_string(),
            })?;
            Ok((bytes, name))
        }
        BundleSource::Bytes { bytes, name } => Ok((bytes.to_vec(), name.to_string())),
    }
}

fn compile(engine: Engine, program: &Program, name: &str) -> Result<Loaded, BundleError> {
    match engine {
        Engine::Native => {
            let native = Native::compile(program).map_err(|message| BundleError::Compile {
                bundle: name.to_string(),
                package: program.package.name.clone(),
                version: program.package.version.clone(),
                message,
            })?;
            Ok(Loaded::Native(Box::new(native)))
        }
        Engine::Interpreter => Ok(Loaded::Interpreter),
        Engine::Wasm => Err(BundleError::EngineUnavailable {
            engine: engine.name().into(),
        }),
    }
}

/// A bundle that passed every check a load makes before compiling.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub manifest: Manifest,
    /// The id of the trusted key that signed it.
    pub signed_by: String,
    pub version: Version,
    pub program: Program,
    pub files: Files,
    /// Of the bundle's bytes, as delivered.
    pub sha256: String,
}

enum Loaded {
    Native(Box<Native>),
    Interpreter,
}

/// A verified bundle, ready to decide. Immutable: new data or new rules
/// make a new `LoadedBundle`, so an evaluation that holds one sees one
/// version of everything, and dropping the last holder frees its code.
pub struct LoadedBundle {
    pub manifest: Manifest,
    /// The id of the trusted key that signed it.
    pub signed_by: String,
    /// The package version, parsed.
    pub version: Version,
    /// The checked program, as the bundle carried it, with the rows of
    /// any data bundles applied.
    pub program: Program,
    /// SHA-256 of the rule bundle's bytes, as delivered.
    pub sha256: String,
    /// The sets and tables data bundles replaced, one entry each.
    pub data: Vec<AppliedData>,
    engine: Loaded,
    /// For each decision, the indices into `data` of what it reads.
    // INVARIANT: one entry per decision of `program`, each index < `data.len()`.
    reads: Vec<Vec<usize>>,
    clock: Clock,
    stale: StalePolicy,
}

impl std::fmt::Debug for LoadedBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedBundle")
            .field("package", &self.manifest.package.name)
            .field("version", &self.version)
            .field("signed_by", &self.signed_by)
            .field("engine", &self.engine().name())
            .field("data", &self.data)
            .finish()
    }
}

impl LoadedBundle {
    pub fn engine(&self) -> Engine {
        match self.engine {
            Loaded::Native(_) => Engine::Native,
            Loaded::Interpreter => Engine::Interpreter,
        }
    }

    /// The native rule set, when that is the engine.
    pub fn native(&self) -> Option<&Native> {
        match &self.engine {
            Loaded::Native(native) => Some(native),
            Loaded::Interpreter => None,
        }
    }

    pub fn decision_index(&self, name: &str) -> Option<usize> {
        self.program.decisions.iter().position(|d| d.name == name)
    }

    /// Decodes an evaluation context from JSON by the program's context
    /// schema.
    pub fn context_from_json(&self, json: &serde_json::Value) -> Result<Value, Vec<DecodeError>> {
        lintas_eval::decode::decode_value(
            &self.program,
            &Ty::Record(self.program.context),
            json,
            DecodeOptions::default(),
        )
    }

    /// Per-thread evaluation state for the configured engine; reuse it for
    /// many records.
    pub fn decider(&self) -> Decider<'_> {
        let engine = match &self.engine {
            Loaded::Native(native) => Evaluating::Native(native.evaluator()),
            Loaded::Interpreter => Evaluating::Interpreter(Interpreter::new(&self.program)),
        };
        Decider {
            bundle: self,
            engine,
        }
    }

    /// The clock this bundle judges data freshness by.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn stale_policy(&self) -> StalePolicy {
        self.stale
    }

    /// The replaced sets and tables that decision number `decision`
    /// reads and that are past their `valid_until` at `now`.
    pub fn stale_data(&self, decision: usize, now: Timestamp) -> Vec<&AppliedData> {
        self.reads
            .get(decision)
            .into_iter()
            .flatten()
            .filter_map(|i| self.data.get(*i))
            .filter(|d| now >= d.valid_until)
            .collect()
    }

    /// The names of the decisions that read data entry `index`.
    pub fn decisions_reading(&self, index: usize) -> Vec<&str> {
        self.reads
            .iter()
            .zip(&self.program.decisions)
            .filter(|(reads, _)| reads.contains(&index))
            .map(|(_, d)| d.name.as_str())
            .collect()
    }

    /// A copy of this bundle with the sets and tables of `data` replaced
    /// and its evaluator compiled again: the data bundle must be for this
    /// package and version, replace only what the rules declare (same
    /// kind), hold rows that type by the declarations and fit `loader`'s
    /// data limits, and be no older than the data it replaces (unless
    /// the loader allows a downgrade).
    pub fn with_data(
        &self,
        data: &VerifiedData,
        loader: &Loader,
    ) -> Result<LoadedBundle, BundleError> {
        crate::data::check_target(data, &self.manifest, &self.version)?;
        if !loader.allow_downgrade {
            crate::data::check_not_older(data, &self.manifest, &self.data)?;
        }
        let mut program = self.program.clone();
        let replaced =
            crate::data::replace(&mut program, data, &loader.data_limits, loader.clock.now())?;
        let merged = crate::data::merge(&self.data, replaced);
        let accepted = Accepted {
            manifest: self.manifest.clone(),
            signed_by: self.signed_by.clone(),
            version: self.version.clone(),
            program,
            files: Files::new(),
            sha256: self.sha256.clone(),
        };
        let engine = match self.engine() {
            Engine::Native => Engine::Native,
            _ => Engine::Interpreter,
        };
        Loader {
            engine,
            ..loader.clone()
        }
        .assemble(accepted, &data.origin, merged)
    }

    /// `result` as it must be given under the stale-data policy: failed
    /// closed when the decision reads data past its `valid_until`.
    fn guard(&self, decision: usize, result: DecisionResult) -> DecisionResult {
        if self.stale == StalePolicy::Serve || self.reads.get(decision).is_none_or(|r| r.is_empty())
        {
            return result;
        }
        let now = self.clock.now();
        let stale = self.stale_data(decision, now);
        if stale.is_empty() {
            return result;
        }
        match self.program.decisions.get(decision) {
            Some(def) => fail_closed_stale(def, result, &stale, now),
            None => result,
        }
    }
}

/// The fail-closed form of `result` for data that is stale: reasons less
/// severe than `on error` are dropped, a [`DATA_STALE`] reason and problem
/// name each stale table, and the outcome is `on error` unless a rule gave
/// a more severe one (failing closed never makes an outcome more
/// permissive), exactly as an evaluation error combines.
fn fail_closed_stale(
    def: &lintas_check::hir::DecisionDef,
    mut result: DecisionResult,
    stale: &[&AppliedData],
    now: Timestamp,
) -> DecisionResult {
    let on_error = def.on_error;
    let given = def
        .outcomes
        .iter()
        .position(|o| *o == result.outcome)
        .unwrap_or(on_error);
    result.reasons.retain(|r| r.outcome <= on_error);
    for data in stale {
        let mut values = BTreeMap::new();
        values.insert("table".to_string(), serde_json::json!(data.name));
        values.insert(
            "valid_until".to_string(),
            serde_json::json!(data.valid_until.to_string()),
        );
        values.insert("data_bundle".to_string(), serde_json::json!(data.bundle));
        result.reasons.push(Reason {
            code: DATA_STALE.to_string(),
            rule: String::new(),
            description: format!(
                "reference data `{}` is stale: valid until {}, it is now {now}",
                data.name, data.valid_until
            ),
            values,
            outcome: on_error,
        });
        result.errors.push(Problem {
            stage: "data",
            kind: "data_stale".to_string(),
            place: data.name.clone(),
            message: format!(
                "{} `{}` from data bundle `{}` was valid until {}",
                data.kind, data.name, data.bundle, data.valid_until
            ),
        });
    }
    // Stable: most severe first, the order within an outcome kept.
    result.reasons.sort_by_key(|r| r.outcome);
    result.outcome = def
        .outcomes
        .get(given.min(on_error))
        .cloned()
        .unwrap_or_default();
    result
}

/// One thread's evaluator over a loaded bundle, whichever the engine; it
/// applies the bundle's stale-data policy to every result.
pub struct Decider<'b> {
    bundle: &'b LoadedBundle,
    engine: Evaluating<'b>,
}

#[expect(
    clippy::large_enum_variant,
    reason = "made once per thread and kept; boxing would add an indirection to every native decision"
)]
enum Evaluating<'b> {
    Native(lintas_jit::Evaluator<'b>),
    Interpreter(Interpreter<'b>),
}

impl<'b> Decider<'b> {
    /// The bundle this decider evaluates.
    pub fn bundle(&self) -> &'b LoadedBundle {
        self.bundle
    }

    /// Decides one JSON record; a record that cannot be decoded fails closed.
    pub fn decide_json(&mut self, decision: usize, json: &str, context: &Value) -> DecisionResult {
        let result = match &mut self.engine {
            Evaluating::Native(e) => {
                e.decide_json(decision, json, context, DecodeOptions::default())
            }
            Evaluating::Interpreter(i) => {
                i.decide_json(decision, json, context, DecodeOptions::default())
            }
        };
        self.bundle.guard(decision, result)
    }

    /// Decides one record already decoded.
    pub fn decide(&mut self, decision: usize, record: &Value, context: &Value) -> DecisionResult {
        let result = match &mut self.engine {
            Evaluating::Native(e) => e.decide(decision, record, context),
            Evaluating::Interpreter(i) => i.decide(decision, record, context),
        };
        self.bundle.guard(decision, result)
    }
}
