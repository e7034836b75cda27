//! What the checker is given: the text of every file, already read. The CLI
//! and the language server fill it; the checker itself does no I/O.

use crate::manifest::Manifest;
use lintas_syntax::FileId;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct SourceDb {
    files: Vec<SourceFileEntry>,
}

#[derive(Debug, Clone)]
pub struct SourceFileEntry {
    /// The path shown to users.
    pub path: String,
    pub text: String,
}

impl SourceDb {
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFileEntry {
            path: path.into(),
            text: text.into(),
        });
        id
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFileEntry> {
        self.files.get(id.0 as usize)
    }

    pub fn text(&self, id: FileId) -> &str {
        self.get(id).map_or("", |f| f.text.as_str())
    }

    pub fn path(&self, id: FileId) -> &str {
        self.get(id).map_or("", |f| f.path.as_str())
    }

    pub fn set_text(&mut self, id: FileId, text: String) {
        if let Some(entry) = self.files.get_mut(id.0 as usize) {
            entry.text = text;
        }
    }

    pub fn ids(&self) -> impl Iterator<Item = FileId> + '_ {
        (0..self.files.len()).map(|i| FileId(u32::try_from(i).unwrap_or(u32::MAX)))
    }
}

/// Index into [`Workspace::packages`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageId(pub usize);

#[derive(Debug, Clone)]
pub struct PackageInput {
    /// The package directory as shown to users.
    pub root: String,
    pub manifest_file: FileId,
    /// `None` when `lintas.toml` could not be read; its diagnostics are in
    /// [`Workspace::load_diagnostics`].
    pub manifest: Option<Manifest>,
    /// `.lintas` files, sorted by path.
    pub sources: Vec<FileId>,
    /// Data files by their path relative to the package root, `/`-separated.
    pub data: BTreeMap<String, FileId>,
    /// Data files that exist but could not be read, with the reason; a rule
    /// that loads one gets the diagnostic.
    pub unreadable: BTreeMap<String, String>,
    /// The package named by `extends`, once the loader found it.
    pub base: Option<PackageId>,
    /// Imported packages by the name they are imported as.
    pub dependencies: BTreeMap<String, PackageId>,
}

#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub db: SourceDb,
    pub packages: Vec<PackageInput>,
    /// Problems found while loading (unreadable manifests, missing bases).
    pub load_diagnostics: Vec<lintas_syntax::Diagnostic>,
    /// The packages the user asked for, as opposed to those pulled in as
    /// bases or dependencies.
    pub roots: Vec<PackageId>,
}

impl Workspace {
    pub fn package(&self, id: PackageId) -> Option<&PackageInput> {
        self.packages.get(id.0)
    }
}
