//! What the server knows of the files: the packages of the workspace
//! folders, read by `lintas-load` as the CLI reads them, with the editor's
//! unsaved text in place of the disk's for open documents.

use crate::index::Index;
use lintas_check::workspace::{PackageId, Workspace};
use lintas_syntax::{Diagnostic, FileId};
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub use lintas_load::{MANIFEST, package_of};

/// A document the editor has open.
#[derive(Debug, Clone)]
pub struct OpenDoc {
    pub text: String,
    pub version: i32,
}

/// The result of checking one package, kept until one of its files changes.
pub struct PackageAnalysis {
    pub fingerprint: u64,
    pub diagnostics: Vec<Diagnostic>,
    pub program: Option<lintas_check::hir::Program>,
    pub index: Index,
    /// Set until [`World::build_indexes`] has run after the check: the
    /// diagnostics go out first, the index for requests right after. While
    /// set, `index` is the previous one, kept for the rebuild to reuse.
    pub index_pending: bool,
}

#[derive(Default)]
pub struct World {
    /// Workspace folders, canonical.
    pub folders: Vec<PathBuf>,
    pub open: HashMap<PathBuf, OpenDoc>,
    pub ws: Workspace,
    /// `FileId` → canonical path.
    pub paths: Vec<PathBuf>,
    pub ids: HashMap<PathBuf, FileId>,
    /// Modification times of files read from disk, to notice edits made by
    /// other tools when no file watcher told us.
    mtimes: HashMap<PathBuf, Option<SystemTime>>,
    /// Packages found in the folders (the rest are bases and dependencies).
    pub roots: Vec<PackageId>,
    pub analyses: HashMap<PackageId, PackageAnalysis>,
    /// Open files that belong to no package: checked for syntax only.
    pub loose: HashMap<PathBuf, (FileId, Index, Vec<Diagnostic>)>,
    /// Set when the file structure may have changed (new or deleted files).
    pub needs_rescan: bool,
    /// The last diagnostics sent for each file, to send only changes.
    pub published: HashMap<PathBuf, Vec<lsp_types::Diagnostic>>,
    /// Parses of unchanged items, shared by checking and indexing: an edit
    /// re-parses only the item it touches.
    parse_cache: lintas_syntax::ParseCache,
    /// What rebuilding the indexes left of the old ones, to be freed
    /// without anyone waiting (see [`World::drop_discarded`]).
    discarded: Vec<Index>,
}

impl World {
    pub fn new(folders: Vec<PathBuf>) -> World {
        World {
            folders: folders
                .into_iter()
                .map(|f| f.canonicalize().unwrap_or(f))
                .collect(),
            needs_rescan: true,
            ..World::default()
        }
    }

    pub fn text(&self, id: FileId) -> &str {
        self.ws.db.text(id)
    }

    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.ids.get(path).copied()
    }

    pub fn path(&self, id: FileId) -> Option<&Path> {
        self.paths.get(id.0 as usize).map(PathBuf::as_path)
    }

    /// Reads the packages of the workspace folders (and of open files
    /// outside them) from scratch.
    pub fn rescan(&mut self) {
        let source = EditorSource {
            open: self
                .open
                .iter()
                .map(|(p, d)| (p.clone(), d.text.clone()))
                .collect(),
            mtimes: HashMap::new(),
        };
        let mut loader = lintas_load::Loader::new(source);
        let mut dirs = Vec::new();
        for folder in &self.folders {
            dirs.extend(lintas_load::find_packages(folder).unwrap_or_default());
        }
        for path in self.open.keys() {
            if let Some(dir) = package_of(path)
                && !dirs.contains(&dir)
            {
                dirs.push(dir);
            }
        }
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            // A package that cannot be read is left out; its files get no
            // diagnostics rather than stopping the server.
            let _ = loader.load_root(&dir);
        }
        self.roots = loader.ws.roots.clone();
        self.ws = loader.ws;
        self.paths = loader.paths;
        self.ids = self
            .paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), FileId(u32::try_from(i).unwrap_or(u32::MAX))))
            .collect();
        self.mtimes = loader.source.mtimes;
        self.analyses.clear();
        self.loose.clear();
        self.needs_rescan = false;
    }

    /// Picks up files changed on disk that the editor does not have open.
    pub fn refresh_from_disk(&mut self) {
        let mut changed = Vec::new();
        for (path, old) in &self.mtimes {
            if self.open.contains_key(path) {
                continue;
            }
            let now = mtime(path);
            if now != *old {
                changed.push(path.clone());
            }
        }
        for path in changed {
            if !path.exists() {
                self.needs_rescan = true;
                continue;
            }
            self.reload_from_disk(&path);
        }
    }

    pub fn reload_from_disk(&mut self, path: &Path) {
        let Some(id) = self.file_id(path) else {
            self.needs_rescan = true;
            return;
        };
        self.mtimes.insert(path.to_path_buf(), mtime(path));
        match std::fs::read(path).map(String::from_utf8) {
            Ok(Ok(text)) => self.ws.db.set_text(id, text),
            _ => self.needs_rescan = true,
        }
        if path.file_name().is_some_and(|n| n == MANIFEST) {
            self.needs_rescan = true;
        }
    }

    /// Puts an open document's text in place of the disk's.
    pub fn set_open_text(&mut self, path: &Path) {
        let Some(doc) = self.open.get(path) else {
            return;
        };
        match self.file_id(path) {
            Some(id) => {
                if self.ws.db.text(id) != doc.text {
                    self.ws.db.set_text(id, doc.text.clone());
                }
            }
            None => {
                if path.extension().is_some_and(|e| e == "lintas") {
                    // A new file in a package, or a file outside any.
                    self.needs_rescan = true;
                }
            }
        }
    }

    /// Brings every analysis up to date.
    pub fn analyse(&mut self) {
        if self.needs_rescan {
            self.rescan();
        }
        self.refresh_from_disk();
        if self.needs_rescan {
            self.rescan();
        }
        let open: Vec<PathBuf> = self.open.keys().cloned().collect();
        for path in &open {
            self.set_open_text(path);
        }
        if self.needs_rescan {
            self.rescan();
        }
        for root in self.roots.clone() {
            let fingerprint = self.fingerprint(root);
            if self
                .analyses
                .get(&root)
                .is_some_and(|a| a.fingerprint == fingerprint)
            {
                continue;
            }
            let timer = std::time::Instant::now();
            let result = lintas_check::check_package_cached(&self.ws, root, &mut self.parse_cache);

            if std::env::var_os("LINTAS_LSP_TIMING").is_some() {
                eprintln!("check {:?}", timer.elapsed());
            }
            // The old index stays until a request needs the new one: its
            // items are what the rebuild reuses.
            let index = self
                .analyses
                .remove(&root)
                .map(|a| a.index)
                .unwrap_or_default();
            self.analyses.insert(
                root,
                PackageAnalysis {
                    fingerprint,
                    diagnostics: result.diagnostics,
                    program: Some(result.program),
                    index,
                    index_pending: true,
                },
            );
        }
        // Open `.lintas` files outside every package.
        for path in open {
            if self.file_id(&path).is_some() || path.extension().is_none_or(|e| e != "lintas") {
                continue;
            }
            let text = self
                .open
                .get(&path)
                .map(|d| d.text.clone())
                .unwrap_or_default();
            let id = self.ws.db.add(path.to_string_lossy().to_string(), text);
            self.paths.push(path.clone());
            self.ids.insert(path.clone(), id);
            let parsed = lintas_syntax::parse(id, self.ws.db.text(id));
            let index = Index::build(&self.ws.db, &[id], &mut self.parse_cache);
            self.loose.insert(path, (id, index, parsed.diagnostics));
        }
        for (path, (id, index, diagnostics)) in self.loose.iter_mut() {
            if let Some(doc) = self.open.get(path)
                && self.ws.db.text(*id) != doc.text
            {
                self.ws.db.set_text(*id, doc.text.clone());
                *diagnostics = lintas_syntax::parse(*id, &doc.text).diagnostics;
                // One file: what is left of the old index is small enough
                // to free here.
                let mut previous = std::mem::take(index);
                *index = Index::rebuild(&mut previous, &self.ws.db, &[*id], &mut self.parse_cache);
            }
        }
        self.loose.retain(|p, _| self.open.contains_key(p));
    }

    /// Builds the indexes of the packages checked since the last call.
    pub fn build_indexes(&mut self) {
        let pending: Vec<PackageId> = self
            .analyses
            .iter()
            .filter(|(_, a)| a.index_pending)
            .map(|(id, _)| *id)
            .collect();
        for root in pending {
            let files: Vec<FileId> = self
                .chain(root)
                .iter()
                .filter_map(|p| self.ws.package(*p))
                .flat_map(|p| p.sources.iter().copied())
                .collect();
            let Some(analysis) = self.analyses.get_mut(&root) else {
                continue;
            };
            // Taken out first: if indexing panics, the analysis is left with
            // an empty index rather than one that no longer fits the text.
            let mut previous = std::mem::take(&mut analysis.index);
            let timer = std::time::Instant::now();
            let index = Index::rebuild(&mut previous, &self.ws.db, &files, &mut self.parse_cache);
            self.discarded.push(previous);
            if std::env::var_os("LINTAS_LSP_TIMING").is_some() {
                let (resolved, items) = index.resolved();
                eprintln!(
                    "index {:?} ({resolved} of {items} items resolved again)",
                    timer.elapsed()
                );
            }
            if let Some(a) = self.analyses.get_mut(&root) {
                a.index = index;
                a.index_pending = false;
            }
        }
    }

    /// Frees what the last rebuild of the indexes left, on another thread:
    /// it takes a millisecond or more for a large package, which neither
    /// the answer being sent nor the next request should wait for.
    pub fn drop_discarded(&mut self) {
        if self.discarded.is_empty() {
            return;
        }
        let discarded = std::mem::take(&mut self.discarded);
        // If no thread can be started, the closure and what it holds are
        // dropped here instead.
        let _ = std::thread::Builder::new()
            .name("lintas-lsp-drop".to_string())
            .spawn(move || drop(discarded));
    }

    /// The package and the packages it extends, base first.
    pub fn chain(&self, id: PackageId) -> Vec<PackageId> {
        let mut chain = vec![id];
        let mut seen = HashSet::from([id]);
        let mut current = id;
        while let Some(base) = self.ws.package(current).and_then(|p| p.base) {
            if !seen.insert(base) {
                break;
            }
            chain.push(base);
            current = base;
        }
        chain.reverse();
        chain
    }

    /// A hash of every file a package's check reads.
    fn fingerprint(&self, id: PackageId) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        let mut seen = HashSet::new();
        let mut stack = vec![id];
        while let Some(p) = stack.pop() {
            if !seen.insert(p) {
                continue;
            }
            let Some(input) = self.ws.package(p) else {
                continue;
            };
            self.ws.db.text(input.manifest_file).hash(&mut hasher);
            for f in input.sources.iter().chain(input.data.values()) {
                f.hash(&mut hasher);
                self.ws.db.text(*f).hash(&mut hasher);
            }
            stack.extend(input.base);
            stack.extend(input.dependencies.values().copied());
        }
        hasher.finish()
    }

    /// Every diagnostic of the workspace, as `lintas check` would give it
    /// for the folders: load problems, then each package checked.
    pub fn diagnostics(&self) -> Vec<&Diagnostic> {
        let mut all: Vec<&Diagnostic> = self.ws.load_diagnostics.iter().collect();
        for root in &self.roots {
            if let Some(a) = self.analyses.get(root) {
                all.extend(a.diagnostics.iter());
            }
        }
        for (_, _, diagnostics) in self.loose.values() {
            all.extend(diagnostics.iter());
        }
        let mut seen = HashSet::new();
        all.retain(|d| seen.insert((d.code, d.primary.span, d.message.clone())));
        all
    }

    /// The analyses whose package (with its bases) holds the file: the
    /// nearest first.
    pub fn analyses_for(&self, file: FileId) -> Vec<&PackageAnalysis> {
        let mut found = Vec::new();
        for root in &self.roots {
            let owns = self
                .ws
                .package(*root)
                .is_some_and(|p| p.sources.contains(&file));
            if owns && let Some(a) = self.analyses.get(root) {
                found.insert(0, a);
            } else if self
                .chain(*root)
                .iter()
                .filter_map(|p| self.ws.package(*p))
                .any(|p| p.sources.contains(&file))
                && let Some(a) = self.analyses.get(root)
            {
                found.push(a);
            }
        }
        found
    }

    /// The index to answer questions about a file with: its package's.
    pub fn index_for(&self, file: FileId) -> Option<(&Index, Option<&lintas_check::hir::Program>)> {
        if let Some(a) = self.analyses_for(file).into_iter().next() {
            return Some((&a.index, a.program.as_ref()));
        }
        self.loose
            .values()
            .find(|(id, _, _)| *id == file)
            .map(|(_, index, _)| (index, None))
    }

    /// Every index, for workspace-wide questions.
    pub fn all_indexes(&self) -> Vec<(&Index, Option<&lintas_check::hir::Program>)> {
        let mut all: Vec<_> = self
            .roots
            .iter()
            .filter_map(|r| self.analyses.get(r))
            .map(|a| (&a.index, a.program.as_ref()))
            .collect();
        all.extend(self.loose.values().map(|(_, index, _)| (index, None)));
        all
    }
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Reads files for the loader: the editor's text for open documents, the
/// disk's otherwise, noting modification times to notice later edits.
struct EditorSource {
    open: HashMap<PathBuf, String>,
    mtimes: HashMap<PathBuf, Option<SystemTime>>,
}

impl lintas_load::Source for EditorSource {
    fn read(&mut self, path: &Path) -> Result<String, String> {
        if let Some(text) = self.open.get(path) {
            return Ok(text.clone());
        }
        self.mtimes.insert(path.to_path_buf(), mtime(path));
        lintas_load::read_text(path)
    }

    /// New documents the editor has open but not yet saved.
    fn extra_files(&self, dir: &Path) -> Vec<PathBuf> {
        self.open
            .keys()
            .filter(|p| {
                p.extension().is_some_and(|e| e == "lintas")
                    && package_of(p).as_deref() == Some(dir)
            })
            .cloned()
            .collect()
    }
}
