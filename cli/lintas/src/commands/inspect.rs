//! `lintas inspect`: what a bundle says it is (package, version, rules,
//! decisions, data, hashes, signing key, expiry; for a data bundle, what
//! it is for, what it replaces and until when it is valid), read without
//! trusting it. The hashes are checked against the manifest; the signature is not
//! (that needs the trust directory: `lintas verify`).

use super::shipping;
use super::verify::ReportFormat;
use crate::{ExitCode, Io};
use lintas_bundle::manifest::SchemaMeta;
use lintas_bundle::{BundleError, BundleKind, DataManifest, Limits, Manifest};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle.
    pub bundle: PathBuf,
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}

#[derive(Serialize)]
struct Report<'a> {
    manifest: &'a Manifest,
    /// The id of the key that signed it (not verified), if signed.
    signed_by: Option<&'a str>,
    /// Why the files do not match the manifest, if they do not.
    files_problem: Option<String>,
}

pub fn run(args: Args, io: &mut Io<'_>) -> ExitCode {
    let shown = args.bundle.display().to_string();
    let bytes = match std::fs::read(&args.bundle) {
        Ok(bytes) => bytes,
        Err(e) => return crate::io_error(io, &format!("{shown}: cannot read: {e}")),
    };
    if let Ok(files) = lintas_bundle::archive::read(&bytes, &shown, &Limits::default())
        && lintas_bundle::kind_of_files(&files, &shown).ok() == Some(BundleKind::Data)
    {
        return inspect_data(&bytes, &shown, args.format, io);
    }
    let opened = match lintas_bundle::open_unverified(&bytes, &shown, &Limits::default()) {
        Ok(opened) => opened,
        Err(e) => return shipping::refusal(io, &e),
    };
    let files = lintas_bundle::check_files(&opened.manifest, &opened.files, &shown);
    let signed_by = opened.signature.as_ref().map(|s| s.key_id.as_str());
    match args.format {
        ReportFormat::Json => crate::print_json(
            io,
            &Report {
                manifest: &opened.manifest,
                signed_by,
                files_problem: files.as_ref().err().map(ToString::to_string),
            },
        ),
        ReportFormat::Human => human(io, &shown, &opened.manifest, signed_by, &files),
    }
    match files {
        Ok(()) => ExitCode::Success,
        Err(e) => {
            if args.format == ReportFormat::Human {
                return shipping::refusal(io, &e);
            }
            ExitCode::Findings
        }
    }
}

fn human(
    io: &mut Io<'_>,
    shown: &str,
    m: &Manifest,
    signed_by: Option<&str>,
    files: &Result<(), BundleError>,
) {
    let mut text = String::new();
    let mut line = |s: String| {
        text.push_str(&s);
        text.push('\n');
    };
    line(format!("bundle     {shown}"));
    line(format!(
        "package    {} {}",
        m.package.name, m.package.version
    ));
    if !m.package.extends.is_empty() {
        line(format!("extends    {}", m.package.extends.join(", ")));
    }
    line(format!(
        "compiler   {} {} (bundle format {})",
        m.compiler.name, m.compiler.version, m.format
    ));
    line(format!("built      {}", m.built));
    line(format!("expires    {}", m.expires));
    line(match signed_by {
        Some(id) => {
            format!("signature  key `{id}` (not checked here: `lintas verify {shown} --trust DIR`)")
        }
        None => "signature  none: unsigned, every checkpoint refuses it".into(),
    });
    line(format!("ir         {}", m.ir));
    line(String::new());
    line(format!("decisions ({})", m.decisions.len()));
    for d in &m.decisions {
        line(format!(
            "  {} over {} `{}`{}: {} (default {}, on error {})",
            d.name,
            d.schema.record,
            d.subject,
            if d.over_manifest {
                ", per manifest"
            } else {
                ""
            },
            d.outcomes.join(" > "),
            d.default,
            d.on_error
        ));
        schema(&mut line, &d.schema, "    ");
    }
    line(format!("context {}", m.context.record));
    schema(&mut line, &m.context, "  ");
    line(String::new());
    line(format!("rules ({})", m.rules.len()));
    for r in &m.rules {
        line(format!(
            "  {} [{}] {} {} {} in {}",
            r.id, r.decision, r.mode, r.outcome, r.reason, r.package
        ));
        line(format!("      {}", r.description));
        if let Some(source) = &r.source {
            line(format!("      source: {source}"));
        }
        if r.effective_from.is_some() || r.effective_to.is_some() {
            line(format!(
                "      effective: {} to {}",
                r.effective_from.as_deref().unwrap_or("always"),
                r.effective_to.as_deref().unwrap_or("open-ended")
            ));
        }
        if !r.applies_to.is_empty() {
            line(format!("      applies to: {}", r.applies_to.join(", ")));
        }
    }
    line(String::new());
    line(format!("reference data ({})", m.reference_data.len()));
    for d in &m.reference_data {
        line(format!(
            "  {} {} from {}: {} entries",
            d.kind, d.name, d.origin, d.entries
        ));
    }
    line(String::new());
    line(format!("files ({}, sha256)", m.files.len()));
    for (path, f) in &m.files {
        line(format!("  {}  {:>9}  {path}", f.sha256, f.size));
    }
    if files.is_ok() {
        line("every file matches the manifest".into());
    }
    let _ = io.out.write_all(text.as_bytes());
}

fn schema(line: &mut impl FnMut(String), s: &SchemaMeta, indent: &str) {
    for (name, fields) in &s.records {
        let fields: Vec<String> = fields
            .iter()
            .map(|f| {
                let mut text = format!("{} {}", f.name, f.ty);
                if f.sensitive {
                    text.push_str(" (sensitive)");
                }
                text
            })
            .collect();
        line(format!("{indent}{name}: {}", fields.join(", ")));
    }
    for (name, values) in &s.enums {
        let values = if values.is_empty() {
            "(no values declared)".to_string()
        } else {
            values.join(", ")
        };
        line(format!("{indent}enum {name}: {values}"));
    }
}

#[derive(Serialize)]
struct DataReport<'a> {
    manifest: &'a DataManifest,
    signed_by: Option<String>,
    files_problem: Option<String>,
}

fn inspect_data(bytes: &[u8], shown: &str, format: ReportFormat, io: &mut Io<'_>) -> ExitCode {
    let (manifest, files) =
        match lintas_bundle::data::open_data_unverified(bytes, shown, &Limits::default()) {
            Ok(opened) => opened,
            Err(e) => return shipping::refusal(io, &e),
        };
    let checked = lintas_bundle::data::check_data_files(&manifest, &files, shown);
    let signed_by = files
        .get(lintas_bundle::archive::SIGNATURE)
        .and_then(|s| serde_json::from_slice::<lintas_bundle::keys::SignatureFile>(s).ok())
        .map(|s| s.key_id);
    match format {
        ReportFormat::Json => crate::print_json(
            io,
            &DataReport {
                manifest: &manifest,
                signed_by: signed_by.clone(),
                files_problem: checked.as_ref().err().map(ToString::to_string),
            },
        ),
        ReportFormat::Human => {
            let m = &manifest;
            let mut text = format!(
                "data bundle {shown}\nname       {}\nfor        {} {}\ncompiler   {} {} (bundle format {})\nissued     {}\nvalid until {}\n",
                m.name,
                m.target.package,
                m.target.versions,
                m.compiler.name,
                m.compiler.version,
                m.format,
                m.issued,
                m.valid_until
            );
            text.push_str(&match &signed_by {
                Some(id) => format!(
                    "signature  key `{id}` (not checked here: `lintas verify {shown} --trust DIR`)\n"
                ),
                None => "signature  none: unsigned, every checkpoint refuses it\n".into(),
            });
            text.push_str(&format!("\nreplaces ({})\n", m.replaces.len()));
            for r in &m.replaces {
                let column = r
                    .column
                    .as_ref()
                    .map(|c| format!(", column `{c}`"))
                    .unwrap_or_default();
                text.push_str(&format!(
                    "  {} {} from {}{column}: {} entries\n",
                    r.kind, r.name, r.file, r.entries
                ));
            }
            text.push_str(&format!("\nfiles ({}, sha256)\n", m.files.len()));
            for (path, f) in &m.files {
                text.push_str(&format!("  {}  {:>9}  {path}\n", f.sha256, f.size));
            }
            if checked.is_ok() {
                text.push_str("every file matches the manifest\n");
            }
            let _ = io.out.write_all(text.as_bytes());
        }
    }
    match checked {
        Ok(()) => ExitCode::Success,
        Err(e) => {
            if format == ReportFormat::Human {
                return shipping::refusal(io, &e);
            }
            ExitCode::Findings
        }
    }
}
