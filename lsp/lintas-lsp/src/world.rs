//! What the server knows of the files: the packages of the workspace
//! folders, read the way the CLI's loader reads them (the compiler does no
//! I/O, so the server, like the CLI, reads and hands over text), with the
//! editor's unsaved text in place of the disk's for open documents.

use crate::index::Index;
use lintas_check::manifest;
use lintas_check::workspace::{PackageId, PackageInput, Workspace};
use lintas_syntax::{Diagnostic, FileId, Span, codes};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub const MANIFEST: &str = "lintas.toml";
const SKIPPED_DIRS: &[&str] = &["target", "node_modules", ".git"];

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
    /// diagnostics go out first, the index for requests right after.
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
        let mut loader = Loader::default();
        let mut dirs = Vec::new();
        for folder in &self.folders {
            find_packages(folder, &mut dirs);
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
            if let Some(id) = loader.load_package(&dir, &self.open)
                && !loader.ws.roots.contains(&id)
            {
                loader.ws.roots.push(id);
            }
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
        self.mtimes = loader.mtimes;
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
            self.analyses.insert(
                root,
                PackageAnalysis {
                    fingerprint,
                    diagnostics: result.diagnostics,
                    program: Some(result.program),
                    index: Index::default(),
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
            let index = Index::build(&self.ws.db, &[id], None, &mut self.parse_cache);
            self.loose.insert(path, (id, index, parsed.diagnostics));
        }
        for (path, (id, index, diagnostics)) in self.loose.iter_mut() {
            if let Some(doc) = self.open.get(path)
                && self.ws.db.text(*id) != doc.text
            {
                self.ws.db.set_text(*id, doc.text.clone());
                *diagnostics = lintas_syntax::parse(*id, &doc.text).diagnostics;
                *index = Index::build(&self.ws.db, &[*id], None, &mut self.parse_cache);
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
            let program = self.analyses.get(&root).and_then(|a| a.program.as_ref());
            let index = Index::build(&self.ws.db, &files, program, &mut self.parse_cache);
            if let Some(a) = self.analyses.get_mut(&root) {
                a.index = index;
                a.index_pending = false;
            }
        }
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

/// The package directory holding a file, if any.
pub fn package_of(path: &Path) -> Option<PathBuf> {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d.join(MANIFEST).is_file() {
            return Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    None
}

/// Package directories at or below a folder, or the one containing it.
fn find_packages(folder: &Path, found: &mut Vec<PathBuf>) {
    if folder.join(MANIFEST).is_file() {
        found.push(folder.to_path_buf());
    } else if let Some(dir) = package_of(folder) {
        found.push(dir);
        return;
    }
    walk_for_packages(folder, found, 0);
}

fn walk_for_packages(dir: &Path, found: &mut Vec<PathBuf>, depth: usize) {
    if depth > 12 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if !path.is_dir() || name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_str()) {
            continue;
        }
        if path.join(MANIFEST).is_file() {
            found.push(path.clone());
        }
        walk_for_packages(&path, found, depth + 1);
    }
}

/// Relative to the current directory when possible, as the CLI shows
/// paths, so that messages naming files read the same in both.
pub fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| c.canonicalize().ok());
    let shown = cwd
        .as_ref()
        .and_then(|c| path.strip_prefix(c).ok())
        .unwrap_or(path);
    let text = shown.to_string_lossy().replace('\\', "/");
    if text.is_empty() {
        ".".to_string()
    } else {
        text
    }
}

/// The CLI's loader, again: the server cannot depend on the `lintas` crate
/// (which depends on this one), and it must also take open documents'
/// text in place of the disk's.
#[derive(Default)]
struct Loader {
    ws: Workspace,
    paths: Vec<PathBuf>,
    mtimes: HashMap<PathBuf, Option<SystemTime>>,
    by_dir: HashMap<PathBuf, PackageId>,
    loading: Vec<PathBuf>,
}

impl Loader {
    fn add(&mut self, path: &Path, text: String) -> FileId {
        let id = self.ws.db.add(display_path(path), text);
        self.paths.push(path.to_path_buf());
        id
    }

    fn read(&mut self, path: &Path, open: &HashMap<PathBuf, OpenDoc>) -> Result<String, String> {
        if let Some(doc) = open.get(path) {
            return Ok(doc.text.clone());
        }
        self.mtimes.insert(path.to_path_buf(), mtime(path));
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
        String::from_utf8(bytes).map_err(|e| {
            format!(
                "not UTF-8 text (first bad byte at offset {})",
                e.utf8_error().valid_up_to()
            )
        })
    }

    fn load_package(&mut self, dir: &Path, open: &HashMap<PathBuf, OpenDoc>) -> Option<PackageId> {
        let dir = dir.canonicalize().ok()?;
        if let Some(id) = self.by_dir.get(&dir) {
            return Some(*id);
        }
        let manifest_path = dir.join(MANIFEST);
        let manifest_text = self.read(&manifest_path, open).ok()?;
        let manifest_file = self.add(&manifest_path, manifest_text.clone());
        let whole = Span::new(manifest_file, 0, manifest_text.len());
        let parsed = match manifest::parse(&manifest_text, whole) {
            Ok(m) => Some(m),
            Err(mut problems) => {
                self.ws.load_diagnostics.append(&mut problems);
                None
            }
        };
        let mut files = Vec::new();
        collect_files(&dir, &dir, &mut files, 0);
        for path in open.keys() {
            if path.starts_with(&dir)
                && path.extension().is_some_and(|e| e == "lintas")
                && package_of(path).as_deref() == Some(dir.as_path())
                && !files.iter().any(|(_, p)| p == path)
            {
                let relative = path
                    .strip_prefix(&dir)
                    .unwrap_or(path)
                    .to_string_lossy()
                    .replace('\\', "/");
                files.push((relative, path.clone()));
            }
        }
        files.sort();
        let mut sources = Vec::new();
        let mut data = BTreeMap::new();
        let mut unreadable = BTreeMap::new();
        for (relative, path) in files {
            let is_source = relative.ends_with(".lintas");
            let text = match self.read(&path, open) {
                Ok(text) => text,
                Err(message) => {
                    if is_source {
                        let id = self.add(&path, String::new());
                        self.ws.load_diagnostics.push(
                            Diagnostic::error(
                                codes::SYNTAX,
                                Span::new(id, 0, 0),
                                format!("cannot read `{}`: {message}", display_path(&path)),
                            )
                            .help("save the file as UTF-8 text"),
                        );
                    } else {
                        unreadable.insert(relative, message);
                    }
                    continue;
                }
            };
            let id = self.add(&path, text);
            if is_source {
                sources.push(id);
            } else {
                data.insert(relative, id);
            }
        }
        let id = PackageId(self.ws.packages.len());
        self.ws.packages.push(PackageInput {
            root: display_path(&dir),
            manifest_file,
            manifest: parsed.clone(),
            sources,
            data,
            unreadable,
            base: None,
            dependencies: BTreeMap::new(),
        });
        self.by_dir.insert(dir.clone(), id);
        self.loading.push(dir.clone());
        if let Some(m) = &parsed {
            if let Some(link) = &m.extends {
                let base = self.link(&dir, link, "extends", open);
                if let Some(p) = self.ws.packages.get_mut(id.0) {
                    p.base = base;
                }
            }
            for (name, link) in &m.dependencies {
                if let Some(dep) = self.link(&dir, link, "dependency", open)
                    && let Some(p) = self.ws.packages.get_mut(id.0)
                {
                    p.dependencies.insert(name.clone(), dep);
                }
            }
        }
        self.loading.pop();
        Some(id)
    }

    fn link(
        &mut self,
        from: &Path,
        link: &manifest::PackageLink,
        what: &str,
        open: &HashMap<PathBuf, OpenDoc>,
    ) -> Option<PackageId> {
        let target = from.join(&link.path);
        let canonical = target.canonicalize().ok();
        if canonical.as_ref().is_some_and(|c| self.loading.contains(c)) {
            self.ws.load_diagnostics.push(
                Diagnostic::error(
                    codes::BAD_PACKAGE_LINK,
                    link.span,
                    format!("`{}` links back to a package that links here", link.path),
                )
                .help("packages may not extend or import each other in a cycle"),
            );
            return None;
        }
        if !target.join(MANIFEST).is_file() {
            self.ws.load_diagnostics.push(
                Diagnostic::error(
                    codes::BAD_PACKAGE_LINK,
                    link.span,
                    format!("no package at `{}`", link.path),
                )
                .label(format!("{what} path, relative to this package"))
                .help(format!("the directory must contain a `{MANIFEST}`")),
            );
            return None;
        }
        let id = self.load_package(&target, open)?;
        let version = self
            .ws
            .package(id)
            .and_then(|p| p.manifest.as_ref())
            .map(|m| m.version.clone());
        if let (Some(req), Some(version)) = (&link.version, version)
            && !req.matches(&version)
        {
            self.ws.load_diagnostics.push(
                Diagnostic::error(
                    codes::BAD_PACKAGE_LINK,
                    link.span,
                    format!(
                        "`{}` is version {version}, which does not match `{req}`",
                        link.path
                    ),
                )
                .help("update the version requirement, or the package it points to"),
            );
        }
        Some(id)
    }
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>, depth: usize) {
    if depth > 12 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            if SKIPPED_DIRS.contains(&name.as_str()) || path.join(MANIFEST).is_file() {
                continue;
            }
            collect_files(root, &path, out, depth + 1);
        } else if [".lintas", ".csv", ".json"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((relative, path));
        }
    }
}
