//! Finds packages on disk and reads every file the checker needs. The
//! compiler crates do no I/O; the CLI and the language server both read
//! packages through this crate, the server supplying the editor's unsaved
//! text in place of the disk's through [`Source`].

use lintas_check::manifest;
use lintas_check::workspace::{PackageId, PackageInput, Workspace};
use lintas_syntax::{Diagnostic, FileId, Span, codes};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "lintas.toml";

/// Directories never searched for packages or sources.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules", ".git"];

/// How deep package and source directories are searched.
const MAX_DEPTH: usize = 12;

#[derive(Debug)]
pub struct LoadError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// Where file text comes from.
pub trait Source {
    /// The text of `path`, or why it cannot be read.
    fn read(&mut self, path: &Path) -> Result<String, String>;

    /// Files of the package in `dir` that exist only in memory (an editor's
    /// new, unsaved document), beside those on disk.
    fn extra_files(&self, _dir: &Path) -> Vec<PathBuf> {
        Vec::new()
    }
}

/// Files as they are on disk.
pub struct Disk;

impl Source for Disk {
    fn read(&mut self, path: &Path) -> Result<String, String> {
        read_text(path)
    }
}

/// A file's bytes as UTF-8 text, or why not.
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

pub struct Loader<S: Source> {
    pub ws: Workspace,
    /// The path of each file, by `FileId`.
    pub paths: Vec<PathBuf>,
    pub source: S,
    by_dir: HashMap<PathBuf, PackageId>,
    loading: Vec<PathBuf>,
}

/// Loads the packages at or below each path from disk; a `.lintas` file
/// stands for the package that contains it.
pub fn load_paths(paths: &[PathBuf]) -> Result<Workspace, LoadError> {
    let mut loader = Loader::new(Disk);
    for path in paths {
        for dir in find_packages(path)? {
            loader.load_root(&dir)?;
        }
    }
    Ok(loader.ws)
}

impl<S: Source> Loader<S> {
    pub fn new(source: S) -> Loader<S> {
        Loader {
            ws: Workspace::default(),
            paths: Vec::new(),
            source,
            by_dir: HashMap::new(),
            loading: Vec::new(),
        }
    }

    /// Loads a package the user asked for (as opposed to one pulled in as a
    /// base or dependency).
    pub fn load_root(&mut self, dir: &Path) -> Result<PackageId, LoadError> {
        let id = self.load_package(dir)?;
        if !self.ws.roots.contains(&id) {
            self.ws.roots.push(id);
        }
        Ok(id)
    }

    fn add(&mut self, path: &Path, text: String) -> FileId {
        self.paths.push(path.to_path_buf());
        self.ws.db.add(display_path(path), text)
    }

    fn load_package(&mut self, dir: &Path) -> Result<PackageId, LoadError> {
        let dir = dir.canonicalize().map_err(|e| LoadError {
            path: dir.to_path_buf(),
            message: format!("cannot open package directory: {e}"),
        })?;
        if let Some(id) = self.by_dir.get(&dir) {
            return Ok(*id);
        }
        let manifest_path = dir.join(MANIFEST);
        let manifest_text = self
            .source
            .read(&manifest_path)
            .map_err(|message| LoadError {
                path: manifest_path.clone(),
                message,
            })?;
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
        collect_files(&dir, &dir, &mut files, 0)?;
        for path in self.source.extra_files(&dir) {
            if !files.iter().any(|(_, p)| *p == path) {
                let relative = relative_to(&dir, &path);
                files.push((relative, path));
            }
        }
        files.sort();
        let mut sources = Vec::new();
        let mut data = BTreeMap::new();
        let mut unreadable = BTreeMap::new();
        for (relative, path) in files {
            let is_source = relative.ends_with(".lintas");
            match self.source.read(&path) {
                Ok(text) => {
                    let id = self.add(&path, text);
                    if is_source {
                        sources.push(id);
                    } else {
                        data.insert(relative, id);
                    }
                }
                // Say why, and check the rest of the package all the same;
                // a data file that cannot be read is reported where it is used.
                Err(message) if is_source => {
                    let id = self.add(&path, String::new());
                    self.ws.load_diagnostics.push(
                        Diagnostic::error(
                            codes::SYNTAX,
                            Span::new(id, 0, 0),
                            format!("cannot read `{}`: {message}", display_path(&path)),
                        )
                        .help("save the file as UTF-8 text"),
                    );
                }
                Err(message) => {
                    unreadable.insert(relative, message);
                }
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
                let base = self.link(&dir, link, "extends");
                if let Some(p) = self.ws.packages.get_mut(id.0) {
                    p.base = base;
                }
            }
            for (name, link) in &m.dependencies {
                if let Some(dep) = self.link(&dir, link, "dependency")
                    && let Some(p) = self.ws.packages.get_mut(id.0)
                {
                    p.dependencies.insert(name.clone(), dep);
                }
            }
        }
        self.loading.pop();
        Ok(id)
    }

    /// Follows a link from `lintas.toml` to another package; problems are
    /// diagnostics on the link, so the rest of the workspace still loads.
    fn link(&mut self, from: &Path, link: &manifest::PackageLink, what: &str) -> Option<PackageId> {
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
        match self.load_package(&target) {
            Ok(id) => {
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
            Err(e) => {
                self.ws.load_diagnostics.push(
                    Diagnostic::error(
                        codes::BAD_PACKAGE_LINK,
                        link.span,
                        format!("cannot load `{}`: {}", link.path, e.message),
                    )
                    .help("check the path and the files' permissions"),
                );
                None
            }
        }
    }
}

fn relative_to(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Relative to the current directory when possible, so that output is the
/// same wherever the checkout lives.
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

/// Every file of a package that matters to the compiler, by its path
/// relative to the package root; nested packages are left out.
fn collect_files(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, PathBuf)>,
    depth: usize,
) -> Result<(), LoadError> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| LoadError {
        path: dir.to_path_buf(),
        message: format!("cannot list directory: {e}"),
    })?;
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
            collect_files(root, &path, out, depth + 1)?;
        } else if [".lintas", ".csv", ".json"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            out.push((relative_to(root, &path), path));
        }
    }
    Ok(())
}

/// The package directory holding a file or directory, if any.
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

/// The package directories named by a path: the package containing a file,
/// the package at a directory, or every package below a directory (or,
/// when there is none below, the package the directory is inside).
pub fn find_packages(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let missing = |message: String| LoadError {
        path: path.to_path_buf(),
        message,
    };
    if !path.exists() {
        return Err(missing("no such file or directory".to_string()));
    }
    if path.is_file() {
        return package_of(path).map(|d| vec![d]).ok_or_else(|| {
            missing(format!(
                "not inside a package (no `{MANIFEST}` in any parent directory)"
            ))
        });
    }
    if path.join(MANIFEST).is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    walk_for_packages(path, &mut found, 0);
    found.sort();
    if found.is_empty() {
        return package_of(path).map(|d| vec![d]).ok_or_else(|| {
            missing(format!(
                "no package here (no `{MANIFEST}` at or below this directory)"
            ))
        });
    }
    Ok(found)
}

fn walk_for_packages(dir: &Path, found: &mut Vec<PathBuf>, depth: usize) {
    if depth > MAX_DEPTH {
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

/// Every `.lintas` file at or below a path, sorted.
pub fn lintas_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    if !path.exists() {
        return Err(LoadError {
            path: path.to_path_buf(),
            message: "no such file or directory".to_string(),
        });
    }
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| LoadError {
            path: dir.clone(),
            message: format!("cannot list directory: {e}"),
        })?;
        for entry in entries.flatten() {
            let p = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            if p.is_dir() {
                if !SKIPPED_DIRS.contains(&name.as_str()) {
                    stack.push(p);
                }
            } else if name.ends_with(".lintas") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}
