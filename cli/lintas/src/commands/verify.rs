//! `lintas verify`: what a checkpoint does when a bundle arrives, without
//! serving it: archive, signature by a trusted key, compatibility, every
//! file's hash, expiry, rollback, and compiling for the engine. Exit code
//! 0 when it would be accepted, 1 with the refusal when not.
//!
//! A data bundle is checked the same way up to its `valid_until`; given
//! the rule bundle it is for (`--rules`), it is also applied to it: the
//! package and version, every table read and typed, the rules compiled.

use super::shipping;
use crate::{ExitCode, Io};
use clap::ValueEnum;
use lintas_bundle::{BundleError, BundleKind, Engine, Limits, Loader, Timestamp};
use miette::Diagnostic;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    Native,
    Interpreter,
    Wasm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle.
    pub bundle: PathBuf,
    /// The directory of trusted public keys (`ID.pub` files).
    #[arg(long)]
    pub trust: PathBuf,
    /// Judge expiry at this time (RFC 3339 or a date) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// The version now running: an older bundle is refused as a rollback.
    #[arg(long, value_name = "VERSION")]
    pub running: Option<String>,
    /// Accept a bundle older than `--running`.
    #[arg(long)]
    pub allow_downgrade: bool,
    /// The engine to compile for.
    #[arg(long, value_enum, default_value_t = EngineArg::Native)]
    pub engine: EngineArg,
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// For a data bundle: the rule bundle it is for; the data is applied
    /// to it as a checkpoint running those rules would.
    #[arg(long, value_name = "BUNDLE")]
    pub rules: Option<PathBuf>,
}

#[derive(Serialize)]
struct Report {
    accepted: bool,
    /// `rule` or `data`.
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    /// A data bundle's name, and the sets and tables it replaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replaces: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    engine: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refusal: Option<Refusal>,
}

#[derive(Serialize)]
struct Refusal {
    kind: &'static str,
    message: String,
    help: Option<String>,
}

pub fn run(args: Args, io: &mut Io<'_>) -> ExitCode {
    let engine = match args.engine {
        EngineArg::Native => Engine::Native,
        EngineArg::Interpreter => Engine::Interpreter,
        EngineArg::Wasm => Engine::Wasm,
    };
    let mut loader = Loader::new(&args.trust)
        .allow_downgrade(args.allow_downgrade)
        .engine(engine);
    if let Some(now) = &args.now {
        match Timestamp::parse(now) {
            Ok(now) => loader = loader.now(now),
            Err(e) => return crate::io_error(io, &format!("`--now`: {e}")),
        }
    }
    let running = match args.running.as_deref().map(semver::Version::parse) {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => return crate::io_error(io, &format!("`--running`: {e}")),
    };
    if is_data(&args.bundle) {
        return verify_data(&args, &loader, running.as_ref(), io);
    }
    match loader.load(&args.bundle, running.as_ref()) {
        Ok(loaded) => {
            let m = &loaded.manifest;
            match args.format {
                ReportFormat::Human => {
                    let _ = writeln!(
                        io.out,
                        "accepted: {} {} built by lintas {} at {}, expires {}\nsigned by key `{}`; every file matches the manifest; compiled for the {} engine",
                        m.package.name,
                        m.package.version,
                        m.compiler.version,
                        m.built,
                        m.expires,
                        loaded.signed_by,
                        loaded.engine().name()
                    );
                }
                ReportFormat::Json => crate::print_json(
                    io,
                    &Report {
                        accepted: true,
                        kind: Some("rule"),
                        name: None,
                        replaces: None,
                        valid_until: None,
                        package: Some(m.package.name.clone()),
                        version: Some(m.package.version.clone()),
                        signed_by: Some(loaded.signed_by.clone()),
                        expires: Some(m.expires.clone()),
                        engine: Some(loaded.engine().name()),
                        refusal: None,
                    },
                ),
            }
            ExitCode::Success
        }
        Err(e) => match args.format {
            ReportFormat::Human => shipping::refusal(io, &e),
            ReportFormat::Json => {
                crate::print_json(io, &refused(&e));
                ExitCode::Findings
            }
        },
    }
}

fn refused(e: &BundleError) -> Report {
    Report {
        accepted: false,
        kind: None,
        name: None,
        replaces: None,
        valid_until: None,
        package: None,
        version: None,
        signed_by: None,
        expires: None,
        engine: None,
        refusal: Some(Refusal {
            kind: e.kind(),
            message: e.to_string(),
            help: e.help().map(|h| h.to_string()),
        }),
    }
}

/// Whether the file holds a data bundle (by its manifest, unverified: the
/// verification that follows is the one for that kind).
fn is_data(path: &std::path::Path) -> bool {
    let shown = path.display().to_string();
    std::fs::read(path)
        .ok()
        .and_then(|bytes| lintas_bundle::archive::read(&bytes, &shown, &Limits::default()).ok())
        .and_then(|files| lintas_bundle::kind_of_files(&files, &shown).ok())
        == Some(BundleKind::Data)
}

fn verify_data(
    args: &Args,
    loader: &Loader,
    running: Option<&semver::Version>,
    io: &mut Io<'_>,
) -> ExitCode {
    let checked = loader.verify_data(&args.bundle).and_then(|data| {
        let applied = match &args.rules {
            Some(rules) => {
                let rules = loader.load(rules, running)?;
                let with = rules.with_data(&data, loader)?;
                Some(with.version.to_string())
            }
            None => None,
        };
        Ok((data, applied))
    });
    let (data, applied) = match checked {
        Ok(checked) => checked,
        Err(e) => {
            return match args.format {
                ReportFormat::Human => shipping::refusal(io, &e),
                ReportFormat::Json => {
                    crate::print_json(io, &refused(&e));
                    ExitCode::Findings
                }
            };
        }
    };
    let m = &data.manifest;
    let replaces: Vec<String> = m
        .replaces
        .iter()
        .map(|r| format!("{} {} ({} entries)", r.kind, r.name, r.entries))
        .collect();
    match args.format {
        ReportFormat::Human => {
            let applies = match &applied {
                Some(version) => format!(
                    "; applied to {} {version}: every table reads and the rules compile",
                    m.target.package
                ),
                None => "; give `--rules BUNDLE` to apply it to the rules it is for".into(),
            };
            let _ = writeln!(
                io.out,
                "accepted: data bundle `{}` for {} {} issued at {}, valid until {}\nsigned by key `{}`; every file matches the manifest; replaces {}{applies}",
                m.name,
                m.target.package,
                m.target.versions,
                m.issued,
                m.valid_until,
                data.signed_by,
                replaces.join(", "),
            );
        }
        ReportFormat::Json => crate::print_json(
            io,
            &Report {
                accepted: true,
                kind: Some("data"),
                name: Some(m.name.clone()),
                replaces: Some(m.replaces.iter().map(|r| r.name.clone()).collect()),
                valid_until: Some(m.valid_until.clone()),
                package: Some(m.target.package.clone()),
                version: applied,
                signed_by: Some(data.signed_by.clone()),
                expires: None,
                engine: None,
                refusal: None,
            },
        ),
    }
    ExitCode::Success
}
