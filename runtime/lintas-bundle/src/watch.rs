//! Feeding a [`Serving`] from a directory of bundles.
//!
//! A deployment drops signed bundles (`*.bundle`: rules, and data bundles
//! by their manifest's kind) into one directory. [`BundleDir::scan`] serves
//! the newest rule bundle by version that verifies (trying the next newest
//! when one is refused) and applies data bundles newer than the data in
//! use; [`Watcher`] scans again after the directory changes, once it has
//! been quiet for the debounce time.
//!
//! Only files named `*.bundle` and not starting with a dot are read, so a
//! writer that writes a temporary file (`.NAME`, `NAME.tmp`, `NAME.part`)
//! and renames it into place is never read half-written; `lintas build`
//! and `lintas sign` write that way. A file written in place can be read
//! while incomplete: it is refused as truncated, and read again once it
//! changes.

use crate::serve::{Reload, Serving};
use crate::{BundleError, Timestamp};
use semver::Version;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// How a [`Watcher`] waits for the directory to settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchOptions {
    /// Scan once no change has been seen for this long: a copy in many
    /// writes, or several files at once, is read once.
    pub debounce: Duration,
    /// Scan after this long even if changes keep coming, so a busy
    /// directory cannot hold a new bundle back for ever.
    pub max_delay: Duration,
}

impl Default for WatchOptions {
    fn default() -> WatchOptions {
        WatchOptions {
            debounce: Duration::from_millis(250),
            max_delay: Duration::from_secs(2),
        }
    }
}

/// What one scan did.
#[derive(Debug, Default)]
pub struct ScanReport {
    /// Bundles now serving, by file.
    pub installed: Vec<(String, Reload)>,
    /// Bundles refused, by file (each also recorded in the status).
    pub refused: Vec<(String, BundleError)>,
}

/// A file's identity for "has it changed since it was read".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    len: u64,
    modified: Option<SystemTime>,
}

/// What a file's manifest claims, read without trusting it: only to order
/// the candidates. Whatever is loaded is verified in full.
#[derive(Debug, Clone)]
enum Header {
    Rules {
        version: Version,
    },
    Data {
        issued: Timestamp,
        tables: Vec<String>,
    },
}

#[derive(Debug, Clone)]
struct Seen {
    fingerprint: Fingerprint,
    header: Option<Header>,
    /// Refused as it is now: not offered again until the file changes (or
    /// [`BundleDir::forget_refusals`]).
    refused: bool,
}

/// A directory of bundles, and what was last seen in it.
#[derive(Debug, Clone)]
pub struct BundleDir {
    dir: PathBuf,
    seen: BTreeMap<PathBuf, Seen>,
}

impl BundleDir {
    pub fn new(dir: impl Into<PathBuf>) -> BundleDir {
        BundleDir {
            dir: dir.into(),
            seen: BTreeMap::new(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Offers refused files again: after the trust directory gained a key,
    /// say.
    pub fn forget_refusals(&mut self) {
        // Files that could not even be read are read again too (one may
        // have been caught half-written by a writer that writes in place).
        self.seen.retain(|_, seen| seen.header.is_some());
        for seen in self.seen.values_mut() {
            seen.refused = false;
        }
    }

    /// Serves the newest rule bundle that verifies, if newer than the one
    /// serving (or older, when the loader allows a downgrade), then the
    /// data bundles newer than the data in use.
    pub fn scan(&mut self, serving: &Serving) -> ScanReport {
        let mut report = ScanReport::default();
        let entries = match self.list() {
            Ok(entries) => entries,
            Err(e) => {
                serving.record_error(&self.dir.display().to_string(), &e);
                report.refused.push((self.dir.display().to_string(), e));
                return report;
            }
        };
        self.seen.retain(|path, _| entries.contains_key(path));
        for (path, fingerprint) in entries {
            if self
                .seen
                .get(&path)
                .is_some_and(|s| s.fingerprint == fingerprint)
            {
                continue;
            }
            let shown = path.display().to_string();
            let header = peek(&path, &shown, serving);
            let refused = header.is_err();
            if let Err(e) = &header {
                serving.record_error(&shown, e);
            }
            self.seen.insert(
                path.clone(),
                Seen {
                    fingerprint,
                    header: header.map_err(|e| report.refused.push((shown, e))).ok(),
                    refused,
                },
            );
        }
        if self.scan_rules(serving, &mut report) {
            // New rules may accept data refused for the old ones.
            for seen in self.seen.values_mut() {
                if matches!(seen.header, Some(Header::Data { .. })) {
                    seen.refused = false;
                }
            }
        }
        self.scan_data(serving, &mut report);
        report
    }

    /// Tries rule bundles from the newest version down; true when one was
    /// swapped in.
    fn scan_rules(&mut self, serving: &Serving, report: &mut ScanReport) -> bool {
        let mut candidates: Vec<(PathBuf, Version)> = self
            .seen
            .iter()
            .filter(|(_, s)| !s.refused)
            .filter_map(|(path, s)| match &s.header {
                Some(Header::Rules { version }) => Some((path.clone(), version.clone())),
                _ => None,
            })
            .collect();
        // Newest first; the same version in two files is tried by name.
        candidates.sort_by(|(pa, va), (pb, vb)| vb.cmp(va).then_with(|| pa.cmp(pb)));
        let downgrade = serving.loader().allows_downgrade();
        for (path, version) in candidates {
            if let Some(current) = serving.current()
                && (version == current.version || (version < current.version && !downgrade))
            {
                return false;
            }
            let shown = path.display().to_string();
            let result = std::fs::read(&path)
                .map_err(|e| BundleError::Io {
                    bundle: shown.clone(),
                    message: e.to_string(),
                })
                .and_then(|bytes| serving.install_rules(&bytes, &shown));
            match result {
                Ok(reload) => {
                    let swapped = matches!(reload, Reload::Swapped { .. });
                    report.installed.push((shown, reload));
                    return swapped;
                }
                Err(e) => {
                    if matches!(e, BundleError::Io { .. }) {
                        serving.record_error(&shown, &e);
                    }
                    self.refuse(&path);
                    report.refused.push((shown, e));
                }
            }
        }
        false
    }

    /// Applies data bundles from the newest down, skipping those whose
    /// every table already has data at least as new.
    fn scan_data(&mut self, serving: &Serving, report: &mut ScanReport) {
        let mut candidates: Vec<(PathBuf, Timestamp, Vec<String>)> = self
            .seen
            .iter()
            .filter(|(_, s)| !s.refused)
            .filter_map(|(path, s)| match &s.header {
                Some(Header::Data { issued, tables }) => {
                    Some((path.clone(), *issued, tables.clone()))
                }
                _ => None,
            })
            .collect();
        candidates.sort_by(|(pa, ia, _), (pb, ib, _)| ib.cmp(ia).then_with(|| pa.cmp(pb)));
        let mut covered: BTreeSet<String> = BTreeSet::new();
        // Data older than the rules' own is left alone, not refused: it is
        // what a directory holds after a rule update, not a mistake.
        let built = serving
            .current()
            .and_then(|b| Timestamp::parse(&b.manifest.built).ok());
        for (path, issued, tables) in candidates {
            if built.is_some_and(|built| issued < built) {
                continue;
            }
            let newer_in_use = |t: &String| {
                covered.contains(t) || serving.data_issued(t).is_some_and(|i| i >= issued)
            };
            if tables.iter().all(newer_in_use) {
                continue;
            }
            let shown = path.display().to_string();
            let bytes = match std::fs::read(&path) {
                Ok(bytes) => bytes,
                Err(e) => {
                    let e = BundleError::Io {
                        bundle: shown.clone(),
                        message: e.to_string(),
                    };
                    serving.record_error(&shown, &e);
                    self.refuse(&path);
                    report.refused.push((shown, e));
                    continue;
                }
            };
            if serving.has_data(&crate::manifest::sha256(&bytes)) {
                covered.extend(tables);
                continue;
            }
            match serving.install_data(&bytes, &shown) {
                Ok(reload) => {
                    covered.extend(tables);
                    report.installed.push((shown, reload));
                }
                Err(e) => {
                    self.refuse(&path);
                    report.refused.push((shown, e));
                }
            }
        }
    }

    fn refuse(&mut self, path: &Path) {
        if let Some(seen) = self.seen.get_mut(path) {
            seen.refused = true;
        }
    }

    /// The bundle files in the directory, with their fingerprints.
    fn list(&self) -> Result<BTreeMap<PathBuf, Fingerprint>, BundleError> {
        let failed = |e: std::io::Error| BundleError::Watch {
            dir: self.dir.display().to_string(),
            message: e.to_string(),
        };
        let mut out = BTreeMap::new();
        for entry in std::fs::read_dir(&self.dir).map_err(failed)? {
            let entry = entry.map_err(failed)?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                continue;
            };
            if !is_bundle_name(name) {
                continue;
            }
            // Follows symbolic links: a deployment may point `current.bundle`
            // at a file elsewhere.
            let Ok(meta) = std::fs::metadata(entry.path()) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            out.insert(
                entry.path(),
                Fingerprint {
                    len: meta.len(),
                    modified: meta.modified().ok(),
                },
            );
        }
        Ok(out)
    }
}

/// Whether a file name is a bundle to read: `*.bundle`, not hidden (a
/// temporary file on its way to being renamed into place).
fn is_bundle_name(name: &str) -> bool {
    !name.starts_with('.') && name.ends_with(".bundle") && name.len() > ".bundle".len()
}

/// The kind and version (or issue time) a bundle file claims.
fn peek(path: &Path, shown: &str, serving: &Serving) -> Result<Header, BundleError> {
    let bytes = std::fs::read(path).map_err(|e| BundleError::Io {
        bundle: shown.to_string(),
        message: e.to_string(),
    })?;
    let files = crate::archive::read(&bytes, shown, &serving.limits())?;
    let manifest = files
        .get(crate::archive::MANIFEST)
        .ok_or_else(|| BundleError::Corrupt {
            bundle: shown.to_string(),
            message: format!("it has no `{}`", crate::archive::MANIFEST),
        })?;
    let value = crate::bundle::manifest_value(manifest, shown)?;
    let malformed = |message: &str| BundleError::Malformed {
        bundle: shown.to_string(),
        file: crate::archive::MANIFEST.into(),
        message: message.to_string(),
    };
    match crate::bundle::kind_of(&value, shown)? {
        crate::BundleKind::Rules => {
            let version = value
                .pointer("/package/version")
                .and_then(|v| v.as_str())
                .and_then(|v| Version::parse(v).ok())
                .ok_or_else(|| malformed("`package.version` is not a semantic version"))?;
            Ok(Header::Rules { version })
        }
        crate::BundleKind::Data => {
            let issued = value
                .get("issued")
                .and_then(|v| v.as_str())
                .and_then(|v| Timestamp::parse(v).ok())
                .ok_or_else(|| malformed("`issued` is not an RFC 3339 time"))?;
            let tables = value
                .get("replaces")
                .and_then(|v| v.as_array())
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|i| i.get("name")?.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            Ok(Header::Data { issued, tables })
        }
    }
}

enum Signal {
    Changed,
    Failed(String),
    Stop,
}

/// Watches a directory (see [`BundleDir`]) and keeps a [`Serving`] on its
/// newest valid bundles until dropped.
pub struct Watcher {
    dir: Arc<Mutex<BundleDir>>,
    serving: Serving,
    signals: mpsc::Sender<Signal>,
    thread: Option<JoinHandle<()>>,
    // Dropped with the watcher: stops the events.
    _events: notify::RecommendedWatcher,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("dir", &lock(&self.dir).path())
            .finish()
    }
}

impl Watcher {
    /// Scans `dir` once (so the checkpoint serves what it holds before this
    /// returns), then watches it on a thread of its own.
    pub fn start(
        serving: &Serving,
        dir: impl Into<PathBuf>,
        options: WatchOptions,
    ) -> Result<Watcher, BundleError> {
        let dir = dir.into();
        let failed = |e: notify::Error| BundleError::Watch {
            dir: dir.display().to_string(),
            message: e.to_string(),
        };
        let (signals, received) = mpsc::channel();
        let events = signals.clone();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                let signal = match event {
                    Ok(event) if relevant(&event) => Signal::Changed,
                    Ok(_) => return,
                    Err(e) => Signal::Failed(e.to_string()),
                };
                // The receiver is gone only once the watcher is stopping.
                let _ = events.send(signal);
            })
            .map_err(failed)?;
        notify::Watcher::watch(&mut watcher, &dir, notify::RecursiveMode::NonRecursive)
            .map_err(failed)?;
        let state = Arc::new(Mutex::new(BundleDir::new(&dir)));
        lock(&state).scan(serving);
        let thread = {
            let state = Arc::clone(&state);
            let serving = serving.clone();
            std::thread::Builder::new()
                .name("lintas-watch".into())
                .spawn(move || watch_loop(&received, &state, &serving, options))
                .map_err(|e| BundleError::Watch {
                    dir: dir.display().to_string(),
                    message: format!("cannot start a thread: {e}"),
                })?
        };
        Ok(Watcher {
            dir: state,
            serving: serving.clone(),
            signals,
            thread: Some(thread),
            _events: watcher,
        })
    }

    /// Scans now, offering refused files again, without waiting for an
    /// event: for operators (after fixing the trust directory) and tests.
    pub fn reload_now(&self) -> ScanReport {
        let mut dir = lock(&self.dir);
        dir.forget_refusals();
        dir.scan(&self.serving)
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.signals.send(Signal::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn lock(dir: &Mutex<BundleDir>) -> MutexGuard<'_, BundleDir> {
    // What a panicking scan left is only the cache of what was seen.
    dir.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether an event can change what the directory serves: not our own
/// reads (inotify reports opens), and not only hidden or other files.
fn relevant(event: &notify::Event) -> bool {
    use notify::EventKind;
    use notify::event::{AccessKind, AccessMode};
    let kind_matters = match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    };
    kind_matters
        && (event.paths.is_empty()
            || event.paths.iter().any(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(is_bundle_name)
            }))
}

fn watch_loop(
    received: &mpsc::Receiver<Signal>,
    state: &Mutex<BundleDir>,
    serving: &Serving,
    options: WatchOptions,
) {
    loop {
        match received.recv() {
            Ok(Signal::Changed) => {}
            Ok(Signal::Failed(message)) => {
                let dir = lock(state).path().display().to_string();
                serving.record_error(&dir.clone(), &BundleError::Watch { dir, message });
                continue;
            }
            Ok(Signal::Stop) | Err(_) => return,
        }
        // Wait for quiet, but no longer than `max_delay`.
        let first = Instant::now();
        loop {
            let left = options.max_delay.saturating_sub(first.elapsed());
            if left.is_zero() {
                break;
            }
            match received.recv_timeout(options.debounce.min(left)) {
                Ok(Signal::Changed | Signal::Failed(_)) => {}
                Ok(Signal::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => break,
            }
        }
        lock(state).scan(serving);
    }
}
