//! Loading a bundle into something that decides: every check of
//! [`crate::verify`], then expiry and rollback, then the program is
//! deserialised (no parser) and compiled for the configured engine.

use crate::archive::Files;
use crate::archive::Limits;
use crate::bundle::{self, PROGRAM};
use crate::keys::TrustStore;
use crate::manifest::Manifest;
use crate::{BundleError, Timestamp};
use lintas_check::hir::Program;
use lintas_check::types::Ty;
use lintas_check::value::Value;
use lintas_eval::decide::{DecisionResult, Interpreter};
use lintas_eval::decode::{DecodeError, DecodeOptions};
use lintas_jit::Native;
use semver::Version;
use std::path::{Path, PathBuf};

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
    now: Option<Timestamp>,
    engine: Engine,
    limits: Limits,
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
            now: None,
            engine: Engine::Native,
            limits: Limits::default(),
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

    /// The time expiry is judged at; the system clock when not given.
    pub fn now(mut self, now: Timestamp) -> Loader {
        self.now = Some(now);
        self
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
        let source = source.into();
        let (bytes, name) = match source {
            BundleSource::Path(path) => {
                let name = path.display().to_string();
                let bytes = std::fs::read(path).map_err(|e| BundleError::Io {
                    bundle: name.clone(),
                    message: e.to_string(),
                })?;
                (bytes, name)
            }
            BundleSource::Bytes { bytes, name } => (bytes.to_vec(), name.to_string()),
        };
        let store;
        let trust = match &self.trust {
            Trust::Dir(dir) => {
                store = TrustStore::read(dir)?;
                &store
            }
            Trust::Store(store) => store,
        };
        let verified = bundle::verify(&bytes, &name, trust, &self.limits, &self.compiler)?;
        let manifest = &verified.manifest;
        let malformed = |file: &str, message: String| BundleError::Malformed {
            bundle: name.clone(),
            file: file.to_string(),
            message,
        };
        let expires = Timestamp::parse(&manifest.expires)
            .map_err(|e| malformed(crate::archive::MANIFEST, format!("`expires`: {e}")))?;
        let now = self.now.unwrap_or_else(Timestamp::now);
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
        })
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
        let program = accepted.program;
        let engine = match self.engine {
            Engine::Native => {
                let native = Native::compile(&program).map_err(|message| BundleError::Compile {
                    bundle: name,
                    package: program.package.name.clone(),
                    version: program.package.version.clone(),
                    message,
                })?;
                Loaded::Native(Box::new(native))
            }
            Engine::Interpreter | Engine::Wasm => Loaded::Interpreter,
        };
        Ok(LoadedBundle {
            manifest: accepted.manifest,
            signed_by: accepted.signed_by,
            version: accepted.version,
            program,
            engine,
        })
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
}

enum Loaded {
    Native(Box<Native>),
    Interpreter,
}

/// A verified bundle, ready to decide.
pub struct LoadedBundle {
    pub manifest: Manifest,
    /// The id of the trusted key that signed it.
    pub signed_by: String,
    /// The package version, parsed.
    pub version: Version,
    /// The checked program, as the bundle carried it.
    pub program: Program,
    engine: Loaded,
}

impl std::fmt::Debug for LoadedBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedBundle")
            .field("package", &self.manifest.package.name)
            .field("version", &self.version)
            .field("signed_by", &self.signed_by)
            .field("engine", &self.engine().name())
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
        match &self.engine {
            Loaded::Native(native) => Decider::Native(native.evaluator()),
            Loaded::Interpreter => Decider::Interpreter(Interpreter::new(&self.program)),
        }
    }
}

/// One thread's evaluator over a loaded bundle, whichever the engine.
#[expect(
    clippy::large_enum_variant,
    reason = "made once per thread and kept; boxing would add an indirection to every native decision"
)]
pub enum Decider<'b> {
    Native(lintas_jit::Evaluator<'b>),
    Interpreter(Interpreter<'b>),
}

impl Decider<'_> {
    /// Decides one JSON record; a record that cannot be decoded fails closed.
    pub fn decide_json(&mut self, decision: usize, json: &str, context: &Value) -> DecisionResult {
        match self {
            Decider::Native(e) => e.decide_json(decision, json, context, DecodeOptions::default()),
            Decider::Interpreter(i) => {
                i.decide_json(decision, json, context, DecodeOptions::default())
            }
        }
    }

    /// Decides one record already decoded.
    pub fn decide(&mut self, decision: usize, record: &Value, context: &Value) -> DecisionResult {
        match self {
            Decider::Native(e) => e.decide(decision, record, context),
            Decider::Interpreter(i) => i.decide(decision, record, context),
        }
    }
}
