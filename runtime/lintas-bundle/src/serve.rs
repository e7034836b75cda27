//! The bundle a checkpoint is serving, replaced while it serves.
//!
//! [`Serving`] holds the current [`LoadedBundle`] behind an atomically
//! swapped `Arc`. An evaluation takes a snapshot ([`Serving::current`]) and
//! decides with it throughout, so every result comes from exactly one
//! bundle version and no evaluation ever waits for, or fails because of,
//! a reload. A new bundle is verified and compiled beside the running one
//! and swapped in with one atomic store; the old one is dropped (and its
//! native code freed) when the last evaluation holding it ends. A refused
//! bundle changes nothing but the status.
//!
//! Reloads are serialised by one lock, so versions only move forward and
//! two watchers cannot interleave; evaluations never take that lock.

use crate::bundle::BundleKind;
use crate::data::VerifiedData;
use crate::load::{BundleSource, LoadedBundle, Loader};
use crate::{BundleError, Timestamp};
use arc_swap::ArcSwapOption;
use miette::Diagnostic;
use semver::Version;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reload {
    /// New rules are serving.
    Swapped { from: Option<Version>, to: Version },
    /// New data is serving: the sets and tables it replaced.
    DataApplied { bundle: String, tables: Vec<String> },
    /// The bundle is the one already serving (the same bytes).
    Unchanged,
}

/// Why the last reload failed, for the status page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReloadError {
    /// When it failed, RFC 3339.
    pub at: String,
    /// The file or URL.
    pub source: String,
    /// [`BundleError::kind`]: stable, for monitoring.
    pub kind: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// What `lintas serve` shows about the rules and data in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The time the status was taken at, RFC 3339.
    pub now: String,
    /// `None` until a rule bundle has loaded.
    pub serving: Option<ServingStatus>,
    /// Rule bundles swapped in since start.
    pub swaps: u64,
    /// Data bundles applied since start.
    pub data_updates: u64,
    /// The last refusal or failure (it stays until the next one; a later
    /// success does not clear it, so an operator still sees it).
    pub last_error: Option<ReloadError>,
    /// The stale-data policy: `refer` or `serve`.
    pub stale_policy: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServingStatus {
    pub package: String,
    pub version: String,
    /// SHA-256 of the rule bundle as delivered.
    pub sha256: String,
    pub signed_by: String,
    pub engine: &'static str,
    pub built: String,
    pub expires: String,
    /// The file or URL it came from.
    pub source: String,
    /// When this checkpoint swapped it in, RFC 3339.
    pub loaded_at: String,
    /// Every set and table read from data, with how fresh it is.
    pub data: Vec<DataStatus>,
}

/// How fresh one set or table is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataStatus {
    pub name: String,
    /// `set` or `table`.
    pub kind: &'static str,
    /// `rules` (as the rule bundle carried it) or the data bundle's name.
    pub source: String,
    pub entries: usize,
    /// When the data was issued: the data bundle's `issued`, or the rule
    /// bundle's build time.
    pub issued: String,
    /// The data bundle's `valid_until`, or the rule bundle's expiry.
    pub valid_until: String,
    pub stale: bool,
    /// The decisions that read it: those a stale table fails closed.
    pub decisions: Vec<String>,
}

/// Everything about reloads that evaluations never need.
#[derive(Default)]
struct Reloads {
    /// Where the serving rule bundle came from, and when it was loaded.
    source: String,
    loaded_at: Option<Timestamp>,
    swaps: u64,
    data_updates: u64,
    last_error: Option<ReloadError>,
    /// The newest data bundle for each set or table, kept to apply again
    /// to new rules: a rule update must not bring back older lists.
    data: BTreeMap<String, Arc<VerifiedData>>,
}

struct Shared {
    current: ArcSwapOption<LoadedBundle>,
    loader: Loader,
    reloads: Mutex<Reloads>,
}

/// The rules a checkpoint serves, replaceable while it serves. Clones
/// share everything: give one to each watcher, poller and evaluator.
#[derive(Clone)]
pub struct Serving {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Serving {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serving")
            .field("current", &self.current())
            .finish()
    }
}

impl Serving {
    /// Nothing serving yet; bundles are verified and compiled by `loader`
    /// (its trust, engine, clock, limits and stale-data policy).
    pub fn new(loader: Loader) -> Serving {
        Serving {
            shared: Arc::new(Shared {
                current: ArcSwapOption::empty(),
                loader,
                reloads: Mutex::new(Reloads::default()),
            }),
        }
    }

    pub fn loader(&self) -> &Loader {
        &self.shared.loader
    }

    /// The bundle serving now: take it once per evaluation (or batch) and
    /// decide with it throughout. Holding it keeps that version alive;
    /// drop it promptly so a replaced version can be freed.
    pub fn current(&self) -> Option<Arc<LoadedBundle>> {
        self.shared.current.load_full()
    }

    /// Loads a rule or data bundle (by its manifest's kind) and, if it is
    /// accepted, serves it. `source` names it in the status.
    pub fn install(&self, bytes: &[u8], source: &str) -> Result<Reload, BundleError> {
        let kind = crate::archive::read(bytes, source, &self.limits())
            .and_then(|files| crate::bundle::kind_of_files(&files, source));
        match kind {
            Ok(BundleKind::Rules) => self.install_rules(bytes, source),
            Ok(BundleKind::Data) => self.install_data(bytes, source),
            Err(e) => {
                self.record_error(source, &e);
                Err(e)
            }
        }
    }

    /// Verifies a rule bundle (rollback protection against the version
    /// serving), applies the data bundles newer than its own data, compiles
    /// it, and swaps it in.
    pub fn install_rules(&self, bytes: &[u8], source: &str) -> Result<Reload, BundleError> {
        let mut reloads = self.lock();
        let result = self.swap_rules(&mut reloads, bytes, source);
        if let Err(e) = &result {
            record(&mut reloads, self.now(), source, e);
        }
        result
    }

    /// Verifies a data bundle, applies it to the rules serving (compiling
    /// them again) and swaps the result in.
    pub fn install_data(&self, bytes: &[u8], source: &str) -> Result<Reload, BundleError> {
        let mut reloads = self.lock();
        let result = self.swap_data(&mut reloads, bytes, source);
        if let Err(e) = &result {
            record(&mut reloads, self.now(), source, e);
        }
        result
    }

    /// Loads a bundle file (see [`Serving::install`]).
    pub fn install_file(&self, path: &std::path::Path) -> Result<Reload, BundleError> {
        let source = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => self.install(&bytes, &source),
            Err(e) => {
                let e = BundleError::Io {
                    bundle: source.clone(),
                    message: e.to_string(),
                };
                self.record_error(&source, &e);
                Err(e)
            }
        }
    }

    /// Records a failure that happened before a bundle could be offered
    /// (a download, a directory that cannot be read).
    pub fn record_error(&self, source: &str, e: &BundleError) {
        let now = self.now();
        record(&mut self.lock(), now, source, e);
    }

    /// The version serving, the last error and how fresh the data is.
    pub fn status(&self) -> Status {
        let now = self.now();
        let reloads = self.lock();
        let serving = self
            .current()
            .map(|bundle| serving_status(&bundle, &reloads, now));
        Status {
            now: now.to_string(),
            serving,
            swaps: reloads.swaps,
            data_updates: reloads.data_updates,
            last_error: reloads.last_error.clone(),
            stale_policy: self.shared.loader.stale_policy().name(),
        }
    }

    /// The data bundles retained to apply to new rules, for watchers that
    /// skip what is already applied.
    pub(crate) fn has_data(&self, sha256: &str) -> bool {
        self.lock().data.values().any(|d| d.sha256 == sha256)
    }

    /// The issue time of the data in use for `table`, if a data bundle
    /// replaced it.
    pub(crate) fn data_issued(&self, table: &str) -> Option<Timestamp> {
        self.lock().data.get(table).map(|d| d.issued)
    }

    pub(crate) fn limits(&self) -> crate::Limits {
        self.shared.loader.archive_limits()
    }

    fn now(&self) -> Timestamp {
        self.shared.loader.current_time()
    }

    fn lock(&self) -> MutexGuard<'_, Reloads> {
        // A panic while holding the lock left the bookkeeping, never the
        // serving bundle, half-updated; serving goes on.
        self.shared
            .reloads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn swap_rules(
        &self,
        reloads: &mut Reloads,
        bytes: &[u8],
        source: &str,
    ) -> Result<Reload, BundleError> {
        let loader = &self.shared.loader;
        let current = self.current();
        let sha256 = crate::manifest::sha256(bytes);
        if current.as_ref().is_some_and(|c| c.sha256 == sha256) {
            return Ok(Reload::Unchanged);
        }
        let running = current.as_ref().map(|c| c.version.clone());
        let source_bytes = BundleSource::Bytes {
            bytes,
            name: source,
        };
        let mut accepted = loader.verify(source_bytes, running.as_ref())?;
        // The data bundles in use carry newer rows than the new rules may:
        // apply them again, oldest first, so each table ends with its
        // newest. One that no longer fits is dropped and reported.
        let mut retained: Vec<Arc<VerifiedData>> = Vec::new();
        for data in reloads.data.values() {
            if !retained.iter().any(|d| Arc::ptr_eq(d, data)) {
                retained.push(Arc::clone(data));
            }
        }
        retained.sort_by_key(|d| d.issued);
        let now = self.now();
        let mut applied = Vec::new();
        let mut dropped = Vec::new();
        for data in retained {
            let fits = crate::data::check_target(&data, &accepted.manifest, &accepted.version)
                .and_then(|()| crate::data::check_not_older(&data, &accepted.manifest, &applied))
                .and_then(|()| {
                    crate::data::replace(
                        &mut accepted.program,
                        &data,
                        loader.data_limits_ref(),
                        now,
                    )
                });
            match fits {
                Ok(replaced) => applied = crate::data::merge(&applied, replaced),
                // Older than the new rules' own data: the rules win, quietly.
                Err(BundleError::DataRollback { .. }) => dropped.push((data, None)),
                Err(e) => dropped.push((data, Some(e))),
            }
        }
        let bundle = loader.assemble(accepted, source, applied)?;
        let to = bundle.version.clone();
        let previous = self.shared.current.swap(Some(Arc::new(bundle)));
        reloads.source = source.to_string();
        reloads.loaded_at = Some(now);
        reloads.swaps += 1;
        for (data, why) in dropped {
            reloads.data.retain(|_, d| !Arc::ptr_eq(d, &data));
            if let Some(e) = why {
                record(reloads, now, &data.origin, &e);
            }
        }
        // The old bundle is freed here, or when the last evaluation that
        // took it ends.
        drop(previous);
        Ok(Reload::Swapped { from: running, to })
    }

    fn swap_data(
        &self,
        reloads: &mut Reloads,
        bytes: &[u8],
        source: &str,
    ) -> Result<Reload, BundleError> {
        let loader = &self.shared.loader;
        let data = loader.verify_data(BundleSource::Bytes {
            bytes,
            name: source,
        })?;
        let Some(current) = self.current() else {
            return Err(BundleError::NoRules {
                bundle: source.to_string(),
            });
        };
        if current.data.iter().any(|d| d.sha256 == data.sha256) {
            return Ok(Reload::Unchanged);
        }
        let bundle = current.with_data(&data, loader)?;
        drop(current);
        let tables: Vec<String> = data
            .manifest
            .replaces
            .iter()
            .map(|r| r.name.clone())
            .collect();
        let name = data.manifest.name.clone();
        let data = Arc::new(data);
        for table in &tables {
            reloads.data.insert(table.clone(), Arc::clone(&data));
        }
        reloads.data_updates += 1;
        let previous = self.shared.current.swap(Some(Arc::new(bundle)));
        drop(previous);
        Ok(Reload::DataApplied {
            bundle: name,
            tables,
        })
    }
}

fn record(reloads: &mut Reloads, now: Timestamp, source: &str, e: &BundleError) {
    reloads.last_error = Some(ReloadError {
        at: now.to_string(),
        source: source.to_string(),
        kind: e.kind(),
        message: e.to_string(),
        help: e.help().map(|h| h.to_string()),
    });
}

fn serving_status(bundle: &LoadedBundle, reloads: &Reloads, now: Timestamp) -> ServingStatus {
    let m = &bundle.manifest;
    let expires = Timestamp::parse(&m.expires).ok();
    let mut data = Vec::new();
    let program = &bundle.program;
    let from_files = program
        .sets
        .iter()
        .map(|s| (s.name.as_str(), "set", s.origin.as_str(), s.values.len()))
        .chain(
            program
                .tables
                .iter()
                .map(|t| (t.name.as_str(), "table", t.origin.as_str(), t.rows.len())),
        );
    for (name, kind, origin, entries) in from_files {
        let replaced = bundle.data.iter().position(|d| d.name == name);
        if origin == "inline" && replaced.is_none() {
            continue;
        }
        // One entry per name: an overridden declaration shares its name.
        if data.iter().any(|d: &DataStatus| d.name == name) {
            continue;
        }
        let entry = match replaced.and_then(|i| Some((i, bundle.data.get(i)?))) {
            Some((index, applied)) => DataStatus {
                name: name.to_string(),
                kind,
                source: applied.bundle.clone(),
                entries: applied.entries,
                issued: applied.issued.to_string(),
                valid_until: applied.valid_until.to_string(),
                stale: now >= applied.valid_until,
                decisions: bundle
                    .decisions_reading(index)
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            },
            None => DataStatus {
                name: name.to_string(),
                kind,
                source: "rules".into(),
                entries,
                issued: m.built.clone(),
                valid_until: m.expires.clone(),
                stale: expires.is_some_and(|e| now >= e),
                decisions: crate::data::readers(program, kind, name),
            },
        };
        data.push(entry);
    }
    ServingStatus {
        package: m.package.name.clone(),
        version: bundle.version.to_string(),
        sha256: bundle.sha256.clone(),
        signed_by: bundle.signed_by.clone(),
        engine: bundle.engine().name(),
        built: m.built.clone(),
        expires: m.expires.clone(),
        source: reloads.source.clone(),
        loaded_at: reloads.loaded_at.map(|t| t.to_string()).unwrap_or_default(),
        data,
    }
}
