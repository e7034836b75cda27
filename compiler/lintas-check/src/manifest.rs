//! `lintas.toml`: what a package is called, which version it is, and which
//! packages it extends or imports.

use lintas_syntax::codes;
use lintas_syntax::{Diagnostic, Span};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The language editions this compiler understands.
pub const EDITIONS: &[&str] = &["2026"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub name: String,
    pub version: semver::Version,
    pub edition: String,
    pub description: Option<String>,
    pub extends: Option<PackageLink>,
    /// Packages this one may `import`, by the name it imports them as.
    pub dependencies: BTreeMap<String, PackageLink>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageLink {
    pub path: String,
    pub version: Option<semver::VersionReq>,
    /// Where the link is written, for diagnostics.
    pub span: Span,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    package: RawPackage,
    #[serde(default)]
    dependencies: BTreeMap<String, RawLink>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackage {
    name: String,
    version: String,
    edition: String,
    description: Option<String>,
    extends: Option<RawLink>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    path: String,
    version: Option<String>,
}

/// Reads a manifest. `span_of` turns a byte range of `text` into a span.
pub fn parse(text: &str, whole_file: Span) -> Result<Manifest, Vec<Diagnostic>> {
    let at = |range: Option<std::ops::Range<usize>>| match range {
        Some(r) => Span::new(whole_file.file, r.start, r.end),
        None => Span {
            end: whole_file.start,
            ..whole_file
        },
    };
    let raw: RawManifest = toml::from_str(text).map_err(|e| {
        vec![
            Diagnostic::error(
                codes::BAD_MANIFEST,
                at(e.span()),
                format!(
                    "invalid `lintas.toml`: {}",
                    e.message().trim().trim_end_matches('.').replace('\n', "; ")
                ),
            )
            .help("a manifest needs `[package]` with `name`, `version` and `edition = \"2026\"`"),
        ]
    })?;
    let mut problems = Vec::new();
    // The value on the line that sets `key`, not the first place the same
    // text appears (a description may mention the edition's year).
    let find_value = |key: &str, value: &str| {
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim_start();
            if trimmed.starts_with(key)
                && trimmed
                    .get(key.len()..)
                    .is_some_and(|r| r.trim_start().starts_with('='))
                && let Some(p) = line.find(value)
            {
                return at(Some(offset + p..offset + p + value.len()));
            }
            offset += line.len();
        }
        at(text.find(value).map(|s| s..s + value.len()))
    };
    if !is_package_name(&raw.package.name) {
        problems.push(
            Diagnostic::error(
                codes::BAD_MANIFEST,
                find_value("name", &raw.package.name),
                format!("invalid package name `{}`", raw.package.name),
            )
            .help("use lowercase letters, digits, `_` and `-`, starting with a letter"),
        );
    }
    let version = match semver::Version::parse(&raw.package.version) {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(
                Diagnostic::error(
                    codes::BAD_MANIFEST,
                    find_value("version", &raw.package.version),
                    format!("invalid version `{}`: {e}", raw.package.version),
                )
                .help("write a semantic version such as `1.0.0`"),
            );
            None
        }
    };
    if !EDITIONS.contains(&raw.package.edition.as_str()) {
        problems.push(
            Diagnostic::error(
                codes::BAD_MANIFEST,
                find_value("edition", &raw.package.edition),
                format!("unsupported edition `{}`", raw.package.edition),
            )
            .help(format!(
                "this compiler knows editions {}",
                EDITIONS.join(", ")
            )),
        );
    }
    let link = |raw: RawLink, problems: &mut Vec<Diagnostic>| {
        let span = find_value("path", &raw.path);
        let version = raw
            .version
            .and_then(|v| match semver::VersionReq::parse(&v) {
                Ok(req) => Some(req),
                Err(e) => {
                    problems.push(
                        Diagnostic::error(
                            codes::BAD_MANIFEST,
                            find_value("version", &v),
                            format!("invalid version requirement `{v}`: {e}"),
                        )
                        .help("write a requirement such as `^1.0`"),
                    );
                    None
                }
            });
        PackageLink {
            path: raw.path,
            version,
            span,
        }
    };
    let extends = raw.package.extends.map(|l| link(l, &mut problems));
    let dependencies = raw
        .dependencies
        .into_iter()
        .map(|(name, l)| (name, link(l, &mut problems)))
        .collect();
    match version {
        Some(version) if problems.is_empty() => Ok(Manifest {
            name: raw.package.name,
            version,
            edition: raw.package.edition,
            description: raw.package.description,
            extends,
            dependencies,
        }),
        _ => Err(problems),
    }
}

fn is_package_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}
