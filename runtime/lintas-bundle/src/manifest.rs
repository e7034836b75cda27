//! `manifest.json`: what a bundle holds, in terms an operator and an auditor
//! read (package and version, who compiled it and when, until when it may
//! run, every rule with its source and mode, every decision with the
//! fields it reads) and the SHA-256 of every other file. The signature
//! covers exactly these bytes, so it covers everything.
//!
//! Serialised from structs and `BTreeMap`s only, so the same program gives
//! the same bytes in every process.

use crate::Timestamp;
use crate::archive::{Files, MANIFEST, SIGNATURE};
use lintas_check::calendar;
use lintas_check::hir::{DecisionDef, Program};
use lintas_check::hir_text;
use lintas_check::types::{RecordId, Ty};
use lintas_syntax::ast::Mode;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The version of the bundle layout this crate writes and reads. Raised
/// when a reader of the previous layout would misread a new bundle.
pub const FORMAT: u32 = 1;

/// What the manifest says about the IR: the IR types are not serialisable,
/// so the loader lowers `program.json` again with its own (compatible)
/// compiler; `ir.txt` is the builder's IR for review and diffing.
pub const IR_NOTE: &str = "recomputed from program.json at load; ir.txt is the builder's text form";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`] when written by this crate.
    pub format: u32,
    pub package: PackageMeta,
    pub compiler: CompilerMeta,
    /// When it was built (an input to the build, never the clock), RFC 3339.
    pub built: String,
    /// From this instant on, loaders refuse the bundle; RFC 3339.
    pub expires: String,
    pub ir: String,
    /// The evaluation context every decision reads (date, member, ...).
    pub context: SchemaMeta,
    pub decisions: Vec<DecisionMeta>,
    pub rules: Vec<RuleMeta>,
    pub reference_data: Vec<DataMeta>,
    /// Every file of the bundle but the manifest and its signature.
    pub files: BTreeMap<String, FileMeta>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageMeta {
    pub name: String,
    /// Semantic version, from `lintas.toml`.
    pub version: String,
    /// The packages it extends, nearest first.
    pub extends: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompilerMeta {
    pub name: String,
    pub version: String,
}

/// A record type and every record and enum reachable from its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaMeta {
    pub record: String,
    pub records: BTreeMap<String, Vec<FieldMeta>>,
    pub enums: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMeta {
    pub name: String,
    /// As written in Lintas: `optional Date`, `list of Country`.
    #[serde(rename = "type")]
    pub ty: String,
    pub sensitive: bool,
    pub loggable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionMeta {
    pub name: String,
    pub subject: String,
    pub over_manifest: bool,
    /// Most severe first.
    pub outcomes: Vec<String>,
    pub default: String,
    pub on_error: String,
    pub schema: SchemaMeta,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleMeta {
    pub id: String,
    pub decision: String,
    pub description: String,
    /// The recommendation or guideline it implements.
    pub source: Option<String>,
    /// `enforce` or `shadow`.
    pub mode: String,
    pub outcome: String,
    pub reason: String,
    /// The package that declared it (a base package, for an overlay).
    pub package: String,
    pub effective_from: Option<String>,
    pub effective_to: Option<String>,
    /// Empty: every member.
    pub applies_to: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataMeta {
    pub name: String,
    /// `set` or `table`.
    pub kind: String,
    /// `inline`, or the data file's path in the package that declared it.
    pub origin: String,
    pub entries: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMeta {
    /// Lower-case hexadecimal.
    pub sha256: String,
    pub size: u64,
}

/// The SHA-256 of `bytes`, in lower-case hexadecimal.
pub fn sha256(bytes: &[u8]) -> String {
    crate::keys::hex(&Sha256::digest(bytes))
}

impl FileMeta {
    pub fn of(bytes: &[u8]) -> FileMeta {
        FileMeta {
            sha256: sha256(bytes),
            size: bytes.len() as u64,
        }
    }
}

impl Manifest {
    /// The manifest of a bundle holding `program` and `files` (every file
    /// but the manifest and signature).
    pub fn describe(
        program: &Program,
        files: &Files,
        compiler_version: &str,
        built: Timestamp,
        expires: Timestamp,
    ) -> Manifest {
        let outcome = |d: &DecisionDef, i: usize| d.outcomes.get(i).cloned().unwrap_or_default();
        let decisions = program
            .decisions
            .iter()
            .map(|d| DecisionMeta {
                name: d.name.clone(),
                subject: d.subject.clone(),
                over_manifest: d.over_manifest,
                outcomes: d.outcomes.clone(),
                default: outcome(d, d.default),
                on_error: outcome(d, d.on_error),
                schema: schema(program, d.schema),
            })
            .collect();
        let rules = program
            .decisions
            .iter()
            .flat_map(|d| {
                d.rules.iter().map(move |r| RuleMeta {
                    id: r.id.clone(),
                    decision: d.name.clone(),
                    description: r.description.clone(),
                    source: r.source.clone(),
                    mode: match r.mode {
                        Mode::Enforce => "enforce".into(),
                        Mode::Shadow => "shadow".into(),
                    },
                    outcome: outcome(d, r.outcome),
                    reason: r.reason.clone(),
                    package: r.package.clone(),
                    effective_from: r.effective_from.map(calendar::format_date),
                    effective_to: r.effective_to.map(calendar::format_date),
                    applies_to: r
                        .applies_to
                        .iter()
                        .map(|e| hir_text::expr_text(program, Some(d), e))
                        .collect(),
                })
            })
            .collect();
        let sets = program.sets.iter().map(|s| DataMeta {
            name: s.name.clone(),
            kind: "set".into(),
            origin: s.origin.clone(),
            entries: s.values.len(),
        });
        let tables = program.tables.iter().map(|t| DataMeta {
            name: t.name.clone(),
            kind: "table".into(),
            origin: t.origin.clone(),
            entries: t.rows.len(),
        });
        Manifest {
            format: FORMAT,
            package: PackageMeta {
                name: program.package.name.clone(),
                version: program.package.version.clone(),
                extends: program.package.extends.clone(),
            },
            compiler: CompilerMeta {
                name: "lintas".into(),
                version: compiler_version.to_string(),
            },
            built: built.to_string(),
            expires: expires.to_string(),
            ir: IR_NOTE.into(),
            context: schema(program, program.context),
            decisions,
            rules,
            reference_data: sets.chain(tables).collect(),
            files: files
                .iter()
                .filter(|(path, _)| *path != MANIFEST && *path != SIGNATURE)
                .map(|(path, bytes)| (path.clone(), FileMeta::of(bytes)))
                .collect(),
        }
    }

    /// The bytes that go into the bundle (and that the signature covers).
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising structs, strings and BTreeMaps cannot fail.
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// A record type as the manifest shows it, with every record and enum its
/// fields reach.
fn schema(program: &Program, root: RecordId) -> SchemaMeta {
    let mut records = BTreeMap::new();
    let mut enums = BTreeMap::new();
    let mut pending = vec![root];
    while let Some(id) = pending.pop() {
        let Some(record) = program.records.get(id.0 as usize) else {
            continue;
        };
        if records.contains_key(&record.name) {
            continue;
        }
        let mut fields = Vec::new();
        for field in &record.fields {
            reach(&field.ty, &mut pending, &mut |e| {
                if let Some(def) = program.enums.get(e as usize) {
                    enums.insert(def.name.clone(), def.values.clone());
                }
            });
            fields.push(FieldMeta {
                name: field.name.clone(),
                ty: type_text(program, &field.ty),
                sensitive: field.sensitive,
                loggable: field.loggable,
            });
        }
        records.insert(record.name.clone(), fields);
    }
    let record = program
        .records
        .get(root.0 as usize)
        .map(|r| r.name.clone())
        .unwrap_or_default();
    SchemaMeta {
        record,
        records,
        enums,
    }
}

fn reach(ty: &Ty, records: &mut Vec<RecordId>, enums: &mut dyn FnMut(u32)) {
    match ty {
        Ty::Record(id) => records.push(*id),
        Ty::Enum(id) => enums(id.0),
        Ty::Optional(inner) | Ty::List(inner) | Ty::Set(inner) => reach(inner, records, enums),
        _ => {}
    }
}

/// A type as written in Lintas.
pub fn type_text(program: &Program, ty: &Ty) -> String {
    match ty {
        Ty::Bool => "Bool".into(),
        Ty::Int => "Int".into(),
        Ty::Decimal => "Decimal".into(),
        Ty::Text => "Text".into(),
        Ty::Date => "Date".into(),
        Ty::Duration => "Duration".into(),
        Ty::Country => "Country".into(),
        Ty::Enum(id) => program
            .enums
            .get(id.0 as usize)
            .map_or_else(|| "enum".into(), |e| e.name.clone()),
        Ty::Record(id) => program
            .records
            .get(id.0 as usize)
            .map_or_else(|| "record".into(), |r| r.name.clone()),
        Ty::Optional(inner) => format!("optional {}", type_text(program, inner)),
        Ty::List(inner) => format!("list of {}", type_text(program, inner)),
        Ty::Set(inner) => format!("set of {}", type_text(program, inner)),
        Ty::Table(id) => program
            .tables
            .get(id.0 as usize)
            .map_or_else(|| "table".into(), |t| format!("table {}", t.name)),
        Ty::Error => "error".into(),
    }
}
